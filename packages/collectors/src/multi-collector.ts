import type * as tf from "@tensorflow/tfjs-core";
import {
  HostArray,
  formatShape,
  isHostArray,
  sizeOf,
  type TensorDict,
  checkOptions,
  type OptionKeys,
} from "@tdrl/tensordict";
import type { EnvModuleRef } from "@tdrl/envs/node";
import type { Collector, CollectorState } from "./collector";
import type { BatchSink, HasParameters, PolicyWeights } from "./collector-policy";
import type { PolicyModuleRef, WeightEntry, WorkerReady } from "./collector-worker-protocol";
import { checkCollectorOptions } from "./collector-options";
import { CollectorWorkers } from "./collector-workers";
import { splitTrajectories } from "./split-trajectories";
import {
  SYNC_DATA_COLLECTOR_OPTION_KEYS,
  TRAJ_IDS_KEY,
  type CollectorOutput,
  type SyncDataCollectorOptions,
} from "./sync-data-collector";

const MULTI_COLLECTOR_OPTION_KEYS = {
  numWorkers: true,
  policyWeights: true,
  startTimeoutMs: true,
  timeoutMs: true,
  ...SYNC_DATA_COLLECTOR_OPTION_KEYS,
} satisfies OptionKeys<MultiCollectorOptions>;

/** Options of the worker-based collectors: `SyncDataCollector`'s, plus the workers'. */
export interface MultiCollectorOptions extends SyncDataCollectorOptions {
  /** Worker threads, each with its own env and policy (at least 1). */
  numWorkers: number;
  /** Default 0. Worker `i` seeds its env with `seed + i` and gets that seed in its `PolicyFactory`. */
  seed?: number;
  /** Where `updatePolicyWeights()` without arguments takes the weights from: the policy being trained. */
  policyWeights?: HasParameters;
  /** How long the workers may take to start (load modules, init tfjs, build env and policy). Default 120 000 ms. */
  startTimeoutMs?: number;
  /** How long one batch may take to arrive. Default 600 000 ms. */
  timeoutMs?: number;
}

/**
 * What `MultiSyncDataCollector` and `MultiAsyncDataCollector` share: the workers (each runs a
 * `SyncDataCollector` over its own env and policy, built from module references), the policy-weights
 * broadcast, trajectory ids made unique over the workers, and the main-thread steps of a batch
 * (`splitTrajs`, `postproc`, `replayBuffer`, which do not cross threads).
 *
 * @example
 * // Code that takes either kind of worker collector.
 * async function countFrames(collector: MultiCollector<MultiCollectorOptions>): Promise<number> {
 *   for await (const _batch of collector);
 *   await collector.shutdown();
 *   return collector.framesCollected;
 * }
 * const refs = [{ module: "@tdrl/envs", exportName: "CountingEnv" }, { module: "@tdrl/collectors", exportName: "randomPolicy" }] as const;
 * console.log(await countFrames(new MultiAsyncDataCollector(refs[0], refs[1], { numWorkers: 2, framesPerBatch: 10, totalFrames: 30 }))); // 30
 */
export abstract class MultiCollector<O extends MultiCollectorOptions> implements Collector<CollectorOutput<O>> {
  readonly numWorkers: number;
  readonly framesPerBatch: number;
  readonly totalFrames: number;
  protected readonly what: string;
  protected readonly workers: CollectorWorkers;
  protected frames = 0;
  protected iterations = 0;
  protected closed = false;
  private readonly splitTrajs: boolean;
  private readonly postproc: ((batch: TensorDict) => TensorDict) | undefined;
  private readonly replayBuffer: BatchSink | undefined;
  private readonly policyWeights: HasParameters | undefined;

  /** `workerFrames`: the frames of one worker batch. */
  protected constructor(
    what: string,
    env: EnvModuleRef,
    policy: PolicyModuleRef,
    options: O,
    workerFrames: (framesPerBatch: number, numWorkers: number) => number,
  ) {
    checkOptions(what, options, MULTI_COLLECTOR_OPTION_KEYS);
    if (typeof options !== "object" || options === null)
      throw new Error(`${what}: options must be an object with numWorkers and framesPerBatch`);
    const numWorkers = options.numWorkers;
    if (!(Number.isSafeInteger(numWorkers) && numWorkers >= 1))
      throw new Error(`${what}: numWorkers must be a positive integer, got ${String(numWorkers)}`);
    // Every worker's SyncDataCollector option is checked here, before a worker starts.
    const { framesPerBatch, totalFrames, initRandomFrames } = checkCollectorOptions(options, what);
    const seed = options.seed ?? 0;
    if (options.policyWeights !== undefined && typeof options.policyWeights?.parameters !== "function")
      throw new Error(`${what}: policyWeights must have a parameters() method`);
    const startTimeoutMs = positiveMs(options.startTimeoutMs ?? 120_000, "startTimeoutMs", what);
    const timeoutMs = positiveMs(options.timeoutMs ?? 600_000, "timeoutMs", what);
    const perWorker = workerFrames(framesPerBatch, numWorkers);
    this.what = what;
    this.numWorkers = numWorkers;
    this.framesPerBatch = framesPerBatch;
    this.totalFrames = totalFrames;
    this.splitTrajs = options.splitTrajs ?? false;
    this.postproc = options.postproc;
    this.replayBuffer = options.replayBuffer;
    this.policyWeights = options.policyWeights;
    // Plain data only: functions and buffers stay in this thread. Random frames are shared out over the workers.
    const plain = {
      maxFramesPerTraj: options.maxFramesPerTraj,
      resetAtEachIter: options.resetAtEachIter,
      explorationType: options.explorationType,
    };
    const defined = Object.fromEntries(Object.entries(plain).filter(([, v]) => v !== undefined));
    this.workers = new CollectorWorkers({
      what,
      numWorkers,
      env,
      policy,
      collector: (i) => ({
        ...defined,
        framesPerBatch: perWorker,
        seed: seed + i,
        initRandomFrames: Math.ceil(initRandomFrames / numWorkers),
      }),
      startTimeoutMs,
      timeoutMs,
    });
  }

  abstract [Symbol.asyncIterator](): AsyncGenerator<CollectorOutput<O>, void, undefined>;

  /** Frames yielded so far (whole batches). */
  get framesCollected(): number {
    return this.frames;
  }

  /** The worker threads' ids. */
  get threadIds(): readonly number[] {
    return this.workers.threadIds;
  }

  /** `tf.memory().numTensors` in each worker after its last batch (null before its first): for leak checks. */
  get workerTensorCounts(): readonly (number | null)[] {
    return this.workers.numTensors;
  }

  /** Worker threads that have not exited yet. */
  get liveWorkers(): number {
    return this.workers.liveWorkers;
  }

  /**
   * Resolves once every worker has built its env, policy and collector (iteration waits for this too);
   * rejects with the first worker's error. Reports each worker's tfjs backend and `initBackend()` time.
   */
  async ready(): Promise<{ backend: string; initBackendMs: number }[]> {
    const ready = await this.workers.ready();
    return ready.map((r) => ({ backend: r.backend, initBackendMs: r.initBackendMs }));
  }

  /**
   * Sends `weights` (or, without an argument, the `policyWeights` option's current parameters) to every
   * worker, which loads them before its next batch. Names and shapes are checked against the workers'
   * policy here first: a rejected update throws and changes nothing. The values are copied once into one
   * SharedArrayBuffer that all workers read.
   */
  async updatePolicyWeights(weights?: PolicyWeights): Promise<void> {
    const what = `${this.what}.updatePolicyWeights()`;
    const source = weights ?? this.policyWeights;
    if (source === undefined)
      throw new Error(`${what}: no weights given and no policyWeights option to take them from`);
    const values: ReadonlyMap<string, HostArray | tf.Tensor> =
      source instanceof Map ? source : (source as HasParameters).parameters();
    const ready = await this.startedOrClosed(what);
    const { entries, buffer } = packWeights(values, ready[0]!.parameters, what);
    this.workers.broadcast(entries, buffer);
  }

  /** Counters and each worker's trajectory-id counters (after its last batch). */
  state(): CollectorState {
    const trajectoryIds = Array.from({ length: this.numWorkers }, (_, i) => this.workers.trajectoryIds(i));
    if (trajectoryIds.some((t) => t === null))
      throw new Error(`${this.what}.state(): the workers have not started yet; await ready() first`);
    return {
      framesCollected: this.frames,
      iterations: this.iterations,
      trajectoryIds: trajectoryIds.map((t) => structuredClone(t!)),
    };
  }

  /**
   * Restores `state()`'s counters; every worker restarts with a full reset and new trajectory ids at its
   * next batch. Refused while batches are on the way (between iterations of a `MultiAsyncDataCollector`).
   */
  async loadState(state: CollectorState): Promise<void> {
    const what = `${this.what}.loadState()`;
    if (typeof state !== "object" || state === null)
      throw new Error(`${what}: expected a state object, got ${String(state)}`);
    for (const key of ["framesCollected", "iterations"] as const) {
      const v = state[key];
      if (!(Number.isSafeInteger(v) && v >= 0))
        throw new Error(`${what}: "${key}" must be a non-negative integer, got ${String(v)}`);
    }
    if (!Array.isArray(state.trajectoryIds) || state.trajectoryIds.length !== this.numWorkers) {
      throw new Error(
        `${what}: "trajectoryIds" must hold one entry per worker (${this.numWorkers}), got ${JSON.stringify(state.trajectoryIds)}`,
      );
    }
    await this.startedOrClosed(what);
    if (this.workers.inFlight > 0)
      throw new Error(
        `${what}: ${this.workers.inFlight} batches are still on the way; load a state before iterating or after the iteration ends`,
      );
    state.trajectoryIds.forEach((ids, i) => {
      const now = this.workers.trajectoryIds(i)!;
      if (!Array.isArray(ids?.current) || ids.current.length !== now.current.length) {
        throw new Error(
          `${what}: trajectoryIds[${i}].current must list ${now.current.length} ids (worker ${i}'s env batch), got ${JSON.stringify(ids?.current)}`,
        );
      }
    });
    const perWorker = Math.floor(state.framesCollected / this.numWorkers);
    this.workers.loadState((i) => ({
      framesCollected: perWorker,
      iterations: state.iterations,
      trajectoryIds: [state.trajectoryIds[i]!],
    }));
    this.frames = state.framesCollected;
    this.iterations = state.iterations;
    this.afterLoadState();
  }

  /** Ends every worker (each closes its env); the iterator ends. Resolves once every thread has exited. */
  async shutdown(): Promise<void> {
    this.closed = true;
    await this.workers.shutdown();
  }

  /** Called after `loadState` has set the counters. */
  protected afterLoadState(): void {}

  /** Waits for the workers; ends with `null` if the collector is shut down meanwhile (the iterator then returns). */
  protected async started(): Promise<WorkerReady[] | null> {
    try {
      return await this.workers.ready();
    } catch (error) {
      if (this.closed) return null;
      throw error;
    }
  }

  private async startedOrClosed(what: string): Promise<WorkerReady[]> {
    if (this.closed) throw new Error(`${what}: the collector was shut down`);
    return this.workers.ready();
  }

  /**
   * Worker `w`'s batch with its trajectory ids made unique over the workers: local id `k` becomes
   * `k * numWorkers + w`, so ids never collide and a trajectory keeps its id across batches.
   */
  protected globalIds(batch: TensorDict, worker: number): TensorDict {
    if (this.numWorkers === 1 || !batch.has([...TRAJ_IDS_KEY])) return batch;
    const ids = batch.getHost([...TRAJ_IDS_KEY]);
    const out = new Int32Array(ids.data.length);
    for (let i = 0; i < out.length; i++) out[i] = ids.data[i]! * this.numWorkers + worker;
    return batch.set([...TRAJ_IDS_KEY], new HostArray("int32", ids.shape, out));
  }

  /** The main-thread steps of a batch: `splitTrajs`, `postproc`, then the replay buffer (yielding the frame count) or the batch. */
  protected output(batch: TensorDict): CollectorOutput<O> {
    let out = batch;
    if (this.splitTrajs) out = splitTrajectories(out);
    if (this.postproc !== undefined) out = this.postproc(out);
    if (this.replayBuffer !== undefined) {
      this.replayBuffer.extend(out);
      return this.frames as CollectorOutput<O>;
    }
    return out as CollectorOutput<O>;
  }
}

/** The weights as one float32 SharedArrayBuffer with an index; names and shapes checked against the workers' parameters. */
function packWeights(
  values: ReadonlyMap<string, HostArray | tf.Tensor>,
  parameters: [string, number[]][] | null,
  what: string,
): { entries: WeightEntry[]; buffer: SharedArrayBuffer } {
  if (parameters === null) throw new Error(`${what}: the workers' policy has no parameters() to load weights into`);
  const expected = new Map(parameters);
  const entries: WeightEntry[] = [];
  let offset = 0;
  for (const [name, value] of values) {
    const shape = expected.get(name);
    if (shape === undefined)
      throw new Error(
        `${what}: weight "${name}" is not a parameter of the workers' policy (it has ${[...expected.keys()].join(", ") || "none"})`,
      );
    if (formatShape(value.shape) !== formatShape(shape))
      throw new Error(
        `${what}: weight "${name}" has shape ${formatShape(value.shape)}, the workers' parameter has ${formatShape(shape)}`,
      );
    entries.push({ name, shape, offset });
    offset += sizeOf(shape);
  }
  for (const name of expected.keys())
    if (!values.has(name)) throw new Error(`${what}: the weights lack parameter "${name}" of the workers' policy`);
  const all = new Float32Array(new SharedArrayBuffer(offset * 4));
  for (const entry of entries) {
    const value = values.get(entry.name)!;
    all.set(isHostArray(value) ? value.data : (value as tf.Tensor).dataSync(), entry.offset);
  }
  return { entries, buffer: all.buffer as SharedArrayBuffer };
}

function positiveMs(value: number, name: string, what: string): number {
  if (!(typeof value === "number" && value > 0))
    throw new Error(`${what}: ${name} must be a positive number of milliseconds, got ${String(value)}`);
  return value;
}
