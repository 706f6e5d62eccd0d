import { describeDocExamples } from "../../../test-support/doc-examples";

// Examples are written for the reader: they use the package's names without importing them, so the same
// header of imports is put in front of each (their own imports of these modules are dropped).
const header = [
  'import * as tf from "@tensorflow/tfjs-core";',
  'import { readFileSync, writeFileSync } from "node:fs";',
  'import { Categorical, HostArray, OneHot, Rng, TensorDict } from "@tdrl/tensordict";',
  'import { initBackend } from "@tdrl/backend";',
  'import { ConvNet, DuelingHead, EGreedyModule, GRUModule, LSTMModule, MLP, QValueModule, TensorDictModule, TensorDictSequential, copyParams, lerpParams, loadWeights, natureCnn, saveWeights } from "@tdrl/modules";',
  'await initBackend({ prefer: "cpu" });',
  "void tf, readFileSync, writeFileSync, Categorical, HostArray, OneHot, Rng, TensorDict;",
  "",
].join("\n");

describeDocExamples(
  new URL(".", import.meta.url),
  [
    "parameters.ts",
    "tensordict-module.ts",
    "tensordict-sequential.ts",
    "mlp.ts",
    "conv-net.ts",
    "lstm-module.ts",
    "gru-module.ts",
    "q-value-module.ts",
    "dueling-head.ts",
    "e-greedy-module.ts",
    "safetensors.ts",
  ],
  { header, dropImports: /^import .* from "(@tensorflow\/tfjs-core|@tdrl\/tensordict|@tdrl\/backend|node:fs)";\n/gm },
);
