import { describeDocExamples } from "../../../test-support/doc-examples";

describeDocExamples(new URL(".", import.meta.url), [
  "list-storage.ts",
  "lazy-tensor-storage.ts",
  "lazy-memmap-storage.ts",
  "round-robin-writer.ts",
  "max-value-writer.ts",
  "immutable-dataset-writer.ts",
  "replay-buffer.ts",
  "tensordict-replay-buffer.ts",
  "random-sampler.ts",
  "sampler-without-replacement.ts",
  "prioritized-sampler.ts",
  "slice-sampler.ts",
  "prioritized-slice-sampler.ts",
  "directory-lock.ts",
]);
