import {
  checkOptions,
  type OptionKeys,
  HostArray,
  type TensorDict,
  formatShape,
  sizeOf,
  type ExplorationType,
  type TensorSpec,
} from "@tdrl/tensordict";
import { encodeTensorDict, encodeTypedArray } from "@tdrl/tensordict";
import type { EnvBase, EnvState } from "@tdrl/envs";
import { decodeResume } from "./collector-resume";
import type { Collector, CollectorState } from "./collector";
import { checkCollectorOptions } from "./collector-options";
import {
  checkPolicy,
  checkPolicyAction,
  loadPolicyWeights,
  runPolicy,
  type BatchSink,
  type CollectorPolicy,
  type PolicyWeights,
} from "./collector-policy";
import { PolicyOutputs } from "./policy-outputs";
import { splitTrajectories } from "./split-trajectories";
import { stackSteps } from "./stack-steps";
import { TrajectoryIds } from "./trajectory-ids";

/** `SyncDataCollector`'s option keys; the worker collectors add theirs to these. */
export const SYNC_DATA_COLLECTOR_OPTION_KEYS = {
  framesPerBatch: true,
  totalFrames: true,
  initRandomFrames: true,
  maxFramesPerTraj: true,
  resetAtEachIter: true,
  splitTrajs: true,
  explorationType: true,
  postproc: true,
  replayBuffer: true,
  seed: true,
} satisfies OptionKeys<SyncDataCollectorOptions>;

/** Where each step's trajectory id goes (TorchRL's key). */
export const TRAJ_IDS_KEY = ["collector", "traj_ids"] as const;

export interface SyncDataCollectorOptions {
  /** Frames per batch, over all sub-envs: a multiple of the env's batch numel (a batch is `[...envBatch, framesPerBatch / numel]`). */
  framesPerBatch: number;
  /** Iteration ends once this many frames are collected (default -1: never). The last batch is whole, so up to `framesPerBatch - 1` frames more may come. */
  totalFrames?: number;
  /**
   * The first this-many frames take random actions from the action spec instead of the policy (default 0).
   * Their steps still carry every key the policy writes, as zeros: before the first random step the policy
   * runs once, with exploration `"deterministic"`, on a copy of the root to learn those keys (TorchRL fills
   * them from the policy's output spec), so random and policy batches share one layout (one replay buffer).
   */
  initRandomFrames?: number;
  /** Trajectories longer than this are truncated (`truncated` and `done` set) and their sub-env reset (default -1: no limit). */
  maxFramesPerTraj?: number;
  /** Reset every sub-env at the start of each batch (default false: trajectories span batches). */
  resetAtEachIter?: boolean;
  /** Yield `[numTrajs, maxLen]` batches padded with zeros, with a bool `["collector", "mask"]` (default false). */
  splitTrajs?: boolean;
  /** Passed to the policy on every call (default "random"). */
  explorationType?: ExplorationType;
  /** Runs on each batch before it is yielded or written to the replay buffer (after `splitTrajs`). */
  postproc?: (batch: TensorDict) => TensorDict;
  /** When given, each batch is written into it with `extend` and the iterator yields the frames collected so far. */
  replayBuffer?: BatchSink;
  /** Seeds the env (`env.setSeed`), so the same seed and policy give the same batches. */
  seed?: number;
}

/**
 * What the iterator yields: the frame count when a replay buffer takes the batches, else the batch. It is
 * read from the options' type, so give `replayBuffer` in the options literal (a variable typed only as
 * `SyncDataCollectorOptions` types the items as batches).
 */
export type CollectorOutput<O extends SyncDataCollectorOptions> = O extends { replayBuffer: BatchSink }
  ? number
  : TensorDict;

/** An env, or a function that makes one (the collector then owns it). */
export type EnvOrFactory = EnvBase | (() => EnvBase);

/**
 * Collects batches of transitions from one env (possibly batched) with a policy (TorchRL's
 * `SyncDataCollector`). Iterate it with `for await`: each batch has batch size `[...envBatch, T]`,
 * `T = framesPerBatch / envBatch numel`, with the root keys, `"next"`, everything the policy wrote (action
 * values, recurrent states, also those it wrote under `"next"`), and each step's trajectory id at
 * `["collector", "traj_ids"]`. Iteration stops once `totalFrames` frames are collected; the last batch is
 * never cut short, so the total is rounded up to whole batches.
 *
 * The env state and the policy's recurrent state carry over between batches: a trajectory spans batch
 * boundaries and keeps its id. Done sub-envs are reset in place (a `"_reset"` partial reset). If the env
 * was used by someone else between batches (an evaluation `env.rollout`, as TorchRL's tutorials do), the
 * carried state no longer matches it: the next batch starts with a full reset and new trajectories.
 * Everything the collector hands the env and yields is host arrays; tensors the policy writes are
 * downloaded and freed at each step.
 *
 * @example
 * import { CartPoleEnv } from "@tdrl/envs";
 * import { HostArray } from "@tdrl/tensordict";
 * const env = new CartPoleEnv({ batchSize: [4] });
 * const pushRight = (td: TensorDict) => td.set("action", HostArray.full("int32", [4], 1));
 * const collector = new SyncDataCollector(env, pushRight, { framesPerBatch: 40, totalFrames: 100, seed: 0 });
 * for await (const batch of collector) {
 *   console.log(batch.batchSize, collector.framesCollected); // [4, 10], then 40, 80, 120
 * }
 * await collector.shutdown();
 */
export class SyncDataCollector<O extends SyncDataCollectorOptions = SyncDataCollectorOptions>
  implements Collector<CollectorOutput<O>>
{
  readonly env: EnvBase;
  readonly policy: CollectorPolicy;
  readonly framesPerBatch: number;
  readonly totalFrames: number;
  readonly initRandomFrames: number;
  readonly maxFramesPerTraj: number;
  readonly resetAtEachIter: boolean;
  readonly splitTrajs: boolean;
  readonly explorationType: ExplorationType;
  /** Steps per batch: `framesPerBatch / numEnvs`. */
  readonly stepsPerBatch: number;
  private readonly postproc: ((batch: TensorDict) => TensorDict) | undefined;
  private readonly replayBuffer: BatchSink | undefined;
  private readonly numEnvs: number;
  private readonly actionLeaves: readonly [string, TensorSpec][];
  private readonly trajIds: TrajectoryIds;
  /** Steps each sub-env's current trajectory has taken, for `maxFramesPerTraj`. */
  private readonly trajSteps: Int32Array;
  private root: TensorDict | null = null;
  /** What the policy writes, learned before the first random step (zero-filled in random steps). */
  private policyOutputs: PolicyOutputs | null = null;
  /** `env.interactions` after the collector's own last call: a different count means someone else used the env. */
  private envMark = -1;
  /** True until the first reset: the initial ids 0..n-1 belong to the first trajectories. */
  private idsFresh = true;
  private frames = 0;
  private iterations = 0;
  private closed = false;

  constructor(envOrFactory: EnvOrFactory, policy: CollectorPolicy, options: O) {
    checkOptions("SyncDataCollector", options, SYNC_DATA_COLLECTOR_OPTION_KEYS);
    const what = "SyncDataCollector";
    checkPolicy(policy, what);
    const o: SyncDataCollectorOptions = options;
    if (typeof o !== "object" || o === null) throw new Error(`${what}: options must be an object with framesPerBatch`);
    const {
      framesPerBatch: fpb,
      totalFrames,
      initRandomFrames,
      maxFramesPerTraj,
      explorationType,
    } = checkCollectorOptions(o, what);
    // The env comes last, once the options are known good, so a rejected call leaves no env behind.
    const env = typeof envOrFactory === "function" ? envOrFactory() : envOrFactory;
    if (typeof env !== "object" || env === null || typeof env.step !== "function" || typeof env.reset !== "function") {
      throw new Error(
        `${what}: expected an env (EnvBase) or a function returning one, got ${env === null ? "null" : typeof env}`,
      );
    }
    const numEnvs = sizeOf(env.batchSize);
    if (fpb % numEnvs !== 0) {
      if (typeof envOrFactory === "function") env.close();
      throw new Error(
        `${what}: framesPerBatch ${fpb} is not a multiple of the env batch ${formatShape(env.batchSize)} (${numEnvs} sub-envs); use a multiple such as ${Math.ceil(fpb / numEnvs) * numEnvs}`,
      );
    }
    if (o.seed !== undefined) env.setSeed(o.seed);

    this.env = env;
    this.policy = policy;
    this.framesPerBatch = fpb;
    this.totalFrames = totalFrames;
    this.initRandomFrames = initRandomFrames;
    this.maxFramesPerTraj = maxFramesPerTraj;
    this.resetAtEachIter = o.resetAtEachIter ?? false;
    this.splitTrajs = o.splitTrajs ?? false;
    this.explorationType = explorationType;
    this.stepsPerBatch = fpb / numEnvs;
    this.postproc = o.postproc;
    this.replayBuffer = o.replayBuffer;
    this.numEnvs = numEnvs;
    this.actionLeaves = env.actionSpec.leaves();
    this.trajIds = new TrajectoryIds(env.batchSize);
    this.trajSteps = new Int32Array(numEnvs);
  }

  /** Frames collected so far (whole batches). */
  get framesCollected(): number {
    return this.frames;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<CollectorOutput<O>, void, undefined> {
    while (!this.closed && (this.totalFrames === -1 || this.frames < this.totalFrames)) {
      let batch = this.rollout();
      if (this.splitTrajs) batch = splitTrajectories(batch);
      if (this.postproc !== undefined) batch = this.postproc(batch);
      this.iterations++;
      if (this.replayBuffer !== undefined) {
        this.replayBuffer.extend(batch);
        yield this.frames as CollectorOutput<O>;
      } else {
        yield batch as CollectorOutput<O>;
      }
    }
  }

  /**
   * Collects one raw batch `[...envBatch, T]` (no `splitTrajs`, `postproc` or replay buffer) and counts its
   * frames; the iterator is built on it, and worker-based collectors call it directly.
   */
  rollout(): TensorDict {
    const what = "SyncDataCollector.rollout()";
    if (this.closed) throw new Error(`${what}: the collector was shut down`);
    if (this.root === null || this.resetAtEachIter || this.envUsedElsewhere()) this.resetAll();
    const steps: TensorDict[] = [];
    let root = this.root!;
    for (let t = 0; t < this.stepsPerBatch; t++) {
      const [stepped, nextRoot] = this.step(root, this.frames + t * this.numEnvs < this.initRandomFrames);
      steps.push(stepped);
      root = nextRoot;
      // Keep the carried root current, so an error mid-batch leaves the collector at a consistent step.
      this.root = root;
      this.envMark = this.env.interactions;
    }
    this.frames += this.framesPerBatch;
    return stackSteps(steps, this.env.batchSize.length);
  }

  /** Without weights, a no-op (the collector runs the very policy object it was given); with weights, loads them into it. */
  updatePolicyWeights(weights?: PolicyWeights): void {
    if (weights === undefined) return;
    loadPolicyWeights(this.policy, weights, "SyncDataCollector.updatePolicyWeights()");
  }

  /**
   * A JSON-able checkpoint for an exact resume: the counters, the trajectory ids, and (`resume`) the env's
   * state and the pending root record, host arrays as lossless bytes. A fresh collector built the same way
   * and given it by `loadState` collects the same batches, step for step. Throws when the env does not
   * support checkpoints (e.g. ParallelEnv); `countersState()` still works there.
   */
  state(): CollectorState {
    let env: EnvState;
    try {
      env = this.env.state();
    } catch (error) {
      throw new Error(
        `SyncDataCollector.state(): ${(error as Error).message}; countersState() saves the counters only (the env is reset on resume)`,
        { cause: error },
      );
    }
    // A root the env has moved on from (an evaluation rollout since) is not saved: the resumed collector
    // resets, as this one will.
    const root = this.root === null || this.envUsedElsewhere() ? null : encodeTensorDict(this.root.toHost());
    return {
      ...this.countersState(),
      resume: { env, root, trajSteps: encodeTypedArray(this.trajSteps), idsFresh: this.idsFresh },
    };
  }

  /** The counters and trajectory ids only (what worker-based collectors checkpoint); resuming from it resets the env. */
  countersState(): CollectorState {
    return { framesCollected: this.frames, iterations: this.iterations, trajectoryIds: [this.trajIds.state()] };
  }

  /**
   * Restores a `state()`: with its `resume` part, the env and the pending root too, so the next batch goes on
   * with the same trajectories and ids; without it (`countersState()`), the next batch starts with a full
   * reset and new trajectory ids. Everything is checked first: a bad state throws and changes nothing.
   */
  loadState(state: CollectorState): void {
    const what = "SyncDataCollector.loadState()";
    if (typeof state !== "object" || state === null)
      throw new Error(`${what}: expected a state object, got ${String(state)}`);
    for (const key of ["framesCollected", "iterations"] as const) {
      const v = state[key];
      if (!(Number.isSafeInteger(v) && v >= 0))
        throw new Error(`${what}: "${key}" must be a non-negative integer, got ${String(v)}`);
    }
    if (!Array.isArray(state.trajectoryIds) || state.trajectoryIds.length !== 1) {
      throw new Error(
        `${what}: "trajectoryIds" must hold one entry (one env), got ${JSON.stringify(state.trajectoryIds)}`,
      );
    }
    const ids = state.trajectoryIds[0]!;
    new TrajectoryIds(this.env.batchSize).loadState(ids); // checks it without touching ours
    const resume =
      state.resume === undefined ? null : decodeResume(state.resume, this.env.batchSize, this.numEnvs, what);
    if (resume !== null) this.env.loadState(state.resume!.env); // checked in full before it changes the env
    this.trajIds.loadState(ids);
    this.frames = state.framesCollected;
    this.iterations = state.iterations;
    if (resume === null) {
      this.root = null;
      this.idsFresh = false;
    } else {
      this.root = resume.root;
      this.trajSteps.set(resume.trajSteps);
      this.idsFresh = resume.idsFresh;
    }
    this.envMark = this.env.interactions;
  }

  async shutdown(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.root = null;
    this.env.close();
  }

  // ---------------------------------------------------------------- internals

  /** Whether the env was reset, stepped or loaded by someone else since the collector's last step (e.g. `env.rollout` to evaluate). */
  private envUsedElsewhere(): boolean {
    return this.root !== null && this.env.interactions !== this.envMark;
  }

  private resetAll(): void {
    this.root = this.env.reset();
    this.envMark = this.env.interactions;
    if (!this.idsFresh) this.trajIds.renew();
    this.idsFresh = false;
    this.trajSteps.fill(0);
  }

  /** One env step from `root`: returns the stepped record and the next root (done sub-envs reset). */
  private step(root: TensorDict, randomAction: boolean): [TensorDict, TensorDict] {
    const what = "SyncDataCollector";
    root.set([...TRAJ_IDS_KEY], this.trajIds.snapshot());
    let td: TensorDict;
    const outputs = randomAction ? (this.policyOutputs ??= PolicyOutputs.probe(this.policy, root, what)) : null;
    if (outputs !== null) {
      td = this.env.randAction(root);
      outputs.fillRoot(td);
    } else {
      td = runPolicy(this.policy, root, this.explorationType);
      checkPolicyAction(td, this.actionLeaves, this.policy, what);
    }
    // env.step keeps what the policy wrote under "next" (its next recurrent state) where the env wrote nothing.
    this.env.step(td);
    const next = td.get("next") as TensorDict;
    outputs?.fillNext(next);
    this.truncateLongTrajectories(next);
    const done = next.getHost("done");
    let nextRoot = this.env.stepMdp(td);
    const doneData = done.data;
    let anyDone = false;
    for (let i = 0; i < this.numEnvs; i++) {
      this.trajSteps[i]! += 1;
      if (doneData[i] !== 0) {
        anyDone = true;
        this.trajSteps[i] = 0;
      }
    }
    if (anyDone) {
      const mask = new HostArray("bool", done.shape, Uint8Array.from(doneData));
      nextRoot.set("_reset", mask);
      nextRoot = this.env.reset(nextRoot);
      this.trajIds.renew(mask);
    }
    return [td, nextRoot];
  }

  /** Marks `truncated` and `done` on sub-envs whose trajectory reaches `maxFramesPerTraj` steps without ending. */
  private truncateLongTrajectories(next: TensorDict): void {
    if (this.maxFramesPerTraj === -1) return;
    let hit: number[] | null = null;
    const done = next.getHost("done").data;
    for (let i = 0; i < this.numEnvs; i++) {
      if (this.trajSteps[i]! + 1 >= this.maxFramesPerTraj && done[i] === 0) (hit ??= []).push(i);
    }
    if (hit === null) return;
    for (const key of ["done", "truncated"]) {
      if (!next.has(key)) continue;
      // New arrays: the env's may be shared with other records.
      const flags = next.getHost(key).clone();
      for (const i of hit) flags.data[i] = 1;
      next.set(key, flags);
    }
  }
}
