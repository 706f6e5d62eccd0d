// @tdrl/trainers: the training loop with hook stages, exact checkpoints, evaluation, target sync, n-step returns.

export {
  Trainer,
  type TrainerConfig,
  type TrainerParts,
  type TrainerHooks,
  type TrainerStage,
  type TrainerState,
  type TrainerRecord,
  type TrainerResult,
  type Learner,
  type UpdateContext,
  type UpdateStats,
  type Annealed,
} from "./trainer";
export { DqnLearner, type DqnLearnerOptions } from "./dqn-learner";
export { TargetSync, type TargetSyncConfig } from "./target-sync";
export { nStepTransitions } from "./n-step";
export { EpisodeStats, type Episode, type EpisodeStatsState } from "./episode-stats";
export { evaluateGreedy, type Evaluation } from "./evaluate";
export { seedStreams } from "./seed-streams";
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
export { writeCheckpoint, readCheckpoint, hasCheckpoint, Checkpoint, type CheckpointContents, type WriteCheckpointOptions } from "./checkpoint-files";
export { saveAdamState, restoreAdamState, type AdamState, type AdamStateMeta } from "./optimizer-state";
export { writeSynced, syncDir } from "./fs-sync";
