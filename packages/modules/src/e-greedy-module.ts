import * as tf from "@tensorflow/tfjs-core";
import {
  type Categorical,
  type DType,
  type ExplorationType,
  isHostArray,
  isTensor,
  OneHot,
  Rng,
  type RngState,
  type TensorDict,
  checkOptions,
  type OptionKeys,
} from "@tdrl/tensordict";
import { discreteActionSpec, type DiscreteActionSpec } from "./action-spec";
import { disposeUnheld, keyName, type NestedKey } from "./keys";
import type { TensorDictModuleBase } from "./tensordict-module";

const E_GREEDY_MODULE_OPTION_KEYS = {
  spec: true,
  epsInit: true,
  epsEnd: true,
  annealingNumSteps: true,
  actionKey: true,
  actionMaskKey: true,
  rng: true,
} satisfies OptionKeys<EGreedyModuleOptions>;

/** An `EGreedyModule` checkpoint (`state()`): the annealed eps and the random stream's state. JSON-able. */
export interface EGreedyModuleState {
  eps: number;
  rng: RngState;
}

export interface EGreedyModuleOptions {
  /**
   * The action spec (`Categorical` or `OneHot`, random actions then written as an index or a one-hot row),
   * or a Composite holding one at `actionKey` (`env.actionSpec`). Only its number of actions is used, so its
   * shape may or may not carry the env's batch dims.
   */
  spec: DiscreteActionSpec;
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
 * const saved = JSON.stringify(explore.state()); // eps and the rng, for an exact resume
 * const resumed = new EGreedyModule({ spec: new Categorical({ n: 4 }), epsInit: 1, epsEnd: 0.05, annealingNumSteps: 10_000 });
 * resumed.loadState(JSON.parse(saved)); // resumed.eps === explore.eps
 */
export class EGreedyModule {
  /** The action leaf of the spec given. */
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
    this.spec = discreteActionSpec(options.spec, options.actionKey ?? "action", what);
    this.epsInit = options.epsInit ?? 1;
    this.epsEnd = options.epsEnd ?? 0.1;
    this.annealingNumSteps = options.annealingNumSteps ?? 1000;
    for (const [name, v] of [
      ["epsInit", this.epsInit],
      ["epsEnd", this.epsEnd],
    ] as const) {
      if (!(v >= 0 && v <= 1)) throw new Error(`${what}: ${name} must be in [0, 1], got ${v}`);
    }
    if (this.epsEnd > this.epsInit)
      throw new Error(`${what}: epsEnd (${this.epsEnd}) must not exceed epsInit (${this.epsInit})`);
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

  /** A checkpoint of what changes as it runs: eps (annealed by `step`) and the rng's state. */
  state(): EGreedyModuleState {
    return { eps: this.currentEps, rng: this.rng.state() };
  }

  /**
   * Restores a `state()`, so a resumed run explores exactly as the saved one would have (no replay of
   * `step`). The rng given at construction is set in place (shared with whoever else holds it). Checked
   * first: a bad state throws naming the field and changes nothing.
   */
  loadState(state: EGreedyModuleState): void {
    const what = "EGreedyModule.loadState()";
    if (typeof state !== "object" || state === null)
      throw new Error(`${what}: expected { eps, rng }, got ${String(state)}`);
    const { eps, rng } = state;
    if (!(typeof eps === "number" && eps >= this.epsEnd && eps <= this.epsInit)) {
      throw new Error(
        `${what}: "eps" must be a number in [epsEnd, epsInit] = [${this.epsEnd}, ${this.epsInit}], got ${String(eps)}`,
      );
    }
    try {
      Rng.fromState(rng); // validates without touching this module's rng
    } catch (e) {
      throw new Error(`${what}: "rng": ${(e as Error).message}`, { cause: e });
    }
    this.rng.setState(rng);
    this.currentEps = eps;
  }

  /**
   * Replaces actions with random ones with probability eps when `exploration` is `"random"`; returns `td`.
   * A host action is changed in place; a tensor action is replaced by a new tensor (the old one is freed).
   */
  forward(td: TensorDict, exploration: ExplorationType): TensorDict {
    const what = "EGreedyModule";
    if (exploration !== "random") {
      if (exploration !== "deterministic" && exploration !== "mode" && exploration !== "mean") {
        throw new Error(
          `${what}: exploration must be "random", "deterministic", "mode" or "mean", got ${JSON.stringify(exploration)}`,
        );
      }
      return td;
    }
    const actionKey = this.outKeys[0]!;
    if (!td.has(actionKey))
      throw new Error(
        `${what}: input key "${keyName(actionKey)}" is missing from the TensorDict (it has ${td.keys({ nested: true, leavesOnly: true }).join(", ")})`,
      );
    const entry = td.get(actionKey);
    if (!isHostArray(entry) && !isTensor(entry))
      throw new Error(`${what}: "${keyName(actionKey)}" holds a nested TensorDict, not an action`);
    const n = this.spec.n;
    const oneHot = this.spec instanceof OneHot;
    if (oneHot && entry.shape[entry.shape.length - 1] !== n) {
      throw new Error(
        `${what}: "${keyName(actionKey)}" has shape [${entry.shape.join(", ")}]; a one-hot action needs a last dim of ${n}`,
      );
    }
    const values = isHostArray(entry)
      ? entry.data
      : (entry.dataSync() as ArrayLike<number> as Float32Array | Int32Array | Uint8Array);
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
      disposeUnheld(td, [entry]);
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
    if (!td.has(key))
      throw new Error(`EGreedyModule: action mask key "${keyName(key)}" is missing from the TensorDict`);
    const m = td.get(key);
    if (!isHostArray(m) && !isTensor(m))
      throw new Error(`EGreedyModule: "${keyName(key)}" holds a nested TensorDict, not a mask`);
    const data = isHostArray(m) ? m.data : (m.dataSync() as ArrayLike<number>);
    if (data.length !== rows * n) {
      throw new Error(
        `EGreedyModule: action mask "${keyName(key)}" has shape [${m.shape.join(", ")}]; expected ${rows} rows of ${n} actions`,
      );
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
