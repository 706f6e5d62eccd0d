import { describeDocExamples } from "../../../test-support/doc-examples";

// The normalization and DQN-practice transforms.
describeDocExamples(new URL(".", import.meta.url), [
  "observation-norm.ts",
  "vec-norm.ts",
  "cat-frames.ts",
  "frame-skip.ts",
  "noop-reset.ts",
]);
