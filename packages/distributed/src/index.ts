// @tdrl/distributed: actors on many processes or machines feeding one learner through Redis (Ape-X / R2D2's
// design, TorchRL's DistributedDataCollector idea): an experience stream with a consumer group, a versioned
// weight broadcast, and the actor runner.

export {
  DistributedCollector,
  ACTOR_ID_STRIDE,
  WEIGHTS_VERSION_KEY,
  type DistributedCollectorOptions,
  type DistributedCollectorState,
  type DistributedEvent,
  type DistributedStats,
} from "./distributed-collector";
export { runActor, type ActorOptions, type ActorSummary } from "./actor-runner";
export { spawnActorProcess, type ActorProcess, type ActorProcessOptions } from "./actor-process";
export { actorCli } from "./actor-cli";
export {
  BATCH_CODEC_VERSION,
  BatchMessageError,
  batchSchema,
  encodeBatchMessage,
  decodeBatchMessage,
  type BatchMeta,
  type BatchMessage,
  type RejectReason,
  type DecodeOptions,
} from "./batch-message";
export { ExperienceWriter } from "./experience-writer";
export {
  ExperienceReader,
  type ExperienceReaderOptions,
  type StreamEntry,
  type RejectedEntry,
} from "./experience-reader";
export { publishWeights, WeightsSubscriber, type RunEvent } from "./weights-broadcast";
export { runKeys, type RunKeys } from "./run-keys";
export type { RunConfig, StoredModuleRef, PriorityFactory, PriorityFn, PriorityContext } from "./run-config";
export { connectRedis, describeRedis, type RedisConnection } from "./redis-connection";
export {
  startRedisServer,
  redisServerVersion,
  freePort,
  type RedisServer,
  type RedisServerOptions,
} from "./redis-server";
/** Internal: the entry point of spawned actor processes, which import it from this module. */
export { actorProcessMain } from "./actor-process";
