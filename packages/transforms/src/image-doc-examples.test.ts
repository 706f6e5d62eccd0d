import { describeDocExamples } from "../../../test-support/doc-examples";

describeDocExamples(new URL(".", import.meta.url), [
  "to-tensor-image.ts",
  "gray-scale.ts",
  "resize.ts",
  "crop.ts",
  "center-crop.ts",
]);
