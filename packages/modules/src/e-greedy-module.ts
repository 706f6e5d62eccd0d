import * as tf from "@tensorflow/tfjs-core";
import { checkOptions, type OptionKeys, Categorical, type DType, isHostArray, isTensor, OneHot, Rng, type TensorDict } from "@tdrl/tensordict";
import { keyName, type NestedKey } from "./keys";
import type { TensorDictModuleBase } from "./tensordict-module";

const E_GREEDY_MODULE_OPTION_KEYS = { spec: true, epsInit: true, epsEnd: true, annealingNumSteps: true, actionKey: true, actionMaskKey: true, rng: true } satisfies OptionKeys<EGreedyModuleOptions>;

/**
 * How a policy acts (TorchRL's `ExplorationType`): only `"random"` explores; the others act greedily.
 * Always passed explicitly, never read from a global.
 */
export type ExplorationType = "random" | "deterministic" | "mode" | "mean";

export interface EGreedyModuleOptions {
  /** The action spec (`Categorical` or `OneHot`); its shape is one sample's action (no batch dims needed). */
  spec: Categorical<DType> | OneHot<DType>;
  /** Default 1. */
  epsInit?: number;
  /** Default 0.1. */
  epsEnd?: number;
  /** Frames over which eps goes linearly from epsInit to epsEnd. Default 1000. */
  annealingNumSteps?: number;
  /** Default "action". */
  actionKey?: NestedKey;
  /** Optional bool `[..., n]` mask: random actions are drawn among the allowed ones. */
  actionMaskKey?: NestedKey;
  /** Draws the exploration coin flips and random actions. Default `new Rng(0)`. */
  rng?: Rng;
}

/**
 * Epsilon-greedy exploration (TorchRL's `EGreedyModule`): in `"random"` exploration mode, each sample's
 * action is replaced with probability eps by a uniformly random one (among allowed actions when a mask is
 * given); other modes leave the action alone. `step(frames)` anneals eps linearly in O(1).
 *
 * @example
 * import { Categorical, type DType, HostArray, Rng, TensorDict } from "@tdrl/tensordict";
 * const explore = new EGreedyModule({ spec: new Categorical({ n: 4 }), epsInit: 1, epsEnd: 0.05, annealingNumSteps: 10_000, rng: new Rng(0) });
 * const td = new TensorDict({ action: HostArray.from("int32", [3], [0, 0, 0]) }, [3]);
 * explore.forward(td, "random"); // actions now random (eps = 1)
 * explore.step(100); // eps = 1 - 100 * 0.95 / 10000
 */
export class EGreedyModule {
  readonly spec: Categorical<DType> | OneHot<DType>;
  readonly epsInit: number;
  readonly epsEnd: number;
  readonly annealingNumSteps: number;
  readonly inKeys: readonly NestedKey[];
  readonly outKeys: readonly NestedKey[];
  private readonly rng: Rng;
  private readonly actionMaskKey: NestedKey | undefined;
  private currentEps: number;

  constructor(options: EGreedyModuleOptions) {
    checkOptions("EGreedyModule", options, E_GREEDY_MODULE_OPTION_KEYS);
    const what = "EGreedyModule";
    if (!(options.spec instanceof Categorical || options.spec instanceof OneHot)) {
      throw new Error(`${what}: spec must be a Categorical or OneHot spec, got ${String(options.spec)}`);
    }
    this.spec = options.spec;
    this.epsInit = options.epsInit ?? 1;
    this.epsEnd = options.epsEnd ?? 0.1;
    this.annealingNumSteps = options.annealingNumSteps ?? 1000;
    for (const [name, v] of [["epsInit", this.epsInit], ["epsEnd", this.epsEnd]] as const) {
      if (!(v >= 0 && v <= 1)) throw new Error(`${what}: ${name} must be in [0, 1], got ${v}`);
    }
    if (this.epsEnd > this.epsInit) throw new Error(`${what}: epsEnd (${this.epsEnd}) must not exceed epsInit (${this.epsInit})`);
    if (!(Number.isFinite(this.annealingNumSteps) && this.annealingNumSteps > 0)) {
      throw new Error(`${what}: annealingNumSteps must be positive, got ${this.annealingNumSteps}`);
    }
    this.rng = options.rng ?? new Rng(0);
    this.actionMaskKey = options.actionMaskKey;
    const actionKey = options.actionKey ?? "action";
    this.inKeys = Object.freeze(options.actionMaskKey === undefined ? [actionKey] : [actionKey, options.actionMaskKey]);
    this.outKeys = Object.freeze([actionKey]);
    this.currentEps = this.epsInit;
  }

  /** The current exploration probability. */
  get eps(): number {
    return this.currentEps;
  }

  /** Anneals eps by `frames` frames (linear, clamped at epsEnd). O(1) whatever `frames` is. */
  step(frames = 1): void {
    if (!(frames >= 0)) throw new Error(`EGreedyModule.step: frames must be >= 0, got ${frames}`);
    const slope = (this.epsInit - this.epsEnd) / this.annealingNumSteps;
    this.currentEps = Math.max(this.epsEnd, this.currentEps - slope * frames);
  }

  parameters(): Map<string, tf.Variable> {
    return new Map();
  }

  /**
   * Replaces actions with random ones with probability eps when `exploration` is `"random"`; returns `td`.
   * A host action is changed in place; a tensor action is replaced by a new tensor (the old one is freed).
   */
  forward(td: TensorDict, exploration: ExplorationType): TensorDict {
    const what = "EGreedyModule";
    if (exploration !== "random") {
      if (exploration !== "deterministic" && exploration !== "mode" && exploration !== "mean") {
        throw new Error(`${what}: exploration must be "random", "deterministic", "mode" or "mean", got ${JSON.stringify(exploration)}`);
      }
      return td;
    }
    const actionKey = this.outKeys[0]!;
    if (!td.has(actionKey)) throw new Error(`${what}: input key "${keyName(actionKey)}" is missing from the TensorDict (it has ${td.keys({ nested: true, leavesOnly: true }).join(", ")})`);
    const entry = td.get(actionKey);
    if (!isHostArray(entry) && !isTensor(entry)) throw new Error(`${what}: "${keyName(actionKey)}" holds a nested TensorDict, not an action`);
    const n = this.spec.n;
    const oneHot = this.spec instanceof OneHot;
    if (oneHot && entry.shape[entry.shape.length - 1] !== n) {
      throw new Error(`${what}: "${keyName(actionKey)}" has shape [${entry.shape.join(", ")}]; a one-hot action needs a last dim of ${n}`);
    }
    const values = isHostArray(entry) ? entry.data : (entry.dataSync() as ArrayLike<number> as Float32Array | Int32Array | Uint8Array);
    const out = isHostArray(entry) ? entry.data : values.slice();
    const rows = oneHot ? out.length / n : out.length;
    const mask = this.readMask(td, rows, n);
    for (let r = 0; r < rows; r++) {
      if (this.rng.uniform() >= this.currentEps) continue;
      const a = this.randomAction(mask, r, n);
      if (oneHot) {
        out.fill(0, r * n, (r + 1) * n);
        out[r * n + a] = 1;
      } else {
        out[r] = a;
      }
    }
    if (isTensor(entry)) {
      td.set(actionKey, tf.tensor(out, entry.shape, entry.dtype));
      entry.dispose();
    }
    return td;
  }

  /** This module with a fixed exploration type, as a `TensorDictModuleBase` (to put in a `TensorDictSequential`). */
  withExploration(exploration: ExplorationType): TensorDictModuleBase {
    return {
      inKeys: this.inKeys,
      outKeys: this.outKeys,
      parameters: () => new Map(),
      forward: (td) => this.forward(td, exploration),
    };
  }

  private readMask(td: TensorDict, rows: number, n: number): ArrayLike<number> | null {
    const key = this.actionMaskKey;
    if (key === undefined) return null;
    if (!td.has(key)) throw new Error(`EGreedyModule: action mask key "${keyName(key)}" is missing from the TensorDict`);
    const m = td.get(key);
    if (!isHostArray(m) && !isTensor(m)) throw new Error(`EGreedyModule: "${keyName(key)}" holds a nested TensorDict, not a mask`);
    const data = isHostArray(m) ? m.data : (m.dataSync() as ArrayLike<number>);
    if (data.length !== rows * n) {
      throw new Error(`EGreedyModule: action mask "${keyName(key)}" has shape [${m.shape.join(", ")}]; expected ${rows} rows of ${n} actions`);
    }
    return data;
  }

  private randomAction(mask: ArrayLike<number> | null, row: number, n: number): number {
    if (mask === null) return this.rng.int(0, n);
    let allowed = 0;
    for (let j = 0; j < n; j++) if (mask[row * n + j]) allowed++;
    if (allowed === 0) throw new Error(`EGreedyModule: the action mask allows no action in row ${row}`);
    let k = this.rng.int(0, allowed);
    for (let j = 0; j < n; j++) if (mask[row * n + j] && k-- === 0) return j;
    return n - 1;
  }
}

