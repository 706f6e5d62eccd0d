import { hostname } from "node:os";
import type { TensorDict } from "@tdrl/tensordict";
import { initBackend } from "@tdrl/backend";
import type { EnvBase } from "@tdrl/envs";
import { resolveEnvModule } from "@tdrl/envs/internal";
import { SyncDataCollector, type CollectorPolicy } from "@tdrl/collectors";
import { buildEnvFromModule, buildPolicyFromModule } from "@tdrl/collectors/internal";
import { loadWeights, type HasParameters } from "@tdrl/modules";
import type { Redis } from "ioredis";
import { connectRedis, describeRedis, type RedisConnection } from "./redis-connection";
import { runKeys } from "./run-keys";
import { readRunConfig, type PriorityFn, type RunConfig } from "./run-config";
import { ExperienceWriter } from "./experience-writer";
import { WeightsSubscriber } from "./weights-broadcast";

export interface ActorOptions {
  redis: RedisConnection;
  /** The run to join. Default `"tdrl"`. */
  run?: string;
  /** The actor's index (seeds its env with the run's seed + index). Default: the next free one (INCR in Redis). */
  index?: number;
  /** Stop after this many batches (default: run until the learner stops the run, or `signal` aborts). */
  maxBatches?: number;
  /** Aborting ends the loop after the batch being collected is sent. */
  signal?: AbortSignal;
  /** How long to wait for the learner's run config. Default 120 000 ms. */
  configTimeoutMs?: number;
  /** How often the weights version is polled besides the pub/sub notices. Default 1000 ms. */
  weightsPollMs?: number;
  /** Progress and error lines. Default: none. */
  log?: (line: string) => void;
}

/** What an actor did, when it stops. */
export interface ActorSummary {
  index: number;
  batches: number;
  frames: number;
  bytesSent: number;
  /** The weights version it acted with last. */
  weightsVersion: number;
  stoppedBy: "learner" | "maxBatches" | "signal";
}

/**
 * Runs one actor of a distributed run (Ape-X's actor): reads the run's config from Redis, builds the env
 * and policy from their module references (as a collector worker does), then loops: load the newest
 * weights if new ones were fetched meanwhile, collect a batch with a `SyncDataCollector`, attach the
 * initial priorities, append it to the experience stream. Weights are fetched in the background, so acting
 * never waits for them. A Redis restart pauses the loop (commands are retried once it is back).
 *
 * @example
 * // Usually in a process of its own (the `tdrl-actor` command runs it with REDIS_URL).
 * const collector = new DistributedCollector({ module: "@tdrl/envs", exportName: "CountingEnv" }, { module: "@tdrl/collectors", exportName: "randomPolicy" }, { redis: redisUrl, run: "one-actor", framesPerBatch: 8, totalFrames: 16 });
 * await collector.start();
 * const summary = runActor({ redis: redisUrl, run: "one-actor", maxBatches: 2 });
 * for await (const _batch of collector);
 * console.log((await summary).batches); // 2
 * await collector.shutdown();
 */
export async function runActor(options: ActorOptions): Promise<ActorSummary> {
  const run = options.run ?? "tdrl";
  const keys = runKeys(run);
  const log = options.log ?? (() => undefined);
  const redis = connectRedis(options.redis, `tdrl-actor:${run}`);
  const subscriber = connectRedis(options.redis, `tdrl-actor-sub:${run}`);
  redis.on("error", (e: Error) => log(`redis ${describeRedis(options.redis)}: ${e.message}`));
  subscriber.on("error", () => undefined);
  let weights: WeightsSubscriber | null = null;
  let collector: SyncDataCollector | null = null;
  let policy: CollectorPolicy | null = null;
  try {
    const config = await readRunConfig(redis, keys, options.configTimeoutMs ?? 120_000);
    const index = options.index ?? (await redis.incr(keys.actorIndex)) - 1;
    if (!(Number.isSafeInteger(index) && index >= 0))
      throw new Error(`runActor: index must be a non-negative integer, got ${String(index)}`);
    await initBackend();
    const seed = config.seed + index;
    const envRef = resolveEnvModule(config.env, "runActor (env)");
    const policyRef = resolveEnvModule(config.policy, "runActor (policy)");
    await registerTsxIfNeeded(envRef.url, envRef.tsx ?? policyRef.tsx);
    const env = await buildEnvFromModule(envRef, index);
    policy = await buildPolicyFromModule(policyRef, index, { seed, env });
    const priority = config.priority === null ? null : await buildPriority(config, index, seed, env, policy);
    const acting = policy;
    collector = new SyncDataCollector(env, policy, {
      framesPerBatch: config.framesPerBatch,
      seed,
      explorationType: config.explorationType,
      maxFramesPerTraj: config.maxFramesPerTraj,
      initRandomFrames: config.initRandomFrames,
    });
    const writer = new ExperienceWriter(redis, keys.experience, config.maxStreamLength, config.maxMessageBytes);
    weights = new WeightsSubscriber(redis, subscriber, keys, 0, options.weightsPollMs ?? 1000, (e) =>
      log(`weights: ${e.message}`),
    );
    await weights.start();
    const actorName = `${hostname()}:${process.pid}`;
    log(`actor ${index} (${actorName}) joined run ${run} on ${describeRedis(options.redis)}`);
    let batches = 0;
    let bytesSent = 0;
    let stoppedBy: ActorSummary["stoppedBy"] = "learner";
    for (;;) {
      if (weights.stopped) break;
      if (options.signal?.aborted) {
        stoppedBy = "signal";
        break;
      }
      if (options.maxBatches !== undefined && batches >= options.maxBatches) {
        stoppedBy = "maxBatches";
        break;
      }
      if (config.maxUnread !== null)
        await waitForLearner(
          redis,
          keys.experience,
          config.group,
          config.maxUnread,
          () => weights!.stopped || options.signal?.aborted === true,
        );
      const fresh = weights.take();
      if (fresh !== null) loadPolicy(acting, fresh.bytes);
      const batch = collector.rollout();
      const priorities = priority === null ? null : checkPriorities(priority(batch), batch);
      const meta = {
        run,
        actor: index,
        actorName,
        seq: batches,
        weightsVersion: weights.currentVersion,
        frames: batch.numel,
        sentAt: Date.now(),
        priorities,
      };
      const { bytes } = await writer.append(batch, meta);
      bytesSent += bytes;
      batches++;
    }
    log(`actor ${index} stopped (${stoppedBy}) after ${batches} batches`);
    return {
      index,
      batches,
      frames: collector.framesCollected,
      bytesSent,
      weightsVersion: weights.currentVersion,
      stoppedBy,
    };
  } finally {
    weights?.close();
    await collector?.shutdown().catch(() => undefined);
    // The policy was built here, so its variables end here (an actor in a long-lived process must not leak them).
    if (policy !== null && typeof policy !== "function")
      for (const v of policy.parameters?.().values() ?? []) v.dispose();
    redis.disconnect();
    subscriber.disconnect();
  }
}

const TSX_REGISTERED = Symbol.for("tdrl.distributed.tsxRegistered");

/**
 * TypeScript env / policy modules (a learner run from its sources stores `.ts` references): when this process
 * cannot import them as they are (plain Node running `tdrl-actor` from the build), registers tsx once, as the
 * worker collectors do in each thread. Processes that already load TypeScript (tsx, vitest) are left alone.
 */
async function registerTsxIfNeeded(url: string, tsx: { api: string; tsconfig: string | null } | null): Promise<void> {
  const g = globalThis as { [TSX_REGISTERED]?: boolean };
  if (tsx === null || g[TSX_REGISTERED] === true) return;
  try {
    await import(url);
    return;
  } catch (e) {
    if ((e as { code?: string }).code !== "ERR_UNKNOWN_FILE_EXTENSION") throw e;
  }
  const { register } = (await import(tsx.api)) as { register: (o: object) => unknown };
  register(tsx.tsconfig === null ? {} : { tsconfig: tsx.tsconfig });
  g[TSX_REGISTERED] = true;
}

/** Waits while the learner's group has more than `maxUnread` entries to read (XINFO GROUPS' lag, Redis >= 7). */
async function waitForLearner(
  redis: Redis,
  stream: string,
  group: string,
  maxUnread: number,
  stop: () => boolean,
): Promise<void> {
  for (let wait = 5; !stop(); wait = Math.min(wait * 2, 200)) {
    const groups = (await redis.xinfo("GROUPS", stream)) as unknown[][];
    const mine = groups.map((g) => new Map(pairs(g))).find((g) => g.get("name") === group);
    const lag = mine === undefined ? 0 : Number(mine.get("lag") ?? 0);
    if (lag <= maxUnread) return;
    await new Promise((r) => setTimeout(r, wait));
  }
}

function pairs(flat: unknown[]): [unknown, unknown][] {
  const out: [unknown, unknown][] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push([flat[i], flat[i + 1]]);
  return out;
}

async function buildPriority(
  config: RunConfig,
  index: number,
  seed: number,
  env: EnvBase,
  policy: CollectorPolicy,
): Promise<PriorityFn> {
  const ref = resolveEnvModule(config.priority!, "runActor (priority)");
  const mod = (await import(ref.url)) as Record<string, unknown>;
  const factory = mod[ref.exportName];
  if (typeof factory !== "function")
    throw new Error(`runActor: module ${ref.url} has no PriorityFactory exported as "${ref.exportName}"`);
  const fn = await (factory as (i: number, a: unknown, c: unknown) => unknown)(index, ref.args, { seed, env, policy });
  if (typeof fn !== "function")
    throw new Error(
      `runActor: "${ref.exportName}" from ${ref.url} gave ${typeof fn}, not a priority function (batch) => priorities`,
    );
  return fn as PriorityFn;
}

function checkPriorities(values: Float32Array | readonly number[], batch: TensorDict): Float32Array {
  const out = values instanceof Float32Array ? values : Float32Array.from(values);
  if (out.length !== batch.numel)
    throw new Error(`runActor: the priority function gave ${out.length} priorities for a ${batch.numel}-frame batch`);
  const bad = out.findIndex((p) => !(Number.isFinite(p) && p >= 0));
  if (bad !== -1) throw new Error(`runActor: priority ${bad} is ${out[bad]}, not a finite non-negative number`);
  return out;
}

function loadPolicy(policy: CollectorPolicy, bytes: Uint8Array): void {
  if (typeof policy === "function" || typeof (policy as Partial<HasParameters>).parameters !== "function") {
    throw new Error(
      "runActor: the learner published weights, but the actor's policy has no parameters() to load them into",
    );
  }
  loadWeights(policy as HasParameters, bytes);
}
