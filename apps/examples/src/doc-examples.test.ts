import { describeDocExamples } from "../../../test-support/doc-examples";

const here = new URL(".", import.meta.url).pathname;

describeDocExamples(new URL(".", import.meta.url), ["pole-angle-reward.ts"], {
  header: `import { PoleAngleReward } from "${here}pole-angle-reward.ts";\n`,
});
