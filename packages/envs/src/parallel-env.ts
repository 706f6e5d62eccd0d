import {
  checkOptions,
  type OptionKeys,
  HostArray,
  TensorDict,
  sizeOf,
  type Composite,
  type DType,
  type TypedArrayOf,
} from "@tdrl/tensordict";
import { EnvBase } from "./env-base";
import { resolveEnvModule, type EnvModuleRef } from "./env-module-ref";
import { Command, type SharedLeaf, type WorkerLayout } from "./parallel-env-protocol";
import { compositeFromDescription } from "./parallel-env-specs";
import { WorkerGroup } from "./parallel-env-workers";
import { expandSpecs, subEnvMismatch, subEnvSeed, type SubEnvSpecs } from "./serial-env";

const PARALLEL_ENV_OPTION_KEYS = {
  seed: true,
  timeoutMs: true,
  startTimeoutMs: true,
} satisfies OptionKeys<ParallelEnvOptions>;

export interface ParallelEnvOptions {
  /** Default 0. Sub-env `i` is seeded with `seed + i`, as in `SerialEnv`. */
  seed?: number;
  /** How long to wait for a worker to answer one command (default 60 000 ms). */
  timeoutMs?: number;
  /** How long to wait for a worker to start and build its env (default 60 000 ms; loading TypeScript with tsx takes seconds). */
  startTimeoutMs?: number;
}

/** A leaf's shared buffer with a typed view over it. */
interface LeafBuffer {
  path: string;
  dtype: DType;
  /** Elements per sub-env. */
  size: number;
  /** The leaf's full shape, `[n, ...sub-env shape]`. */
  shape: readonly number[];
  view: TypedArrayOf<DType>;
}

/**
 * N sub-envs, each in its own `worker_thread` (TorchRL's `ParallelEnv`), stepped in lockstep through
 * shared memory: batch size `[n, ...sub.batchSize]`, specs expanded from sub-env 0's, partial resets
 * through `"_reset"`, sub-env `i` seeded with `seed + i`. Same seed, same transitions as `SerialEnv`.
 *
 * A closure cannot cross into a worker, so each worker imports the env from a module: `env.module` is a
 * `file:` URL, an absolute path or a package name, and `env.exportName` names a factory
 * `(index, args) => EnvBase` (see `EnvFactory`; may be async) or an `EnvBase` subclass (`new Env(args)`).
 * TypeScript modules are loaded with tsx, so this also works under vitest.
 *
 * The API stays synchronous: actions, observations, rewards and done flags live in SharedArrayBuffers laid
 * out from the specs, and `step` / `reset` block in `Atomics.wait` until every worker has answered. An error
 * in a worker (in the factory, `reset` or `step`) is rethrown here with the worker's stack in the message
 * and as `cause`; the other sub-envs have already stepped, so reset before going on. `close()` ends every
 * worker; workers do not keep the process alive (`unref`), like daemon processes.
 *
 * Parallelism pays when a worker's step costs much more than the round trip to it (tens of microseconds
 * on an idle machine) and the copies out of shared memory: give each worker a batched env (32 pixel carts
 * per worker ran 1.1-1.8x SerialEnv's speed on 2 busy cores) or heavy physics. One CartPole, even with a full
 * 400x600 frame, is cheaper than that; batch it with `CartPoleEnv({ batchSize })` or `SerialEnv` instead.
 *
 * @example
 * const env = new ParallelEnv(2, { module: "@tdrl/envs", exportName: "CartPoleEnv", args: { fromPixels: true, renderSize: [84, 84] } }, { seed: 1 });
 * try {
 *   const rollout = env.rollout(100); // batch size [2, T]
 *   console.log(rollout.getHost("next.pixels").shape);
 * } finally {
 *   env.close();
 * }
 */
export class ParallelEnv extends EnvBase {
  /** The number of workers, one sub-env each. */
  readonly numWorkers: number;
  /** The batch size of each worker's env (`[]` for unbatched ones). */
  readonly subBatchSize: readonly number[];
  /** The name the workers' envs report, e.g. `"CartPoleEnv"`. */
  readonly subEnvName: string;
  private readonly group: WorkerGroup;
  private readonly actions: readonly LeafBuffer[];
  private readonly rootLeaves: readonly LeafBuffer[];
  private readonly nextLeaves: readonly LeafBuffer[];
  private readonly resetMask: Uint8Array;

  constructor(n: number, env: EnvModuleRef, options: ParallelEnvOptions = {}) {
    checkOptions("ParallelEnv", options, PARALLEL_ENV_OPTION_KEYS);
    const what = "ParallelEnv";
    if (!(Number.isSafeInteger(n) && n >= 1))
      throw new Error(`${what}: the number of workers must be a positive integer, got ${String(n)}`);
    const seed = options.seed ?? 0;
    if (!Number.isSafeInteger(seed)) throw new Error(`${what}: the seed must be a safe integer, got ${String(seed)}`);
    const timeoutMs = positive(options.timeoutMs ?? 60_000, "timeoutMs", what);
    const startTimeoutMs = positive(options.startTimeoutMs ?? 60_000, "startTimeoutMs", what);
    const load = resolveEnvModule(env, what);
    const seeds = Array.from({ length: n }, (_, i) => subEnvSeed(seed, i));
    const { group, ready } = WorkerGroup.start(what, n, load, seeds, startTimeoutMs, timeoutMs);
    let subs: SubEnvSpecs[];
    try {
      subs = ready.map((r) => ({
        batchSize: r.batchSize,
        observationSpec: compositeFromDescription(r.specs.observation, what),
        actionSpec: compositeFromDescription(r.specs.action, what),
        rewardSpec: compositeFromDescription(r.specs.reward, what),
        doneSpec: compositeFromDescription(r.specs.done, what),
      }));
      for (let i = 1; i < n; i++) {
        const problem = subEnvMismatch(subs[0]!, subs[i]!);
        if (problem !== null)
          throw new Error(
            `${what}: the env of worker ${i} (${ready[i]!.name}) differs from worker 0's (${ready[0]!.name}): ${problem}`,
          );
      }
    } catch (error) {
      group.close();
      throw error;
    }
    const first = subs[0]!;
    super({ name: what, batchSize: [n, ...first.batchSize], seed });
    this.numWorkers = n;
    this.subBatchSize = Object.freeze([...first.batchSize]);
    this.subEnvName = ready[0]!.name;
    this.group = group;
    this.setSpecs(expandSpecs(first, n));
    this.actions = leafBuffers(this.actionSpec, n);
    this.rootLeaves = leafBuffers([this.observationSpec, this.doneSpec], n);
    // The step record shares the observation and done buffers with the root record: after a step they
    // hold each sub-env's current observation, which is what a partial reset returns for the others.
    const byPath = new Map(this.rootLeaves.map((leaf) => [leaf.path, leaf]));
    this.nextLeaves = leafBuffers([this.observationSpec, this.rewardSpec, this.doneSpec], n, byPath);
    this.resetMask = new Uint8Array(new SharedArrayBuffer(sizeOf(this.batchSize)));
    const layout: WorkerLayout = {
      actions: this.actions.map(shared),
      root: this.rootLeaves.map(shared),
      next: this.nextLeaves.map(shared),
      resetMask: this.resetMask.buffer as SharedArrayBuffer,
      subEnvs: sizeOf(this.subBatchSize),
    };
    try {
      group.run(Command.CONFIGURE, null, () => layout);
    } catch (error) {
      group.close();
      throw error;
    }
  }

  /** The workers' thread ids, in sub-env order. */
  get threadIds(): readonly number[] {
    return this.group.threadIds;
  }

  /** The number of worker threads that have not exited yet (exits are seen on the event loop). */
  get liveWorkers(): number {
    return this.group.liveWorkers;
  }

  /** Closes every worker's env and terminates the threads; later calls throw. Idempotent. */
  override close(): void {
    this.group.close();
  }

  /** `close()`, then resolves once every worker thread has exited. */
  async closeAsync(): Promise<void> {
    this.close();
    await this.group.exited();
  }

  protected override _reset(mask: Uint8Array | null): TensorDict {
    if (mask === null) {
      this.group.run(Command.RESET_ALL);
    } else {
      const per = sizeOf(this.subBatchSize);
      const all: number[] = [];
      const some: number[] = [];
      for (let i = 0; i < this.numWorkers; i++) {
        const part = mask.subarray(i * per, (i + 1) * per);
        if (!part.includes(0)) all.push(i);
        else if (part.includes(1)) some.push(i);
      }
      this.resetMask.set(mask);
      // Two rounds at most; a worker not in either keeps its state, and its buffers its last observation.
      if (all.length > 0) this.group.run(Command.RESET_ALL, all);
      if (some.length > 0) this.group.run(Command.RESET_SOME, some);
    }
    return this.record(this.rootLeaves);
  }

  protected override _step(td: TensorDict): TensorDict {
    for (const leaf of this.actions) leaf.view.set((td.get(leaf.path) as HostArray).data);
    this.group.run(Command.STEP);
    return this.record(this.nextLeaves);
  }

  protected override _setSeed(seed: number): void {
    this.group.run(Command.SEED, null, (i) => ({ seed: subEnvSeed(seed, i) }));
  }

  /** A new record with a copy of each shared buffer: records of past steps must keep their values. */
  private record(leaves: readonly LeafBuffer[]): TensorDict {
    const out = new TensorDict({}, this.batchSize);
    for (const leaf of leaves) out.set(leaf.path, new HostArray(leaf.dtype, leaf.shape, leaf.view.slice()));
    return out;
  }
}

/** One shared buffer per leaf of `specs` (reusing `existing` ones by path), sized for `n` sub-envs. */
function leafBuffers(
  specs: Composite | readonly Composite[],
  n: number,
  existing?: ReadonlyMap<string, LeafBuffer>,
): LeafBuffer[] {
  const out: LeafBuffer[] = [];
  for (const composite of Array.isArray(specs) ? specs : [specs as Composite]) {
    for (const [path, spec] of composite.leaves()) {
      const reused = existing?.get(path);
      if (reused !== undefined) {
        out.push(reused);
        continue;
      }
      const total = sizeOf(spec.shape);
      out.push({ path, dtype: spec.dtype, size: total / n, shape: spec.shape, view: sharedView(spec.dtype, total) });
    }
  }
  return out;
}

function positive(value: number, name: string, what: string): number {
  if (!(typeof value === "number" && value > 0))
    throw new Error(`${what}: ${name} must be a positive number of milliseconds, got ${String(value)}`);
  return value;
}

function sharedView(dtype: DType, length: number): TypedArrayOf<DType> {
  switch (dtype) {
    case "float32":
      return new Float32Array(new SharedArrayBuffer(length * 4));
    case "int32":
      return new Int32Array(new SharedArrayBuffer(length * 4));
    default:
      return new Uint8Array(new SharedArrayBuffer(length));
  }
}

function shared(leaf: LeafBuffer): SharedLeaf {
  return { path: leaf.path, dtype: leaf.dtype, size: leaf.size, buffer: leaf.view.buffer as SharedArrayBuffer };
}
