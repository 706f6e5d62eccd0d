// @tdrl/losses: TorchRL's objectives (losses, target-network updates, value estimators) on TensorFlow.js.

export { LossModule, type LossModuleOptions } from "./loss-module";
export { DQNLoss, type DQNLossOptions, type Reduction } from "./dqn-loss";
export { RecurrentDQNLoss, type RecurrentDQNLossOptions } from "./recurrent-dqn-loss";
export { distanceLoss, type LossFunction } from "./distance-loss";
export { SoftUpdate, type SoftUpdateOptions } from "./soft-update";
export { HardUpdate, type HardUpdateOptions, type HardUpdateState } from "./hard-update";
export { clipGradNorm } from "./clip-grad-norm";
export {
  TD0Estimator,
  TD1Estimator,
  TDLambdaEstimator,
  NStepEstimator,
  type ValueEstimator,
  type ReturnInputs,
} from "./value-estimators";
