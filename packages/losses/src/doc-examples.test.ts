import { describeDocExamples } from "../../../test-support/doc-examples";

// Examples are written for the reader: they use the package's names without importing them, so the same
// header of imports is put in front of each (their own imports of these modules are dropped).
const header = [
  'import * as tf from "@tensorflow/tfjs-core";',
  'import { HostArray, Rng, TensorDict } from "@tdrl/tensordict";',
  'import { initBackend } from "@tdrl/backend";',
  'import { LSTMModule, MLP, TensorDictModule, TensorDictSequential, makeVariable } from "@tdrl/modules";',
  'import { DQNLoss, HardUpdate, RecurrentDQNLoss, NStepEstimator, SoftUpdate, TD0Estimator, TD1Estimator, TDLambdaEstimator, clipGradNorm, distanceLoss } from "@tdrl/losses";',
  'await initBackend({ prefer: "cpu" });',
  "void tf, HostArray, Rng, TensorDict, LSTMModule, MLP, TensorDictModule, TensorDictSequential, makeVariable, DQNLoss, HardUpdate, RecurrentDQNLoss, NStepEstimator, SoftUpdate, TD0Estimator, TD1Estimator, TDLambdaEstimator, clipGradNorm, distanceLoss;",
  "",
].join("\n");

describeDocExamples(
  new URL(".", import.meta.url),
  [
    "loss-module.ts",
    "dqn-loss.ts",
    "recurrent-dqn-loss.ts",
    "distance-loss.ts",
    "soft-update.ts",
    "hard-update.ts",
    "clip-grad-norm.ts",
    "value-estimators.ts",
  ],
  {
    header,
    dropImports: /^import .* from "(@tensorflow\/tfjs-core|@tdrl\/tensordict|@tdrl\/backend|@tdrl\/modules)";\n/gm,
  },
);
