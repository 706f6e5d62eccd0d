import {
  checkOptions,
  type OptionKeys,
  HostArray,
  type TensorDict,
  Unbounded,
  formatShape,
  shapesEqual,
  sizeOf,
  type Shape,
  type TensorSpec,
} from "@tdrl/tensordict";
import { LeafTransform } from "./leaf-transform";

const VEC_NORM_OPTION_KEYS = {
  inKeys: true,
  outKeys: true,
  decay: true,
  eps: true,
} satisfies OptionKeys<VecNormOptions>;

export interface VecNormOptions {
  /** Keys to normalize (default `["observation", "reward"]`, as in TorchRL); observation or reward keys. */
  inKeys?: readonly string[];
  /** Where the results go (default: `inKeys`). */
  outKeys?: readonly string[];
  /** Weight of the past in the running sums, per update (default 0.9999). */
  decay?: number;
  /** Lower bound of the standard deviation (default 1e-4). */
  eps?: number;
}

/** The running statistics of one key: decayed sums of values and squares, and the decayed count. */
export type VecNormKeyState = {
  /** The feature shape (dims after the batch) the sums have. */
  shape: number[];
  sum: number[];
  ssq: number[];
  count: number;
};

/** Everything `VecNorm` has learned, as plain JSON-able data (`JSON.stringify` round-trips it exactly). */
export type VecNormState = {
  decay: number;
  eps: number;
  /** One entry per in key that has seen data. */
  keys: { [key: string]: VecNormKeyState };
};

interface RunningStats {
  readonly shape: Shape;
  readonly sum: Float64Array;
  readonly ssq: Float64Array;
  count: number;
  /** Scratch for the mean and 1 / std of one call, so normalizing allocates only its output. */
  readonly mean: Float64Array;
  readonly invStd: Float64Array;
}

/**
 * Running standardization (TorchRL's `VecNorm`): each call adds the values of every row it normalizes to
 * decayed sums (`sum = decay * sum + sum of x`, the same for x² and the count), then maps
 * `x -> (x - mean) / max(std, eps)` with `std = sqrt(ssq / count - mean²)`. Statistics are per feature
 * element, shared by all sub-envs, and updated by every reset and step (and by `forward` on standalone
 * records) unless `freeze()`d. `state()` / `loadState()` save and restore them as plain JSON.
 *
 * Where it differs from TorchRL: the sums are float64 (TorchRL's float32 sums of squared pixels lose the
 * variance to cancellation over long runs); a partial reset adds only the rows of the sub-envs being
 * reset (TorchRL re-adds the unchanged observations of every other sub-env) and leaves those others'
 * outputs as they were; the std floor is `eps` itself (TorchRL floors the variance at eps, i.e. the std at
 * sqrt(eps)).
 *
 * @example
 * import { HostArray, TensorDict } from "@tdrl/tensordict";
 * import { VecNorm } from "@tdrl/transforms";
 * const norm = new VecNorm({ inKeys: ["observation"], decay: 1 });
 * const td = new TensorDict({ observation: HostArray.from("float32", [2, 1], [1, 3]) }, [2]);
 * norm.forward(td).getHost("observation").data; // Float32Array [-1, 1]: mean 2, std 1
 * const saved = JSON.stringify(norm.state());
 * new VecNorm({ inKeys: ["observation"], decay: 1 }).loadState(JSON.parse(saved));
 */
export class VecNorm extends LeafTransform {
  readonly decay: number;
  readonly eps: number;
  private frozenFlag = false;
  private readonly stats = new Map<string, RunningStats>();

  constructor(options: VecNormOptions = {}) {
    checkOptions("VecNorm", options, VEC_NORM_OPTION_KEYS);
    super({ inKeys: options.inKeys ?? ["observation", "reward"], outKeys: options.outKeys });
    const decay = options.decay ?? 0.9999;
    const eps = options.eps ?? 1e-4;
    if (!(Number.isFinite(decay) && decay > 0 && decay <= 1))
      throw new Error(`VecNorm: decay must be in (0, 1], got ${String(decay)}`);
    if (!(Number.isFinite(eps) && eps > 0))
      throw new Error(`VecNorm: eps must be a positive number, got ${String(eps)}`);
    this.decay = decay;
    this.eps = eps;
  }

  override get name(): string {
    return "VecNorm";
  }

  /** Whether updates are off (values are still normalized with the current statistics). */
  get frozen(): boolean {
    return this.frozenFlag;
  }

  /** Stops updating the statistics (e.g. for evaluation); returns this. */
  freeze(): this {
    this.frozenFlag = true;
    return this;
  }

  /** Resumes updating the statistics; returns this. */
  unfreeze(): this {
    this.frozenFlag = false;
    return this;
  }

  /** The current mean and std of `key` (feature shape), or null before it has seen data. */
  meanStd(key: string): { mean: HostArray<"float32">; std: HostArray<"float32"> } | null {
    const s = this.stats.get(key);
    if (s === undefined) return null;
    this.computeMoments(s);
    const std = Float32Array.from(s.invStd, (v) => 1 / v);
    return {
      mean: new HostArray("float32", s.shape, Float32Array.from(s.mean)),
      std: new HostArray("float32", s.shape, std),
    };
  }

  /** The statistics as plain data (copies). */
  override state(): VecNormState {
    const keys: { [key: string]: VecNormKeyState } = {};
    for (const [key, s] of this.stats)
      keys[key] = { shape: [...s.shape], sum: Array.from(s.sum), ssq: Array.from(s.ssq), count: s.count };
    return { decay: this.decay, eps: this.eps, keys };
  }

  /** Replaces the statistics with saved ones. Everything is checked first: a bad state changes nothing. */
  override loadState(state: VecNormState): void {
    const what = "VecNorm.loadState()";
    if (typeof state !== "object" || state === null || typeof state.keys !== "object" || state.keys === null) {
      throw new Error(
        `${what}: expected an object { decay, eps, keys }, got ${state === null ? "null" : typeof state}`,
      );
    }
    if (state.decay !== this.decay || state.eps !== this.eps) {
      throw new Error(
        `${what}: the state was saved with decay ${String(state.decay)} and eps ${String(state.eps)}; this VecNorm has decay ${this.decay} and eps ${this.eps}`,
      );
    }
    const loaded = new Map<string, RunningStats>();
    for (const [key, entry] of Object.entries(state.keys)) {
      if (!this.inKeys.includes(key))
        throw new Error(`${what}: key "${key}" is not one of this VecNorm's inKeys (${this.inKeys.join(", ")})`);
      const at = `${what}: "${key}"`;
      const shapeOk = Array.isArray(entry.shape) && entry.shape.every((d) => Number.isInteger(d) && d >= 0);
      if (!shapeOk)
        throw new Error(`${at}.shape must be an array of non-negative integers, got ${JSON.stringify(entry.shape)}`);
      const size = sizeOf(entry.shape);
      for (const part of ["sum", "ssq"] as const) {
        const values = entry[part];
        if (!Array.isArray(values) || values.length !== size)
          throw new Error(
            `${at}.${part} must hold ${size} numbers (shape ${formatShape(entry.shape)}), got ${Array.isArray(values) ? values.length : typeof values}`,
          );
        const bad = values.findIndex((v) => typeof v !== "number" || !Number.isFinite(v) || (part === "ssq" && v < 0));
        if (bad !== -1)
          throw new Error(
            `${at}.${part}[${bad}] is ${String(values[bad])}; expected a finite number${part === "ssq" ? " >= 0" : ""}`,
          );
      }
      if (!(typeof entry.count === "number" && Number.isFinite(entry.count) && entry.count >= 0))
        throw new Error(`${at}.count must be a finite number >= 0, got ${String(entry.count)}`);
      const s = newStats(entry.shape);
      s.sum.set(entry.sum);
      s.ssq.set(entry.ssq);
      s.count = entry.count;
      loaded.set(key, s);
    }
    this.stats.clear();
    for (const [key, s] of loaded) this.stats.set(key, s);
  }

  override reset(input: TensorDict, record: TensorDict, mask: Uint8Array | null): TensorDict {
    const partial = mask !== null && mask.indexOf(0) !== -1;
    this.checkShapes(record);
    for (let i = 0; i < this.inKeys.length; i++) {
      const key = this.inKeys[i]!;
      if (!record.has(key)) {
        if (this.isRewardKey(key)) continue; // Resets carry no reward.
        throw this.missingKey(key, record, "the reset record");
      }
      const outKey = this.outKeys[i]!;
      const kept = partial && input.has(outKey) ? (input.get(outKey) as unknown) : null;
      const leaf = this.hostLeaf(record, key);
      const out = this.normalize(leaf, key, record.batchDims, partial ? mask : null);
      // Sub-envs a partial reset skips keep the output they had (normalized with the statistics of then).
      if (kept instanceof HostArray && kept.dtype === "float32" && shapesEqual(kept.shape, out.shape)) {
        const frame = out.size / mask!.length;
        for (let b = 0; b < mask!.length; b++)
          if (mask![b] === 0) out.data.set(kept.data.subarray(b * frame, (b + 1) * frame), b * frame);
      }
      record.set(outKey, out);
    }
    return record;
  }

  protected override transformLeafSpec(spec: TensorSpec): TensorSpec {
    return new Unbounded({ shape: spec.shape, dtype: "float32" });
  }

  protected override _call(record: TensorDict): TensorDict {
    this.checkShapes(record);
    return super._call(record);
  }

  /** Every present key against its statistics' shape, before any key updates them. */
  private checkShapes(record: TensorDict): void {
    for (const key of this.inKeys) {
      const s = this.stats.get(key);
      if (s === undefined || !record.has(key)) continue;
      const leaf = this.hostLeaf(record, key);
      const featureShape = leaf.shape.slice(record.batchDims);
      if (!shapesEqual(s.shape, featureShape)) {
        throw new Error(
          `VecNorm: "${key}" has feature shape ${formatShape(featureShape)} (leaf ${formatShape(leaf.shape)}), but its statistics have ${formatShape(s.shape)}`,
        );
      }
    }
  }

  protected override transformLeaf(leaf: HostArray, key: string, batchDims: number): HostArray {
    return this.normalize(leaf, key, batchDims, null);
  }

  /** Adds the rows flagged in `mask` (all when null) to the statistics, then normalizes every row. */
  private normalize(leaf: HostArray, key: string, batchDims: number, mask: Uint8Array | null): HostArray<"float32"> {
    const featureShape = leaf.shape.slice(batchDims);
    let s = this.stats.get(key);
    if (s === undefined) {
      s = newStats(featureShape);
      this.stats.set(key, s);
    }
    const x = leaf.data;
    const f = s.sum.length;
    const rows = f === 0 ? 0 : x.length / f;
    if (!this.frozenFlag) {
      const { sum, ssq } = s;
      const decay = this.decay;
      for (let j = 0; j < f; j++) {
        sum[j]! *= decay;
        ssq[j]! *= decay;
      }
      let added = 0;
      for (let r = 0; r < rows; r++) {
        if (mask !== null && mask[r] === 0) continue;
        added++;
        const base = r * f;
        for (let j = 0; j < f; j++) {
          const v = x[base + j]!;
          sum[j]! += v;
          ssq[j]! += v * v;
        }
      }
      s.count = s.count * decay + added;
    }
    this.computeMoments(s);
    const out = new Float32Array(x.length);
    const { mean, invStd } = s;
    for (let base = 0; base < x.length; base += f) {
      for (let j = 0; j < f; j++) out[base + j] = (x[base + j]! - mean[j]!) * invStd[j]!;
    }
    return new HostArray("float32", leaf.shape, out);
  }

  private computeMoments(s: RunningStats): void {
    const { sum, ssq, mean, invStd } = s;
    const count = s.count;
    for (let j = 0; j < sum.length; j++) {
      // No data yet (count 0): the identity map rather than NaN.
      const m = count > 0 ? sum[j]! / count : 0;
      const variance = count > 0 ? ssq[j]! / count - m * m : 1;
      mean[j] = m;
      invStd[j] = 1 / Math.max(Math.sqrt(Math.max(variance, 0)), this.eps);
    }
  }
}

function newStats(shape: Shape): RunningStats {
  const size = sizeOf(shape);
  return {
    shape: Object.freeze([...shape]),
    sum: new Float64Array(size),
    ssq: new Float64Array(size),
    count: 0,
    mean: new Float64Array(size),
    invStd: new Float64Array(size),
  };
}
