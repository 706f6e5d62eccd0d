import {
  brandClass,
  Bounded,
  HostArray,
  type TensorDict,
  TensorSpec,
  Unbounded,
  formatShape,
  sizeOf,
  type Shape,
  checkOptions,
  type OptionKeys,
  type Float32,
} from "@tdrl/tensordict";
import type { EnvBase } from "@tdrl/envs";
import { UNIT_FLOAT } from "./image-kernels";
import { Transform } from "./transform";
import { decodeHostArray, encodeHostArray, type JsonValue } from "@tdrl/tensordict";

const OBSERVATION_NORM_OPTION_KEYS = {
  loc: true,
  scale: true,
  standardNormal: true,
  inKeys: true,
  outKeys: true,
  eps: true,
} satisfies OptionKeys<ObservationNormOptions>;

/** The smallest scale `ObservationNorm` divides by (TorchRL's default `eps`). */
export const OBSERVATION_NORM_EPS = 1e-6;

export interface ObservationNormOptions<K extends string = string> {
  /** Location: a number or a float32 array broadcastable (aligned on the right) to each key's feature shape. */
  loc?: number | HostArray;
  /** Scale, same forms as `loc`; must be positive. Give both or neither (then call `initStats`). */
  scale?: number | HostArray;
  /** `(x - loc) / scale` when true; `x * scale + loc` when false (the default, as in TorchRL). */
  standardNormal?: boolean;
  /** Keys to normalize (default `["observation"]`), all with the same loc and scale. */
  inKeys?: readonly string[];
  /** Where the results go (default: `inKeys`). */
  outKeys?: readonly K[];
  /** Lower bound of a standard-normal scale, so a constant input cannot divide by zero (default 1e-6). */
  eps?: number;
}

export interface InitStatsOptions {
  /** Dims of the collected data to average over (default 0); negative counts from the end. */
  reduceDim?: number | readonly number[];
  /** Dim along which rollouts are concatenated; must be one of `reduceDim` (default: `reduceDim` when it is one dim). */
  catDim?: number;
  /** Reduced dims kept as size 1 in loc and scale (each must be in `reduceDim`). */
  keepDims?: readonly number[];
  /** Key whose statistics are taken (default: the only in key). */
  key?: string;
}

interface Coefficients {
  readonly shift: Float64Array;
  readonly mul: Float64Array;
  readonly post: Float64Array;
  /** Every element has the same coefficients. */
  readonly uniform: boolean;
  /** With `uniform`: the map of `float32(v / 255)` for every byte `v` (see `unitByteTable`), once asked for. */
  unitTable?: Float32Array;
}

/**
 * An affine map of observations (TorchRL's `ObservationNorm`): `x * scale + loc`, or with `standardNormal`
 * `(x - loc) / scale`. Outputs are float32 whatever the input dtype (uint8 pixels become float32). loc and
 * scale broadcast against each key's feature dims (the dims after the batch), so one pair serves single and
 * batched envs. `initStats` fits them on random rollouts of the env below.
 *
 * Zero spread is guarded: a fitted or given standard-normal scale below `eps` (1e-6) is raised to `eps`, and
 * the inverse of a fitted std is taken on `max(std, eps)`, so a constant pixel or feature maps to 0 instead
 * of NaN. Unlike TorchRL, `initStats` collects exactly `numIter` frames (TorchRL asks every rollout for
 * `num_iter` steps and may collect almost twice as many; a batched env of B sub-envs may overshoot by
 * fewer than B), and a loc of a shape that cannot broadcast to the
 * observation is rejected when it is fitted, not at the first step.
 *
 * @example
 * import { HostArray, TensorDict } from "@tdrl/tensordict";
 * import { ObservationNorm } from "@tdrl/transforms";
 * const norm = new ObservationNorm({ loc: 1, scale: 2, standardNormal: true });
 * const td = new TensorDict({ observation: HostArray.from("float32", [2], [1, 5]) });
 * norm.forward(td).getHost("observation").data; // Float32Array [0, 2]
 */
export class ObservationNorm<K extends string = never> extends Transform {
  /** In place by default; `outKeys` add float32 keys. */
  declare readonly addedKeys?: { [P in K]: Float32 };

  static {
    brandClass(this, "ObservationNorm");
  }

  readonly standardNormal: boolean;
  readonly eps: number;
  private locValue: HostArray<"float32"> | null = null;
  private scaleValue: HostArray<"float32"> | null = null;
  /** Per feature shape: loc and scale expanded to every feature element (computed once). */
  private coefficients = new Map<string, Coefficients>();
  /** The leaf shape of the last call and its coefficients. */
  private last: { shape: Shape; batchDims: number; coefficients: Coefficients } | null = null;

  constructor(options: ObservationNormOptions<K> = {}) {
    checkOptions("ObservationNorm", options, OBSERVATION_NORM_OPTION_KEYS);
    super({ inKeys: options.inKeys ?? ["observation"], outKeys: options.outKeys });
    this.standardNormal = options.standardNormal ?? false;
    const eps = options.eps ?? OBSERVATION_NORM_EPS;
    if (!(Number.isFinite(eps) && eps > 0))
      throw new Error(`ObservationNorm: eps must be a positive number, got ${String(eps)}`);
    this.eps = eps;
    if ((options.loc === undefined) !== (options.scale === undefined)) {
      throw new Error(
        `ObservationNorm: give both loc and scale or neither (got ${options.loc === undefined ? "scale" : "loc"} only)`,
      );
    }
    if (options.loc !== undefined && options.scale !== undefined)
      this.setParams(options.loc, options.scale, "ObservationNorm");
  }

  override get name(): string {
    return "ObservationNorm";
  }

  /** loc and scale (bytes exact), or nulls before they are set. */
  override state(): JsonValue {
    const l = this.locValue;
    const sc = this.scaleValue;
    return { loc: l === null ? null : encodeHostArray(l), scale: sc === null ? null : encodeHostArray(sc) };
  }

  override loadState(state: JsonValue): void {
    const what = "ObservationNorm.loadState()";
    const s = typeof state === "object" && state !== null && !Array.isArray(state) ? state : null;
    if (s === null || !("loc" in s) || !("scale" in s) || (s.loc === null) !== (s.scale === null)) {
      throw new Error(
        `${what}: expected { loc, scale }, both encoded host arrays or both null, got ${JSON.stringify(state)?.slice(0, 80)}`,
      );
    }
    if (s.loc === null) {
      if (this.locValue === null) return;
      throw new Error(
        `${what}: the state has no loc and scale, but this ObservationNorm has them; build a new one instead`,
      );
    }
    // setParams checks both before it changes anything.
    this.setParams(decodeHostArray(s.loc, `${what}: "loc"`), decodeHostArray(s.scale, `${what}: "scale"`), what);
  }

  /** Whether loc and scale are set (given, or fitted by `initStats`). */
  get initialized(): boolean {
    return this.locValue !== null;
  }

  /** The location (a copy), or null before it is set. */
  get loc(): HostArray<"float32"> | null {
    return this.locValue === null ? null : this.locValue.clone();
  }

  /** The scale (a copy), or null before it is set. */
  get scale(): HostArray<"float32"> | null {
    return this.scaleValue === null ? null : this.scaleValue.clone();
  }

  /**
   * Fits loc and scale to the statistics of `numIter` frames of `key` (TorchRL's `init_stats`): random-action
   * rollouts of the env below this transform (the base env and the transforms before it; the first of them
   * resets the env, so reset it again afterwards), each read at the root (`[...batch, T, ...features]`),
   * concatenated along `catDim`, then mean and unbiased std over `reduceDim`. With `standardNormal`,
   * loc = mean and scale = max(std, eps); otherwise scale = 1 / max(std, eps) and loc = -mean * scale, so
   * both modes standardize. Replaces any previous loc and scale.
   */
  initStats(numIter: number, options: InitStatsOptions = {}): void {
    const what = "ObservationNorm.initStats()";
    if (!(Number.isInteger(numIter) && numIter >= 2))
      throw new Error(`${what}: numIter must be an integer >= 2, got ${String(numIter)}`);
    const reduceList =
      typeof options.reduceDim === "number" || options.reduceDim === undefined
        ? [options.reduceDim ?? 0]
        : [...options.reduceDim];
    let catDim = options.catDim;
    if (catDim === undefined) {
      if (reduceList.length !== 1)
        throw new Error(`${what}: catDim must be given when reduceDim has several dims ([${reduceList.join(", ")}])`);
      catDim = reduceList[0]!;
    }
    const key = options.key ?? this.inKeys[0]!;
    if (options.key === undefined && this.inKeys.length > 1) {
      throw new Error(
        `${what}: the transform has several inKeys (${this.inKeys.join(", ")}); say which one to fit with "key"`,
      );
    }
    const parent = this.parent;
    if (parent === null)
      throw new Error(`${what}: the transform is not in a TransformedEnv, so there is no env to roll out`);
    const spec = parent.observationSpec;
    if (!spec.has(key) || !(spec.get(key) instanceof TensorSpec)) {
      const found = spec.keys({ nested: true, leavesOnly: true }).join(", ") || "(none)";
      throw new Error(
        `ObservationNorm: key "${key}" not found in the observation spec of the env below (${what}); it has keys: ${found}`,
      );
    }
    const featureShape = featureShapeOf(parent, key);
    // The collected data is [...batch, T, ...features]: the options are checked against that before rolling out.
    const collectedShape = [...parent.batchSize, numIter, ...featureShape];
    const rank = collectedShape.length;
    const norm = (d: number, role: string): number => {
      const r = d < 0 ? d + rank : d;
      if (!Number.isInteger(d) || r < 0 || r >= rank)
        throw new Error(
          `${what}: ${role} ${String(d)} is out of range for "${key}" collected as ${formatShape(collectedShape)} ([...batch, T, ...features])`,
        );
      return r;
    };
    const reduceDims = reduceList.map((d) => norm(d, "reduceDim"));
    if (new Set(reduceDims).size !== reduceDims.length)
      throw new Error(`${what}: reduceDim [${reduceList.join(", ")}] names a dim twice`);
    const cat = norm(catDim, "catDim");
    if (!reduceDims.includes(cat))
      throw new Error(`${what}: catDim ${catDim} must be one of reduceDim [${reduceList.join(", ")}]`);
    const keepDims = (options.keepDims ?? []).map((d) => norm(d, "keepDims"));
    for (const [i, d] of keepDims.entries()) {
      if (!reduceDims.includes(d))
        throw new Error(
          `${what}: keepDims entry ${options.keepDims![i]} is not one of reduceDim [${reduceList.join(", ")}]`,
        );
    }
    const data = collectFrames(parent, key, numIter, cat, what, (td) =>
      this.missingKey(key, td, `${what}'s rollout of ${parent.name}`),
    );
    const stats = reduceMeanStd(data, reduceDims, keepDims, what);
    const mean = stats.mean.data;
    const std = stats.std.data;
    const locOut = new Float32Array(mean.length);
    const scaleOut = new Float32Array(std.length);
    for (let i = 0; i < mean.length; i++) {
      const s = Math.max(std[i]!, this.eps);
      if (this.standardNormal) {
        locOut[i] = mean[i]!;
        scaleOut[i] = s;
      } else {
        scaleOut[i] = 1 / s;
        locOut[i] = -mean[i]! / s;
      }
    }
    const loc = new HostArray("float32", stats.mean.shape, locOut);
    const scale = new HostArray("float32", stats.mean.shape, scaleOut);
    // Reject a shape that cannot broadcast now, while the caller still knows which options produced it.
    expandToFeatures(
      loc,
      featureShape,
      `${what}: the fitted loc/scale (reduceDim [${reduceList.join(", ")}], keepDims [${(options.keepDims ?? []).join(", ")}] of "${key}" ${formatShape(data.shape)})`,
    );
    this.setParams(loc, scale, what);
  }

  /**
   * @internal What this transform maps `float32(v / 255)` to, for every byte value `v` (what ToTensorImage
   * makes of a byte), on leaves of `shape` with `batchDims` batch dims; null when loc and scale are not set
   * or vary per element. The fused ToTensorImage -> ObservationNorm pass looks bytes up in it. Computed by
   * the arithmetic of `transformLeaf` and cached with the coefficients, so every change of loc and scale
   * (`initStats`, `loadState`) drops it: no fused pass can hold a stale copy.
   */
  unitByteTable(shape: Shape, batchDims: number, key: string): Float32Array | null {
    if (this.locValue === null) return null;
    const coefficients = this.coefficientsOf(shape, batchDims, key);
    if (!coefficients.uniform) return null;
    if (coefficients.unitTable === undefined) {
      const table = new Float32Array(256);
      applyUniform(UNIT_FLOAT, coefficients, table);
      coefficients.unitTable = table;
    }
    return coefficients.unitTable;
  }

  protected override transformLeaf(leaf: HostArray, key: string, batchDims: number): HostArray {
    const coefficients = this.coefficientsOf(leaf.shape, batchDims, key);
    const { shift, mul, post, uniform } = coefficients;
    const src = leaf.data;
    const out = new Float32Array(src.length);
    if (uniform) {
      applyUniform(src, coefficients, out);
      return new HostArray("float32", leaf.shape, out);
    }
    const f = mul.length;
    for (let base = 0; base < src.length; base += f) {
      for (let j = 0; j < f; j++) out[base + j] = (src[base + j]! - shift[j]!) * mul[j]! + post[j]!;
    }
    return new HostArray("float32", leaf.shape, out);
  }

  protected override transformLeafSpec(spec: TensorSpec, key: string, batchDims: number): TensorSpec {
    const unbounded = new Unbounded({ shape: spec.shape, dtype: "float32" });
    if (!(spec instanceof Bounded) || this.locValue === null) return unbounded;
    // The same arithmetic as transformLeaf, so every output lies inside the transformed bounds.
    const { shift, mul, post } = this.coefficientsFor(spec.shape.slice(batchDims), key);
    const f = mul.length;
    let finite = true;
    const map = (bound: HostArray): HostArray<"float32"> => {
      const out = new Float32Array(bound.size);
      for (let i = 0; i < out.length; i++) {
        const j = i % f;
        out[i] = (bound.data[i]! - shift[j]!) * mul[j]! + post[j]!;
        finite &&= Number.isFinite(out[i]!);
      }
      return new HostArray("float32", bound.shape, out);
    };
    const low = map(spec.low);
    const high = map(spec.high);
    // Bounds as wide as float32 itself (CartPole's velocities) overflow: those are no bounds at all.
    return finite ? new Bounded({ low, high, shape: spec.shape, dtype: "float32" }) : unbounded;
  }

  /** `coefficientsFor` the feature dims of leaves of `shape`. */
  private coefficientsOf(shape: Shape, batchDims: number, key: string): Coefficients {
    // Env leaves of one key share one frozen shape array: the coefficients are found without a lookup.
    const last = this.last;
    if (last !== null && last.shape === shape && last.batchDims === batchDims) return last.coefficients;
    const coefficients = this.coefficientsFor(shape.slice(batchDims), key);
    this.last = { shape, batchDims, coefficients };
    return coefficients;
  }

  /** `out = (x - shift) * mul + post` per feature element: standard normal is shift = loc, mul = 1 / scale. */
  private coefficientsFor(featureShape: Shape, key: string): Coefficients {
    const id = featureShape.join(",");
    const cached = this.coefficients.get(id);
    if (cached !== undefined) return cached;
    if (this.locValue === null || this.scaleValue === null) {
      throw new Error(
        `ObservationNorm: loc and scale of "${key}" are not set; pass them to the constructor or call initStats() first`,
      );
    }
    const what = `ObservationNorm: "${key}"`;
    const loc = expandToFeatures(this.locValue, featureShape, `${what}: loc`);
    const scale = expandToFeatures(this.scaleValue, featureShape, `${what}: scale`);
    const zeros = new Float64Array(loc.length);
    // Subtracting loc before scaling maps a constant input to exactly 0 (x / s - loc / s would not).
    const parts = this.standardNormal
      ? { shift: loc, mul: scale.map((s) => 1 / s), post: zeros }
      : { shift: zeros, mul: scale, post: loc };
    const same = (a: Float64Array) => a.every((v) => v === a[0]);
    const entry = { ...parts, uniform: same(parts.shift) && same(parts.mul) && same(parts.post) };
    this.coefficients.set(id, entry);
    return entry;
  }

  private setParams(loc: number | HostArray, scale: number | HostArray, what: string): void {
    const l = toFloat32(loc, `${what}: loc`);
    const s = toFloat32(scale, `${what}: scale`);
    for (let i = 0; i < l.size; i++)
      if (!Number.isFinite(l.data[i]!))
        throw new Error(`${what}: loc holds ${l.data[i]} at flat index ${i}; it must be finite`);
    for (let i = 0; i < s.size; i++) {
      const v = s.data[i]!;
      if (!(Number.isFinite(v) && v > 0))
        throw new Error(`${what}: scale holds ${v} at flat index ${i}; it must be positive and finite`);
    }
    if (this.standardNormal) for (let i = 0; i < s.size; i++) s.data[i] = Math.max(s.data[i]!, this.eps);
    this.locValue = l;
    this.scaleValue = s;
    this.coefficients = new Map();
    this.last = null;
    this.specsChanged();
  }
}

/** `out[i] = (src[i] - shift) * mul + post` with one loc and scale for every element: no per-element coefficient loads. */
function applyUniform(src: ArrayLike<number>, coefficients: Coefficients, out: Float32Array): void {
  const s = coefficients.shift[0] ?? 0;
  const m = coefficients.mul[0] ?? 1;
  const p = coefficients.post[0] ?? 0;
  for (let i = 0; i < src.length; i++) out[i] = (src[i]! - s) * m + p;
}

function toFloat32(value: number | HostArray, what: string): HostArray<"float32"> {
  if (typeof value === "number") return HostArray.from("float32", [], [value]);
  if (!(value instanceof HostArray)) throw new Error(`${what}: expected a number or a HostArray, got ${typeof value}`);
  return new HostArray("float32", value.shape, Float32Array.from(value.data));
}

/**
 * Random-action rollouts of `env` (each stopping at its first done) until `numIter` frames of `key` are
 * collected, each asking only for the frames still missing; the root entries of `key`, concatenated along
 * `catDim` (non-negative).
 */
function collectFrames(
  env: EnvBase,
  key: string,
  numIter: number,
  catDim: number,
  what: string,
  missing: (td: TensorDict) => Error,
): HostArray {
  const perStep = sizeOf(env.batchSize);
  const parts: HostArray[] = [];
  let collected = 0;
  while (collected < numIter) {
    const rollout = env.rollout(Math.ceil((numIter - collected) / perStep));
    if (!rollout.has(key)) throw missing(rollout);
    const value = rollout.get(key) as unknown;
    if (!(value instanceof HostArray)) throw new Error(`${what}: "${key}" in the rollout is not a host array`);
    parts.push(value);
    collected += rollout.numel;
  }
  return catHost(parts, catDim, what);
}

/** The feature shape (dims after the batch) of `key` in `env`'s observation spec. */
function featureShapeOf(env: EnvBase, key: string): Shape {
  const spec = env.observationSpec;
  const leaf = spec.has(key) ? spec.get(key) : null;
  return leaf instanceof TensorSpec ? leaf.shape.slice(env.batchSize.length) : [];
}

/** Mean and unbiased standard deviation of data over some dims, as `initStats` computes them. */
export interface NormStats {
  readonly mean: HostArray<"float32">;
  readonly std: HostArray<"float32">;
}

/**
 * Mean and unbiased (n - 1) standard deviation of `data` over `reduceDims` (non-negative, distinct), in
 * float64: torch's `mean(dims, keepdim=True)` / `std(dims, keepdim=True)`, then every reduced dim not in
 * `keepDims` squeezed away. Two passes (mean, then squared deviations), so large offsets such as pixel
 * values do not cancel the variance.
 */
export function reduceMeanStd(
  data: HostArray,
  reduceDims: readonly number[],
  keepDims: readonly number[],
  what: string,
): NormStats {
  const shape = data.shape;
  const rank = shape.length;
  const reduced = new Uint8Array(rank);
  for (const d of reduceDims) reduced[d] = 1;
  let count = 1;
  for (let d = 0; d < rank; d++) if (reduced[d] === 1) count *= shape[d]!;
  if (count < 2) {
    throw new Error(
      `${what}: reducing shape ${formatShape(shape)} over dims [${reduceDims.join(", ")}] leaves ${count} sample(s) per statistic; the standard deviation needs at least 2`,
    );
  }
  // outStride[d]: how far one step along dim d moves in the (keepdim) output; 0 along reduced dims.
  const outStride = new Array<number>(rank).fill(0);
  let outSize = 1;
  for (let d = rank - 1; d >= 0; d--) {
    if (reduced[d] === 0) {
      outStride[d] = outSize;
      outSize *= shape[d]!;
    }
  }
  const src = data.data;
  const sum = new Float64Array(outSize);
  forEachOutputIndex(shape, outStride, (i, o) => {
    sum[o]! += src[i]!;
  });
  const mean = sum.map((s) => s / count);
  const ssd = new Float64Array(outSize);
  forEachOutputIndex(shape, outStride, (i, o) => {
    const dev = src[i]! - mean[o]!;
    ssd[o]! += dev * dev;
  });
  const outShape: number[] = [];
  for (let d = 0; d < rank; d++) {
    if (reduced[d] === 0) outShape.push(shape[d]!);
    else if (keepDims.includes(d)) outShape.push(1);
  }
  return {
    mean: new HostArray("float32", outShape, Float32Array.from(mean)),
    std: new HostArray(
      "float32",
      outShape,
      Float32Array.from(ssd, (s) => Math.sqrt(s / (count - 1))),
    ),
  };
}

/** Calls `fn(flatIndex, outputIndex)` for every element, walking the multi-index like an odometer. */
function forEachOutputIndex(shape: Shape, outStride: readonly number[], fn: (i: number, o: number) => void): void {
  const rank = shape.length;
  const size = sizeOf(shape);
  if (rank === 0) {
    if (size === 1) fn(0, 0);
    return;
  }
  const last = rank - 1;
  const n = shape[last]!;
  const step = outStride[last]!;
  const counter = new Array<number>(rank).fill(0);
  let base = 0;
  for (let i = 0; i < size; i += n) {
    for (let k = 0; k < n; k++) fn(i + k, base + k * step);
    // Advance the dims before the last one.
    for (let d = last - 1; d >= 0; d--) {
      counter[d]! += 1;
      base += outStride[d]!;
      if (counter[d]! < shape[d]!) break;
      base -= outStride[d]! * shape[d]!;
      counter[d] = 0;
    }
  }
}

/** Concatenates host arrays of one dtype along `dim`; the other dims must agree. */
export function catHost(parts: readonly HostArray[], dim: number, what: string): HostArray {
  const first = parts[0];
  if (first === undefined) throw new Error(`${what}: nothing to concatenate`);
  const rank = first.rank;
  for (const [i, p] of parts.entries()) {
    const same =
      p.rank === rank && p.dtype === first.dtype && p.shape.every((n, d) => d === dim || n === first.shape[d]);
    if (!same) {
      throw new Error(
        `${what}: rollout ${i} gave ${p.dtype}${formatShape(p.shape)}, which does not concatenate along dim ${dim} with rollout 0's ${first.dtype}${formatShape(first.shape)}`,
      );
    }
  }
  if (parts.length === 1) return first;
  const outer = sizeOf(first.shape.slice(0, dim));
  const inner = sizeOf(first.shape.slice(dim + 1));
  const total = parts.reduce((s, p) => s + p.shape[dim]!, 0);
  const shape = first.shape.map((n, d) => (d === dim ? total : n));
  const out = new HostArray(first.dtype, shape);
  const dst = out.data;
  let offset = 0;
  for (let o = 0; o < outer; o++) {
    for (const p of parts) {
      const chunk = p.shape[dim]! * inner;
      dst.set(p.data.subarray(o * chunk, (o + 1) * chunk), offset);
      offset += chunk;
    }
  }
  return out;
}

/**
 * `value` expanded to `featureShape` (NumPy broadcasting, aligned on the right). Leading size-1 dims beyond
 * the feature rank are dropped: they could only broadcast against batch dims, where they change nothing.
 */
export function expandToFeatures(value: HostArray, featureShape: Shape, what: string): Float64Array {
  let shape = [...value.shape];
  while (shape.length > featureShape.length && shape[0] === 1) shape = shape.slice(1);
  const offset = featureShape.length - shape.length;
  const ok = offset >= 0 && shape.every((n, d) => n === 1 || n === featureShape[d + offset]);
  if (!ok)
    throw new Error(
      `${what}: shape ${formatShape(value.shape)} does not broadcast to the observation's feature shape ${formatShape(featureShape)}`,
    );
  const size = sizeOf(featureShape);
  const out = new Float64Array(size);
  const src = value.data;
  for (let flat = 0; flat < size; flat++) {
    let rest = flat;
    let source = 0;
    let stride = 1;
    for (let d = featureShape.length - 1; d >= offset; d--) {
      const n = featureShape[d]!;
      const k = rest % n;
      rest = Math.floor(rest / n);
      const f = shape[d - offset]!;
      if (f !== 1) source += k * stride;
      stride *= f;
    }
    out[flat] = src[source]!;
  }
  return out;
}
