// @tdrl/trainers's browser-safe entry: the package's default export condition (browsers, bundlers). Node gets
// ./index.ts (the "node" condition and @tdrl/trainers/node), which re-exports all of this and adds the
// file-based checkpoints. Add new exports here unless they need Node (browser-entry.test.ts lists those).

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
export { linearLr, withLearningRate, type LrSchedule } from "./lr-schedule";
export { nStepTransitions } from "./n-step";
export { EpisodeStats, type Episode, type EpisodeStatsState } from "./episode-stats";
export { evaluateGreedy, type Evaluation } from "./evaluate";
export { seedStreams } from "./seed-streams";
export { saveAdamState, restoreAdamState, type AdamState, type AdamStateMeta } from "./optimizer-state";
