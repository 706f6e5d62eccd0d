import { describeDocExamples } from "../../../test-support/doc-examples";

describeDocExamples(new URL(".", import.meta.url), [
  "transform.ts",
  "compose.ts",
  "transformed-env.ts",
  "step-counter.ts",
  "init-tracker.ts",
  "reward-sum.ts",
  "tensordict-primer.ts",
  "reward-scaling.ts",
  "reward-clipping.ts",
  "sign-transform.ts",
  "dtype-cast.ts",
  "select.ts",
  "exclude.ts",
  "rename.ts",
  "unsqueeze.ts",
  "flatten-observation.ts",
]);
