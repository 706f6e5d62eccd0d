import type { Redis } from "ioredis";
import type { EnvBase, EnvModuleRef } from "@tdrl/envs";
import type { CollectorPolicy, PolicyModuleRef } from "@tdrl/collectors";
import type { ExplorationType } from "@tdrl/modules";
import type { TensorDict } from "@tdrl/tensordict";
import type { RunKeys } from "./run-keys";

/** A module reference as stored in Redis: the module as a string (a `file:` URL, an absolute path or a package name). */
export interface StoredModuleRef {
  module: string;
  exportName?: string;
  args?: unknown;
}

/**
 * What the learner tells every actor of a run (stored as JSON at the run's `config` key): where the env,
 * the policy and the priority function come from, and the options of the actor's `SyncDataCollector`. An
 * actor on another machine needs only the Redis URL and the run name: module references must then resolve
 * there too (package names, or the same paths).
 */
export interface RunConfig {
  run: string;
  env: StoredModuleRef;
  policy: StoredModuleRef;
  /** Ape-X initial priorities: a `PriorityFactory` module reference, or null. */
  priority: StoredModuleRef | null;
  /** Frames in each actor batch (one stream entry). */
  framesPerBatch: number;
  /** Actor `i` seeds its env with `seed + i` (and gets that seed in its factories). */
  seed: number;
  explorationType: ExplorationType;
  maxFramesPerTraj: number;
  /** Random-action frames each actor takes first. */
  initRandomFrames: number;
  maxStreamLength: number;
  maxMessageBytes: number;
  /** The learner's consumer group (actors read its lag). */
  group: string;
  /** Actors wait while the group has more than this many unread entries (null: never wait, Ape-X's free-running actors). */
  maxUnread: number | null;
}

/** What a `PriorityFactory` gets: the actor's index, seed, env and policy (to compute TD errors with). */
export interface PriorityContext {
  seed: number;
  env: EnvBase;
  policy: CollectorPolicy;
}

/**
 * Ape-X's actor-side priorities: a module export that builds, in each actor, a function giving each frame
 * of a batch its initial priority (row-major over the batch size; finite, non-negative). The learner writes
 * them into a prioritized replay buffer with the batch.
 *
 * @example
 * // my-priorities.ts: priority |reward| + 0.1, so rewarding frames are replayed first.
 * export const rewardPriority: PriorityFactory = () => (batch) => batch.getHost(["next", "reward"]).data.map((r) => Math.abs(r) + 0.1);
 */
export type PriorityFactory<A = unknown> = (
  index: number,
  args: A,
  context: PriorityContext,
) => PriorityFn | Promise<PriorityFn>;

/** One actor's priority function. */
export type PriorityFn = (batch: TensorDict) => Float32Array | readonly number[];

/** A module reference with its module as a string, checked to be JSON-able. */
export function storedRef(ref: EnvModuleRef | PolicyModuleRef, what: string): StoredModuleRef {
  if (ref === null || typeof ref !== "object")
    throw new Error(`${what}: expected { module, exportName?, args? }, got ${String(ref)}`);
  const module = ref.module instanceof URL ? ref.module.href : ref.module;
  if (typeof module !== "string" || module.length === 0)
    throw new Error(`${what}: module must be a file: URL, an absolute path or a package name, got ${String(module)}`);
  const out: StoredModuleRef = {
    module,
    ...(ref.exportName === undefined ? {} : { exportName: ref.exportName }),
    ...(ref.args === undefined ? {} : { args: ref.args }),
  };
  const text = JSON.stringify(out.args ?? null);
  if (JSON.stringify(JSON.parse(text)) !== text)
    throw new Error(`${what}: args must be plain JSON data (actors read them from Redis)`);
  return out;
}

export async function writeRunConfig(redis: Redis, keys: RunKeys, config: RunConfig): Promise<void> {
  await redis.multi().set(keys.config, JSON.stringify(config)).del(keys.stopped).exec();
}

/** Reads the run's config, waiting for the learner to write it (up to `timeoutMs`). */
export async function readRunConfig(redis: Redis, keys: RunKeys, timeoutMs: number): Promise<RunConfig> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = await redis.get(keys.config);
    if (text !== null) {
      const config = JSON.parse(text) as RunConfig;
      if (
        typeof config !== "object" ||
        config === null ||
        typeof config.framesPerBatch !== "number" ||
        typeof config.env !== "object" ||
        typeof config.policy !== "object"
      ) {
        throw new Error(`actor: the run config at ${keys.config} is not a tdrl run config: ${text.slice(0, 200)}`);
      }
      return config;
    }
    if (Date.now() > deadline)
      throw new Error(
        `actor: no run config at ${keys.config} after ${timeoutMs} ms; start the learner (DistributedCollector) first, or check the run name`,
      );
    await new Promise((r) => setTimeout(r, 200));
  }
}
