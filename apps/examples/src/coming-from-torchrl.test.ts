import { describeReadmeExamples } from "../../../test-support/readme-examples";

// The "Coming from TorchRL" page imports every package; the examples app depends on all of them.
describeReadmeExamples(
  new URL("..", import.meta.url),
  5,
  new URL("../../../docs/coming-from-torchrl.md", import.meta.url),
);
