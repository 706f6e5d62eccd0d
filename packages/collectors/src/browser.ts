// @tdrl/collectors's browser-safe entry: the package's default export condition (browsers, bundlers). Node gets
// ./index.ts (the "node" condition and @tdrl/collectors/node), which re-exports all of this and adds the
// Node-only parts. Add new exports here unless they need Node (browser-entry.test.ts lists those).

export type { Collector, CollectorState, CollectorResumeState } from "./collector";
export type { BatchSink, CollectorPolicy, PolicyFn, ExplorationPolicy, PolicyWeights } from "./collector-policy";
export { TrajectoryIds, type TrajectoryIdsState } from "./trajectory-ids";
export { splitTrajectories, type SplitTrajectoriesOptions } from "./split-trajectories";
export {
  SyncDataCollector,
  TRAJ_IDS_KEY,
  type SyncDataCollectorOptions,
  type CollectorOutput,
  type EnvOrFactory,
} from "./sync-data-collector";
export type { PolicyFactory, PolicyModuleRef, PolicyContext } from "./collector-worker-protocol";
export { randomPolicy } from "./random-policy";
