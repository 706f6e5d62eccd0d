// @tdrl/collectors/internal: what other @tdrl packages need from collectors but users do not (Node only, not
// part of the public API, may change in any release): building an env / a policy from a resolved module
// reference as a collector worker does (@tdrl/distributed's actors); the shared-memory batch transfer of the
// worker collectors (@tdrl/trainers' DataParallelLearner sends its workers their half-batches with it).

export { buildEnv as buildEnvFromModule, buildPolicy as buildPolicyFromModule } from "./collector-worker";
export { SharedBatchReader, SharedBatchWriter } from "./collector-worker-batch";
export type { SharedLeafLayout } from "./collector-worker-protocol";
export { moduleWorkerSource } from "./collector-worker-source";
