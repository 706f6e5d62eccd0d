import { HostArray, TensorDict } from "@tdrl/tensordict";
import type { EnvBase } from "@tdrl/envs";

/** A finished episode: its undiscounted return and length. */
export interface Episode {
  reward: number;
  length: number;
}

/** What `EnvRunner.snapshot()` returns: enough, with the env's own snapshot, to continue exactly. */
export interface RunnerSnapshot {
  root: Record<string, { dtype: string; shape: number[]; data: number[] }>;
  returns: number[];
  lengths: number[];
}

export interface EnvRunnerOptions {
  /** Write `is_init` (true on the first step of every episode), as TorchRL's `InitTracker`, for recurrent actors. */
  trackInit?: boolean;
  /** Multiplies the rewards booked into episode returns, to report them in the task's units behind a RewardScaling. Default 1. */
  returnScale?: number;
}

/**
 * Steps a batched env with an actor and hands back what happened as one TensorDict of host arrays, batch
 * `[numEnvs, T]` (TorchRL's collector layout: time last). It keeps the current root record between calls,
 * counts episode returns, and moves the actor's `next.*` outputs (recurrent states) past `env.step`, which
 * replaces `"next"` with the env's own record.
 *
 * It is the env-interaction half of TorchRL's `SyncDataCollector`, kept small so that the collector can
 * replace it; `snapshot` / `restore` make a stopped run resumable.
 *
 * @example
 * import { Categorical, Rng } from "@tdrl/tensordict";
 * import { CartPoleEnv } from "@tdrl/envs";
 * import { EGreedyModule } from "@tdrl/modules";
 * import { QActor } from "./actor";
 * import { mlpQNetwork } from "./q-network";
 * const env = new CartPoleEnv({ batchSize: [2], seed: 0 });
 * const qnet = mlpQNetwork({ inFeatures: 4, numActions: 2, numCells: [16], dueling: false, rng: new Rng(0) });
 * const actor = new QActor(qnet, new EGreedyModule({ spec: new Categorical({ n: 2 }), rng: new Rng(1) }));
 * const runner = new EnvRunner(env);
 * const batch = runner.collect(10, (root) => actor.act(root, "explore"));
 * batch.batchSize; // [2, 10]
 * runner.takeEpisodes(); // episodes finished so far
 */
export class EnvRunner {
  readonly env: EnvBase;
  readonly numEnvs: number;
  private readonly trackInit: boolean;
  private readonly returnScale: number;
  private root: TensorDict | null = null;
  private returns: Float64Array;
  private lengths: Int32Array;
  private finished: Episode[] = [];

  constructor(env: EnvBase, options: EnvRunnerOptions = {}) {
    if (env.batchSize.length !== 1) throw new Error(`EnvRunner: the env must have one batch dim [numEnvs], got [${env.batchSize.join(", ")}]`);
    this.env = env;
    this.numEnvs = env.batchSize[0]!;
    this.trackInit = options.trackInit ?? false;
    this.returnScale = options.returnScale ?? 1;
    this.returns = new Float64Array(this.numEnvs);
    this.lengths = new Int32Array(this.numEnvs);
  }

  /** Steps of the episodes in progress, per sub-env (equal to the env's elapsed steps). */
  get episodeSteps(): Int32Array {
    return this.lengths.slice();
  }

  /** Runs `steps` steps; `policy` writes host actions into the root it is given. Returns `[numEnvs, steps]`. */
  collect(steps: number, policy: (root: TensorDict) => TensorDict): TensorDict {
    if (!(Number.isInteger(steps) && steps >= 1)) throw new Error(`EnvRunner.collect: steps must be a positive integer, got ${String(steps)}`);
    const out: TensorDict[] = [];
    let root = this.currentRoot();
    for (let t = 0; t < steps; t++) {
      policy(root);
      const carried = root.has("next") ? (root.get("next") as TensorDict) : null;
      if (carried !== null) root.delete("next");
      this.env.step(root);
      const next = root.get("next") as TensorDict;
      if (carried !== null) for (const key of carried.keys({ nested: true, leavesOnly: true })) next.set(key.split("."), carried.get(key.split(".")) as HostArray);
      out.push(root);
      root = this.advance(root, next);
    }
    this.root = root;
    return TensorDict.stack(out, 1);
  }

  /** Episodes finished since the last call. */
  takeEpisodes(): Episode[] {
    const done = this.finished;
    this.finished = [];
    return done;
  }

  /** The runner's state as JSON (the env's physical state is the caller's, see `cartPoleSnapshot`). */
  snapshot(): RunnerSnapshot {
    const root: RunnerSnapshot["root"] = {};
    for (const [key, leaf] of this.currentRoot().leaves()) {
      const host = leaf as HostArray;
      root[key] = { dtype: host.dtype, shape: [...host.shape], data: Array.from(host.data) };
    }
    return { root, returns: Array.from(this.returns), lengths: Array.from(this.lengths) };
  }

  /** Continues from a snapshot; the env must already be in the snapshot's state. */
  restore(s: RunnerSnapshot): void {
    const td = new TensorDict({}, [this.numEnvs]);
    for (const [key, leaf] of Object.entries(s.root)) td.set(key.split("."), HostArray.from(leaf.dtype as "float32", leaf.shape, leaf.data));
    if (s.returns.length !== this.numEnvs || s.lengths.length !== this.numEnvs) {
      throw new Error(`EnvRunner.restore: the snapshot is of ${s.returns.length} envs, this runner has ${this.numEnvs}`);
    }
    this.root = td;
    this.returns = Float64Array.from(s.returns);
    this.lengths = Int32Array.from(s.lengths);
    this.finished = [];
  }

  private currentRoot(): TensorDict {
    if (this.root === null) {
      this.root = this.env.reset();
      if (this.trackInit) this.root.set("is_init", HostArray.full("bool", [this.numEnvs, 1], true));
    }
    return this.root;
  }

  /** Books the step's rewards, builds the next root and resets the sub-envs that are done. */
  private advance(root: TensorDict, next: TensorDict): TensorDict {
    const n = this.numEnvs;
    const reward = (next.get("reward") as HostArray).data;
    const done = (next.get("done") as HostArray).data;
    const resetMask = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      this.returns[i]! += reward[i]! * this.returnScale;
      this.lengths[i]! += 1;
      if (done[i]) {
        this.finished.push({ reward: this.returns[i]!, length: this.lengths[i]! });
        this.returns[i] = 0;
        this.lengths[i] = 0;
        resetMask[i] = 1;
      }
    }
    let nextRoot = this.env.stepMdp(root);
    if (resetMask.includes(1)) {
      nextRoot.set("_reset", new HostArray("bool", [n, 1], resetMask));
      nextRoot = this.env.reset(nextRoot);
    }
    if (this.trackInit) nextRoot.set("is_init", new HostArray("bool", [n, 1], resetMask.slice()));
    return nextRoot;
  }
}
