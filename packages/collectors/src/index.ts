// @tdrl/collectors: data collectors (TorchRL's torchrl.collectors): a sync collector and the pieces every
// collector shares (policy type, trajectory ids, trajectory splitting, the Collector interface).

export type { Collector, CollectorState, CollectorResumeState } from "./collector";
export type { CollectorPolicy, PolicyFn, ExplorationPolicy, PolicyWeights } from "./collector-policy";
export { TrajectoryIds, type TrajectoryIdsState } from "./trajectory-ids";
export { splitTrajectories, type SplitTrajectoriesOptions } from "./split-trajectories";
export { SyncDataCollector, TRAJ_IDS_KEY, type SyncDataCollectorOptions, type CollectorOutput, type EnvOrFactory } from "./sync-data-collector";
export { MultiSyncDataCollector } from "./multi-sync-data-collector";
export { MultiAsyncDataCollector } from "./multi-async-data-collector";
export { AsyncCollector, type AsyncCollectorOptions } from "./async-collector";
export type { MultiCollector, MultiCollectorOptions } from "./multi-collector";
export type { PolicyFactory, PolicyModuleRef, PolicyContext } from "./collector-worker-protocol";
export { randomPolicy } from "./random-policy";
/** Internal: the entry point of collector worker threads, which import it from this module. */
export { collectorWorkerMain } from "./collector-worker";
/** Builds an env / a policy from a resolved module reference, as a collector worker does (used by @tdrl/distributed's actors). */
export { buildEnv as buildEnvFromModule, buildPolicy as buildPolicyFromModule } from "./collector-worker";
