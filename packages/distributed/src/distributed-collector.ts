import { HostArray, type TensorDict } from "@tdrl/tensordict";
import type { EnvModuleRef } from "@tdrl/envs";
import {
  splitTrajectories,
  TRAJ_IDS_KEY,
  type Collector,
  type CollectorOutput,
  type CollectorState,
  type PolicyModuleRef,
  type PolicyWeights,
  type SyncDataCollectorOptions,
} from "@tdrl/collectors";
import { saveWeights, type ExplorationType, type HasParameters } from "@tdrl/modules";
import type { ReplayBuffer } from "@tdrl/buffers";
import type { Redis } from "ioredis";
import type { BatchMeta, RejectReason } from "./batch-message";
import { ExperienceReader, type RejectedEntry, type StreamEntry } from "./experience-reader";
import { connectRedis, describeRedis, type RedisConnection } from "./redis-connection";
import { runKeys, type RunKeys } from "./run-keys";
import { storedRef, writeRunConfig, type RunConfig } from "./run-config";
import { publishWeights } from "./weights-broadcast";
import { spawnActorProcess, type ActorProcess } from "./actor-process";

/** Options of `DistributedCollector`: the local collectors' (batch size, frames, replay buffer, ...) plus Redis's. */
export interface DistributedCollectorOptions
  extends Omit<SyncDataCollectorOptions, "resetAtEachIter" | "replayBuffer"> {
  /** Where each batch is written; a prioritized buffer also gets the actors' initial priorities. */
  replayBuffer?: ReplayBuffer;
  /** Frames in each actor batch (one stream entry, one item of the iterator). */
  framesPerBatch: number;
  /** Where Redis is: a URL (`redis://user:pass@host:port`, `rediss://` for TLS) or ioredis options, passed through. */
  redis: RedisConnection;
  /** The run's name: its keys start with `tdrl:<run>:`. Default "tdrl". */
  run?: string;
  /** Ape-X initial priorities computed by the actors: a module reference to a `PriorityFactory`. */
  priority?: PolicyModuleRef;
  /** Where `updatePolicyWeights()` without arguments takes the weights from: the policy being trained. */
  policyWeights?: HasParameters;
  /** The stream holds about this many entries at most (XADD MAXLEN ~); older unread batches are dropped. Default 1000 (64 frames of 48x48 pixels are ~400 KB: size it to your memory). */
  maxStreamLength?: number;
  /**
   * Backpressure: actors pause while more than this many entries wait unread by the learner's group, so on
   * a shared machine they do not take the learner's CPU to make batches that would only be trimmed.
   * Default null: actors never wait (Ape-X), and the stream cap drops what the learner cannot keep up with.
   */
  maxUnread?: number | null;
  /** Messages over this many bytes are refused by actors (before sending) and by the learner. Default 32 MiB. */
  maxMessageBytes?: number;
  /**
   * When entries are acknowledged: `"extend"` (default) once the batch is in the replay buffer (or, without
   * one, once the consumer asks for the next batch); `"manual"`: only at `acknowledge()`, which a learner
   * calls right after it saves a checkpoint, so a restart from that checkpoint re-reads exactly what it lacks.
   */
  ack?: "extend" | "manual";
  /** The consumer group and this learner's name in it. Defaults "learner" and "learner-0": a restarted learner keeps its name to get its pending entries back. */
  group?: string;
  consumer?: string;
  /** Entries per read (default 16) and how long a read waits (default 1000 ms). */
  readCount?: number;
  blockMs?: number;
  /** The schema batches must have (`batchSchema`); default: the first accepted batch's. */
  schema?: string;
  /** Called for every refused message and on weight publishes; default logs refusals with console.warn. */
  onEvent?: (event: DistributedEvent) => void;
}

/** What the collector reports through `onEvent`. */
export type DistributedEvent =
  | { kind: "rejected"; entry: RejectedEntry }
  | { kind: "weights"; version: number; bytes: number };

/** The collector's counters: what came in, what was refused and why, and the policy lag. */
export interface DistributedStats {
  batches: number;
  frames: number;
  bytes: number;
  /** Entries re-read after a restart (delivered before, never acknowledged). */
  recovered: number;
  rejected: Record<RejectReason, number>;
  /** The latest published weights version. */
  weightsVersion: number;
  /** Policy lag of the last batch (latest version - the version that collected it) and its mean over all batches. */
  lastPolicyLag: number;
  meanPolicyLag: number;
  /** Frames per actor index. */
  framesByActor: Record<number, number>;
}

/** `state()`: the collector counters plus the distributed ones; `loadState` restores both. */
export interface DistributedCollectorState extends CollectorState {
  distributed: {
    weightsVersion: number;
    schema: string | null;
    stats: DistributedStats;
    /**
     * Stream ids ingested but not acknowledged when the state was taken (`ack: "manual"`): the checkpoint
     * holds their data, so a learner restored from it acknowledges them instead of ingesting them twice.
     */
    unacknowledged: string[];
  };
}

/** Where each frame's weights version goes. */
export const WEIGHTS_VERSION_KEY = ["collector", "weights_version"] as const;

/** Trajectory ids are made unique over actors as `localId * ACTOR_ID_STRIDE + actorIndex`. */
export const ACTOR_ID_STRIDE = 1024;

/**
 * The learner's side of an Ape-X style run (TorchRL's `DistributedDataCollector` idea, on Redis): actor
 * processes (started here with `startActors(n)`, or joined from other machines with `tdrl-actor`) collect
 * with their own env and policy, built from module references, and append batches to a Redis stream; this
 * collector reads them through a consumer group, writes them into the `replayBuffer` (with the actors'
 * initial priorities when given) or yields them, and acknowledges each entry only once it is stored, so a
 * learner that dies re-reads what it had not stored. `updatePolicyWeights()` publishes versioned weights
 * (safetensors); actors pick them up between batches. Each batch's `meta` gives the version it was
 * collected with; each frame carries it at `["collector", "weights_version"]`, and the policy lag is in `stats`.
 *
 * @example
 * const env = { module: "@tdrl/envs", exportName: "CartPoleEnv", args: { batchSize: [4] } };
 * const policy = { module: "@tdrl/collectors", exportName: "randomPolicy" };
 * const collector = new DistributedCollector(env, policy, { redis: redisUrl, run: "demo", framesPerBatch: 64, totalFrames: 256 });
 * await collector.start();
 * // Actors: `await collector.startActors(2)` (processes), `tdrl-actor` elsewhere, or one in this process:
 * const actor = runActor({ redis: redisUrl, run: "demo", maxBatches: 4 });
 * for await (const batch of collector) console.log(batch.batchSize, collector.lastBatchMeta?.weightsVersion); // [4, 16] 0
 * await actor;
 * await collector.shutdown();
 */
export class DistributedCollector<O extends DistributedCollectorOptions = DistributedCollectorOptions>
  implements Collector<CollectorOutput<O>>
{
  readonly framesPerBatch: number;
  readonly totalFrames: number;
  readonly run: string;
  readonly keys: RunKeys;
  private readonly redis: Redis;
  private readonly reader: ExperienceReader;
  private readonly config: RunConfig;
  private readonly o: DistributedCollectorOptions;
  private readonly started: ActorProcess[] = [];
  private readonly unacked: string[] = [];
  /** Ids a loaded state holds: acknowledged before the first read. */
  private readonly restoredUnacked: string[] = [];
  private startPromise: Promise<void> | null = null;
  private version = 0;
  private iterations = 0;
  private closed = false;
  private lagSum = 0;
  private lastMeta: BatchMeta | null = null;
  private readonly counters: DistributedStats;

  constructor(env: EnvModuleRef, policy: PolicyModuleRef, options: O) {
    const what = "DistributedCollector";
    if (typeof options !== "object" || options === null)
      throw new Error(`${what}: options must be an object with redis and framesPerBatch`);
    const o: DistributedCollectorOptions = options;
    const fpb = o.framesPerBatch;
    if (!(Number.isSafeInteger(fpb) && fpb >= 1))
      throw new Error(`${what}: framesPerBatch must be a positive integer, got ${String(fpb)}`);
    const totalFrames = o.totalFrames ?? -1;
    if (!(totalFrames === -1 || (Number.isSafeInteger(totalFrames) && totalFrames >= 1)))
      throw new Error(`${what}: totalFrames must be -1 (no end) or a positive integer, got ${String(totalFrames)}`);
    const int = (name: keyof DistributedCollectorOptions, fallback: number, min: number) => {
      const v = (o[name] as number | undefined) ?? fallback;
      if (!(Number.isSafeInteger(v) && v >= min))
        throw new Error(`${what}: ${name} must be an integer >= ${min}, got ${String(v)}`);
      return v;
    };
    const maxStreamLength = int("maxStreamLength", 1000, 1);
    const maxMessageBytes = int("maxMessageBytes", 32 * 1024 * 1024, 1024);
    const readCount = int("readCount", 16, 1);
    const blockMs = int("blockMs", 1000, 1);
    const seed = int("seed", 0, 0);
    const initRandomFrames = int("initRandomFrames", 0, 0);
    const maxFramesPerTraj = o.maxFramesPerTraj ?? -1;
    if (o.ack !== undefined && o.ack !== "extend" && o.ack !== "manual")
      throw new Error(`${what}: ack must be "extend" or "manual", got ${JSON.stringify(o.ack)}`);
    if (o.replayBuffer !== undefined && typeof (o.replayBuffer as { extend?: unknown }).extend !== "function")
      throw new Error(`${what}: replayBuffer must have an extend() method`);
    if (o.policyWeights !== undefined && typeof o.policyWeights?.parameters !== "function")
      throw new Error(`${what}: policyWeights must have a parameters() method`);
    this.run = o.run ?? "tdrl";
    this.keys = runKeys(this.run);
    this.framesPerBatch = fpb;
    this.totalFrames = totalFrames;
    this.o = o;
    this.config = {
      run: this.run,
      env: storedRef(env, `${what} (env)`),
      policy: storedRef(policy, `${what} (policy)`),
      priority: o.priority === undefined ? null : storedRef(o.priority, `${what} (priority)`),
      framesPerBatch: fpb,
      seed,
      explorationType: (o.explorationType ?? "random") as ExplorationType,
      maxFramesPerTraj,
      initRandomFrames,
      maxStreamLength,
      maxMessageBytes,
      group: o.group ?? "learner",
      maxUnread: o.maxUnread === undefined || o.maxUnread === null ? null : int("maxUnread", 0, 1),
    };
    this.counters = {
      batches: 0,
      frames: 0,
      bytes: 0,
      recovered: 0,
      rejected: { version: 0, foreign: 0, schema: 0, truncated: 0, size: 0, malformed: 0, trimmed: 0 },
      weightsVersion: 0,
      lastPolicyLag: 0,
      meanPolicyLag: 0,
      framesByActor: {},
    };
    const onEvent =
      o.onEvent ??
      ((e: DistributedEvent) =>
        e.kind === "rejected" &&
        console.warn(`${what}: refused stream entry ${e.entry.id} (${e.entry.reason}): ${e.entry.message}`));
    this.redis = connectRedis(o.redis, `tdrl-learner:${this.run}`);
    this.redis.on("error", () => undefined);
    this.reader = new ExperienceReader(this.redis, {
      stream: this.keys.experience,
      rejectedStream: this.keys.rejected,
      run: this.run,
      group: o.group ?? "learner",
      consumer: o.consumer ?? "learner-0",
      maxMessageBytes,
      schema: o.schema ?? null,
      count: readCount,
      blockMs,
      onReject: (entry) => {
        this.counters.rejected[entry.reason]++;
        onEvent({ kind: "rejected", entry });
      },
    });
    this.onEvent = onEvent;
  }

  private readonly onEvent: (event: DistributedEvent) => void;

  /** Writes the run config for actors and creates the consumer group (idempotent; iteration and `startActors` call it). */
  start(): Promise<void> {
    this.startPromise ??= (async () => {
      await writeRunConfig(this.redis, this.keys, this.config);
      await this.reader.init();
      // Versions must keep growing across learner restarts: actors only ever take a newer one.
      const stored = Number((await this.redis.hget(this.keys.weights, "version")) ?? 0);
      if (stored > this.version) this.version = this.counters.weightsVersion = stored;
    })();
    return this.startPromise;
  }

  /**
   * Starts `n` actor processes on this machine (each runs `runActor`; they stop when the collector shuts
   * down). `redis` overrides the connection they use (default: the collector's, which must then be a URL
   * or plain options).
   */
  async startActors(
    n: number,
    options: { redis?: RedisConnection; stdio?: "inherit" | "ignore" | "pipe"; env?: Record<string, string> } = {},
  ): Promise<ActorProcess[]> {
    if (!(Number.isSafeInteger(n) && n >= 1))
      throw new Error(`DistributedCollector.startActors: n must be a positive integer, got ${String(n)}`);
    if (this.closed) throw new Error("DistributedCollector.startActors: the collector was shut down");
    await this.start();
    const out = Array.from({ length: n }, () =>
      spawnActorProcess({
        redis: options.redis ?? this.o.redis,
        run: this.run,
        stdio: options.stdio ?? "inherit",
        ...(options.env === undefined ? {} : { env: options.env }),
      }),
    );
    this.started.push(...out);
    return out;
  }

  /** The actor processes this collector started (including exited ones). */
  get actors(): readonly ActorProcess[] {
    return this.started;
  }

  get framesCollected(): number {
    return this.counters.frames;
  }

  /** The latest published weights version (0 before the first). */
  get weightsVersion(): number {
    return this.version;
  }

  /** The schema the batches are checked against (null before the first batch, unless given). */
  get schema(): string | null {
    return this.reader.schema;
  }

  /** What the actor said about the batch last yielded (or stored): its actor, sequence number, weights version. */
  get lastBatchMeta(): BatchMeta | null {
    return this.lastMeta;
  }

  /** A copy of the counters. */
  get stats(): DistributedStats {
    return structuredClone(this.counters);
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<CollectorOutput<O>, void, undefined> {
    await this.start();
    await this.reader.ack(this.restoredUnacked.splice(0));
    while (!this.closed && (this.totalFrames === -1 || this.counters.frames < this.totalFrames)) {
      const recovering = this.reader.recovering;
      const entries = await this.reader.read();
      for (const entry of entries) {
        if (recovering) this.counters.recovered++;
        const out = this.ingest(entry);
        // Manual: the id is held from now on, so a checkpoint taken while the batch is in hand lists it.
        const manual = this.o.ack === "manual";
        if (manual) this.unacked.push(entry.id);
        if (this.o.replayBuffer !== undefined) {
          if (!manual) await this.reader.ack([entry.id]);
          yield this.counters.frames as CollectorOutput<O>;
        } else {
          yield out as CollectorOutput<O>;
          // The consumer came back for more: the batch is used.
          if (!manual) await this.reader.ack([entry.id]);
        }
        if (this.closed || (this.totalFrames !== -1 && this.counters.frames >= this.totalFrames)) return;
      }
    }
  }

  /**
   * Acknowledges every entry ingested so far (with `ack: "manual"`): call it right after saving a
   * checkpoint that holds them. With `ack: "extend"` there is never anything left to acknowledge.
   */
  async acknowledge(): Promise<number> {
    const ids = this.unacked.splice(0);
    await this.reader.ack(ids);
    return ids.length;
  }

  /** Entries ingested and not yet acknowledged (`ack: "manual"`). */
  get unacknowledged(): number {
    return this.unacked.length;
  }

  /**
   * Publishes the weights (default: the `policyWeights` option's parameters) as safetensors bytes under the
   * next version (or `version`, which must grow: e.g. the learner's update count, so lags read in updates).
   */
  async updatePolicyWeights(weights?: PolicyWeights, version?: number): Promise<void> {
    const what = "DistributedCollector.updatePolicyWeights()";
    const source = weights ?? this.o.policyWeights;
    if (source === undefined)
      throw new Error(`${what}: no weights given and no policyWeights option to take them from`);
    if (source instanceof Map)
      throw new Error(`${what}: give a module (HasParameters); a name -> values map is not supported across processes`);
    const next = version ?? this.version + 1;
    if (!(Number.isSafeInteger(next) && next > this.version))
      throw new Error(
        `${what}: version must be an integer above the last published ${this.version}, got ${String(next)}`,
      );
    const bytes = saveWeights(source as HasParameters, { metadata: { version: String(next), run: this.run } });
    await this.start();
    await publishWeights(this.redis, this.keys, next, bytes);
    this.version = next;
    this.counters.weightsVersion = next;
    this.onEvent({ kind: "weights", version: next, bytes: bytes.length });
  }

  /** Counters, weights version and schema (actors own their trajectory ids, so `trajectoryIds` is empty). */
  state(): DistributedCollectorState {
    return {
      framesCollected: this.counters.frames,
      iterations: this.iterations,
      trajectoryIds: [],
      distributed: {
        weightsVersion: this.version,
        schema: this.reader.schema,
        stats: this.stats,
        unacknowledged: [...this.unacked],
      },
    };
  }

  /**
   * Restores `state()`. The stream position needs no restoring: it lives in Redis (the group's pending
   * entries and last-delivered id), and a restarted learner with the same `consumer` re-reads its pending
   * entries first.
   */
  loadState(state: CollectorState): void {
    const what = "DistributedCollector.loadState()";
    if (typeof state !== "object" || state === null)
      throw new Error(`${what}: expected a state object, got ${String(state)}`);
    for (const key of ["framesCollected", "iterations"] as const) {
      if (!(Number.isSafeInteger(state[key]) && state[key] >= 0))
        throw new Error(`${what}: "${key}" must be a non-negative integer, got ${String(state[key])}`);
    }
    const d = (state as Partial<DistributedCollectorState>).distributed;
    if (d !== undefined) {
      if (!(Number.isSafeInteger(d.weightsVersion) && d.weightsVersion >= 0))
        throw new Error(
          `${what}: "distributed.weightsVersion" must be a non-negative integer, got ${String(d.weightsVersion)}`,
        );
      this.version = d.weightsVersion;
      Object.assign(this.counters, structuredClone(d.stats));
      if (
        !Array.isArray(d.unacknowledged) ||
        !d.unacknowledged.every((id) => typeof id === "string" && /^\d+-\d+$/.test(id))
      ) {
        throw new Error(
          `${what}: "distributed.unacknowledged" must list stream ids, got ${JSON.stringify(d.unacknowledged)}`,
        );
      }
      this.restoredUnacked.splice(0, this.restoredUnacked.length, ...d.unacknowledged);
      if (d.schema !== null) this.reader.adoptSchema(d.schema);
    }
    this.counters.frames = state.framesCollected;
    this.iterations = state.iterations;
  }

  /** Announces the end of the run (actors stop after their current batch), waits for the actors it started, closes Redis. */
  async shutdown(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.redis
        .multi()
        .set(this.keys.stopped, "1")
        .publish(this.keys.events, JSON.stringify({ kind: "stop" }))
        .exec();
    } catch {
      // Redis is gone: the actors are killed below.
    }
    await Promise.all(
      this.started.map(async (a) => {
        const timer = setTimeout(() => a.kill("SIGKILL"), 10_000);
        a.kill("SIGTERM");
        await a.exited;
        clearTimeout(timer);
      }),
    );
    this.redis.disconnect();
  }

  /** Where Redis is, for messages. */
  toString(): string {
    return `DistributedCollector(${this.run} on ${describeRedis(this.o.redis)})`;
  }

  private ingest(entry: StreamEntry): TensorDict {
    const { meta } = entry;
    this.lastMeta = meta;
    // Each frame records the weights version that chose its action (the learner's lag measure, kept in the buffer).
    let batch = this.globalIds(entry.batch, meta.actor).set(
      [...WEIGHTS_VERSION_KEY],
      HostArray.full("int32", entry.batch.batchSize, meta.weightsVersion),
    );
    const lag = Math.max(0, this.version - meta.weightsVersion);
    this.counters.batches++;
    this.counters.frames += meta.frames;
    this.counters.bytes += entry.bytes;
    this.counters.framesByActor[meta.actor] = (this.counters.framesByActor[meta.actor] ?? 0) + meta.frames;
    this.counters.lastPolicyLag = lag;
    this.lagSum += lag;
    this.counters.meanPolicyLag = this.lagSum / this.counters.batches;
    this.iterations++;
    if (this.o.splitTrajs) batch = splitTrajectories(batch);
    if (this.o.postproc !== undefined) batch = this.o.postproc(batch);
    const rb = this.o.replayBuffer;
    if (rb !== undefined) {
      const index = rb.extend(batch);
      if (meta.priorities !== null && rb.sampler.updatePriority !== undefined) {
        if (index.length !== meta.priorities.length)
          throw new Error(
            `DistributedCollector: ${meta.priorities.length} actor priorities for ${index.length} stored rows; priorities need the batch stored frame by frame (no splitTrajs, a postproc that keeps rows)`,
          );
        rb.updatePriority(index, meta.priorities);
      }
    }
    return batch;
  }

  /** Actor `a`'s local trajectory id `k` becomes `k * ACTOR_ID_STRIDE + a`. */
  private globalIds(batch: TensorDict, actor: number): TensorDict {
    if (!batch.has([...TRAJ_IDS_KEY])) return batch;
    const ids = batch.getHost([...TRAJ_IDS_KEY]);
    const out = new Int32Array(ids.data.length);
    for (let i = 0; i < out.length; i++) out[i] = ids.data[i]! * ACTOR_ID_STRIDE + (actor % ACTOR_ID_STRIDE);
    return batch.set([...TRAJ_IDS_KEY], new HostArray("int32", ids.shape, out));
  }
}
