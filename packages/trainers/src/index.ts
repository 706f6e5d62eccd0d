// @tdrl/trainers: the training loop with hook stages, exact checkpoints, evaluation, target sync, n-step
// returns. This is the Node entry (the "node" export condition and @tdrl/trainers/node): the browser
// entry's names (./browser.ts), plus the file-based checkpoints.

export * from "./browser";

export {
  CheckpointManager,
  recipeDifferences,
  checkpointDir,
  bestModelDir,
  saveBestModel,
  readBestModelInfo,
  loadPolicyWeights,
  type CheckpointTargets,
  type Checkpointable,
  type CheckpointManagerOptions,
  type LoadedCheckpoint,
  type BestModelInfo,
  type PolicyChoice,
} from "./checkpoint-manager";
export {
  writeCheckpoint,
  readCheckpoint,
  hasCheckpoint,
  Checkpoint,
  type CheckpointContents,
  type WriteCheckpointOptions,
} from "./checkpoint-files";
export { writeSynced, syncDir } from "./fs-sync";
export { DataParallelLearner, type DataParallelLearnerOptions } from "./data-parallel-learner";
export type { LossFactory, LossModuleRef } from "./data-parallel-protocol";
/**
 * @internal The entry point of `DataParallelLearner` worker threads, which import it from this module (so it
 * stays a runtime export); not part of the API.
 */
export { dataParallelWorkerMain } from "./data-parallel-worker";
