import {
  checkOptions,
  type OptionKeys,
  Binary,
  Bounded,
  Categorical,
  HostArray,
  TensorDict,
  type TensorSpec,
  Unbounded,
  formatShape,
  shapesEqual,
  sizeOf,
  type DType,
  type Shape,
  type TypedArrayOf,
  decodeHostArray,
  decodeTypedArray,
  encodeHostArray,
  encodeTypedArray,
  isDType,
  type JsonValue,
  type Leaf,
} from "@tdrl/tensordict";
import { Transform } from "./transform";

const CAT_FRAMES_OPTION_KEYS = {
  dim: true,
  inKeys: true,
  outKeys: true,
  padding: true,
  paddingValue: true,
  doneKey: true,
} satisfies OptionKeys<CatFramesOptions>;

export interface CatFramesOptions<K extends string = string> {
  /** The dim to concatenate along, negative (counted from the end of each leaf, so batch-size independent). */
  dim: number;
  /** Keys to stack (default `["pixels"]`). */
  inKeys?: readonly string[];
  /** Where the stacks go (default: `inKeys`). */
  outKeys?: readonly K[];
  /** `"same"` (default) fills the window of a new episode with its first frame; `"constant"` with `paddingValue`. */
  padding?: CatFramesPadding;
  /** Default 0. */
  paddingValue?: number;
  /** The done key that separates episodes in a standalone (replay) record (default `"done"`, read in `"next"`). */
  doneKey?: string;
}

/**
 * Stacks each key's last `n` frames along `dim` (TorchRL's `CatFrames`), oldest first: `[84, 84, 1]` frames
 * with `dim: -1` and `n = 4` give `[84, 84, 4]`. In an env, a reset fills the window of each reset sub-env
 * with its first frame (or the padding constant, then the frame) and a step drops the oldest frame; a
 * partial reset refills only the reset sub-envs' windows. Standalone, `forward` stacks a replay sample of
 * batch size `[..., T]` (time last) from its per-step frames, the same windows the env gave online: slots
 * before the start of an episode (the sample's first step, or a step after `("next", doneKey)`) are padded,
 * and `("next", key)`, when present, gets the window that ends with it.
 *
 * Where it differs from TorchRL: frames are kept in a ring of `n` slots per sub-env (a step copies one
 * frame, not the whole window); `dim` must fall inside the feature dims (TorchRL only asks that it be
 * negative); and a standalone record without its done flags is an error naming the key, not a silent
 * cross-episode window.
 *
 * @example
 * import { HostArray, TensorDict } from "@tdrl/tensordict";
 * import { CatFrames } from "@tdrl/transforms";
 * // A replay sample of 3 steps of one-number frames; the episode ends after step 0.
 * const sample = new TensorDict(
 *   {
 *     observation: HostArray.from("float32", [3, 1], [1, 2, 3]),
 *     next: { observation: HostArray.from("float32", [3, 1], [9, 3, 4]), done: HostArray.from("bool", [3, 1], [1, 0, 0]) },
 *   },
 *   [3],
 * );
 * new CatFrames(2, { dim: -1, inKeys: ["observation"] }).forward(sample);
 * sample.getHost("observation").data; // Float32Array [1, 1, 2, 2, 2, 3]
 * sample.getHost("next.observation").data; // Float32Array [1, 9, 2, 3, 3, 4]
 */
export class CatFrames<K extends string = never> extends Transform {
  /** In place by default; `outKeys` add keys of the input's dtype. */
  declare readonly addedKeys?: { [P in K]: Leaf };

  readonly n: number;
  readonly dim: number;
  readonly padding: CatFramesPadding;
  readonly paddingValue: number;
  readonly doneKey: string;
  private readonly rings = new Map<string, FrameRing>();

  constructor(n: number, options: CatFramesOptions<K>) {
    checkOptions("CatFrames", options, CAT_FRAMES_OPTION_KEYS);
    super({ inKeys: options.inKeys ?? ["pixels"], outKeys: options.outKeys });
    if (!(Number.isInteger(n) && n >= 1)) throw new Error(`CatFrames: n must be a positive integer, got ${String(n)}`);
    const dim = options?.dim;
    if (!(Number.isInteger(dim) && dim < 0))
      throw new Error(
        `CatFrames: dim must be a negative integer (counted from the end, so any batch size works), got ${String(dim)}`,
      );
    const padding = options.padding ?? "same";
    if (padding !== "same" && padding !== "constant")
      throw new Error(`CatFrames: padding must be "same" or "constant", got ${JSON.stringify(padding)}`);
    const paddingValue = options.paddingValue ?? 0;
    if (!Number.isFinite(paddingValue))
      throw new Error(`CatFrames: paddingValue must be a finite number, got ${String(paddingValue)}`);
    this.n = n;
    this.dim = dim;
    this.padding = padding;
    this.paddingValue = paddingValue;
    this.doneKey = options.doneKey ?? "done";
  }

  override get name(): string {
    return "CatFrames";
  }

  /** The frame window of every key (its ring of the last `n` frames per sub-env), bytes exact. */
  override state(): JsonValue {
    const keys: { [key: string]: JsonValue } = {};
    for (const [key, ring] of this.rings) keys[key] = ring.snapshot();
    return { n: this.n, keys };
  }

  override loadState(state: JsonValue): void {
    const what = "CatFrames.loadState()";
    const s = typeof state === "object" && state !== null && !Array.isArray(state) ? state : null;
    if (s === null || s.n !== this.n || typeof s.keys !== "object" || s.keys === null || Array.isArray(s.keys)) {
      throw new Error(`${what}: expected { n: ${this.n}, keys }, got ${JSON.stringify(state)?.slice(0, 80)}`);
    }
    const rings = new Map<string, FrameRing>();
    for (const [key, saved] of Object.entries(s.keys)) {
      if (!this.inKeys.includes(key))
        throw new Error(`${what}: key "${key}" is not one of this CatFrames' inKeys (${this.inKeys.join(", ")})`);
      rings.set(key, FrameRing.restore(saved, this, `${what}: "keys.${key}"`));
    }
    this.rings.clear();
    for (const [key, ring] of rings) this.rings.set(key, ring);
  }

  override reset(input: TensorDict, record: TensorDict, mask: Uint8Array | null): TensorDict {
    void input;
    this.requireKeys(record, this.inKeys, "the reset record");
    const all = mask === null || mask.indexOf(0) === -1;
    // Every key is checked before any window changes, so a rejected reset leaves them all as they were.
    const rings = this.inKeys.map((key) => {
      const leaf = this.hostLeaf(record, key);
      const featureShape = leaf.shape.slice(record.batchDims);
      checkFrameDim(this.dim, featureShape.length, leaf.shape, `CatFrames: "${key}"`);
      const ring = this.rings.get(key);
      if (ring?.fits(leaf.dtype, featureShape, record.numel)) return { key, leaf, ring };
      if (!all)
        throw new Error(
          `CatFrames: a partial reset of "${key}" ${leaf.dtype}${formatShape(leaf.shape)} before a full reset (no window to keep for the other sub-envs)`,
        );
      return { key, leaf, ring: new FrameRing(leaf.dtype, record.numel, featureShape, this) };
    });
    rings.forEach(({ key, leaf, ring }, i) => {
      this.rings.set(key, ring);
      ring.reset(leaf.data, all ? null : mask);
      record.set(this.outKeys[i]!, this.stacked(ring, leaf.shape));
    });
    return record;
  }

  override step(root: TensorDict, next: TensorDict): TensorDict {
    void root;
    this.requireKeys(next, this.inKeys, 'the step\'s "next" record');
    const rings = this.inKeys.map((key) => {
      const leaf = this.hostLeaf(next, key);
      const ring = this.rings.get(key);
      if (ring === undefined) throw new Error(`CatFrames: step before reset; "${key}" has no window yet`);
      if (!ring.fits(leaf.dtype, leaf.shape.slice(next.batchDims), next.numel)) {
        throw new Error(
          `CatFrames: "${key}" is ${leaf.dtype}${formatShape(leaf.shape)} in this step, but its window holds ${ring.numEnvs} x ${ring.dtype}${formatShape(ring.featureShape)} frames`,
        );
      }
      return { leaf, ring };
    });
    rings.forEach(({ leaf, ring }, i) => {
      ring.push(leaf.data);
      next.set(this.outKeys[i]!, this.stacked(ring, leaf.shape));
    });
    return next;
  }

  /** Stacks a standalone record of batch size `[..., T]`; see the class comment. */
  override forward(td: TensorDict): TensorDict {
    if (td.batchDims === 0)
      throw new Error(`CatFrames: forward() needs a record with a time dim (batch size [..., T]), got batch size []`);
    const nextTd = td.has("next") ? td.get("next") : undefined;
    const next = nextTd instanceof TensorDict ? nextTd : null;
    const doneKey = this.doneKey;
    if (next === null || !next.has(doneKey))
      throw this.missingKey(`next.${doneKey}`, td, "the record (it separates the episodes of a replay sample)");
    const done = this.hostLeaf(next, doneKey);
    const steps = sizeOf(td.batchSize);
    if (done.dtype !== "bool" || done.size !== steps) {
      throw new Error(
        `CatFrames: "next.${doneKey}" must be a bool flag per step (shape ${formatShape([...td.batchSize, 1])}), got ${done.dtype}${formatShape(done.shape)}`,
      );
    }
    const outputs: [string, HostArray][] = [];
    for (let i = 0; i < this.inKeys.length; i++) {
      const key = this.inKeys[i]!;
      if (!td.has(key)) throw this.missingKey(key, td, "the record");
      const root = this.hostLeaf(td, key);
      checkFrameDim(this.dim, root.rank - td.batchDims, root.shape, `CatFrames: "${key}"`);
      const nextLeaf = next.has(key) ? this.hostLeaf(next, key) : null;
      if (nextLeaf !== null && (nextLeaf.dtype !== root.dtype || !shapesEqual(nextLeaf.shape, root.shape))) {
        throw new Error(
          `CatFrames: "next.${key}" is ${nextLeaf.dtype}${formatShape(nextLeaf.shape)}, but "${key}" is ${root.dtype}${formatShape(root.shape)}`,
        );
      }
      const out = unfoldFrames(root, nextLeaf, done, td.batchDims, this);
      outputs.push([this.outKeys[i]!, out.root]);
      if (out.next !== null) outputs.push([`next.${this.outKeys[i]!}`, out.next]);
    }
    // Written only once every key has been stacked, so an error leaves the record as it was.
    for (const [key, value] of outputs) td.set(key, value);
    return td;
  }

  protected override transformLeafSpec(spec: TensorSpec, key: string, batchDims: number): TensorSpec {
    checkFrameDim(this.dim, spec.shape.length - batchDims, spec.shape, `CatFrames: "${key}" in the observation spec`);
    const shape = stackedShape(spec.shape, this.dim, this.n);
    if (spec instanceof Bounded)
      return new Bounded({ low: this.tile(spec.low), high: this.tile(spec.high), shape, dtype: spec.dtype });
    if (spec instanceof Unbounded) return new Unbounded({ shape, dtype: spec.dtype });
    if (spec instanceof Categorical) return new Categorical({ n: spec.n, shape, dtype: spec.dtype });
    if (spec instanceof Binary) return new Binary({ shape, dtype: spec.dtype });
    throw new Error(
      `CatFrames: cannot stack "${key}", whose spec is ${spec.toString()} (supported: Bounded, Unbounded, Categorical, Binary)`,
    );
  }

  /** A bound array repeated `n` times along `dim` (every frame of the window has the same bounds). */
  private tile(bound: HostArray): HostArray {
    // The whole bound as one "sub-env": dim lies in the feature dims, so the layout is the same per row.
    const ring = new FrameRing(bound.dtype, 1, bound.shape, this);
    ring.reset(bound.data, null);
    const out = new HostArray(bound.dtype, stackedShape(bound.shape, this.dim, this.n));
    ring.write(out.data);
    return out;
  }

  private stacked(ring: FrameRing, leafShape: Shape): HostArray {
    const out = new HostArray(ring.dtype, stackedShape(leafShape, this.dim, this.n));
    ring.write(out.data);
    return out;
  }
}

/** How the window is filled before an episode has `n` frames (TorchRL's `padding`). */
export type CatFramesPadding = "same" | "constant";

/**
 * Where one frame sits inside the stacked output, per sub-env: the feature dims before `dim` (`outer`),
 * then `dim` (`d` entries) and the dims after it (`inner`). Frame k of the window fills
 * `[o, k * d : (k + 1) * d, ...]` for every outer index o.
 */
interface FrameGeometry {
  readonly outer: number;
  /** `d * inner`: one frame's contiguous run inside one outer index. */
  readonly chunk: number;
  /** Elements of one frame (`outer * chunk`). */
  readonly frame: number;
}

function frameGeometry(featureShape: Shape, dim: number): FrameGeometry {
  const axis = featureShape.length + dim;
  const outer = sizeOf(featureShape.slice(0, axis));
  const chunk = sizeOf(featureShape.slice(axis));
  return { outer, chunk, frame: outer * chunk };
}

/** `featureShape` with dim `dim` (negative) multiplied by `n`. */
function stackedShape(shape: Shape, dim: number, n: number): number[] {
  const axis = shape.length + dim;
  return shape.map((size, d) => (d === axis ? size * n : size));
}

/** The window options `FrameRing` and `unfoldFrames` share with `CatFrames`. */
interface FrameOptions {
  readonly n: number;
  readonly dim: number;
  readonly padding: CatFramesPadding;
  readonly paddingValue: number;
}

/**
 * The last `n` frames of every sub-env, as a ring of `n` slots each: a step writes one frame and moves the
 * head, instead of shifting the whole window; `write` lays the window out oldest to newest.
 */
class FrameRing<D extends DType = DType> {
  readonly dtype: D;
  readonly numEnvs: number;
  readonly featureShape: Shape;
  private readonly n: number;
  private readonly geometry: FrameGeometry;
  private readonly padding: CatFramesPadding;
  private readonly paddingValue: number;
  private readonly slots: TypedArrayOf<D>;
  /** The slot holding each sub-env's newest frame. */
  private readonly head: Int32Array;
  /** Scratch for `write`: where each frame of one window starts in `slots`, oldest first. */
  private readonly sources: Int32Array;

  constructor(dtype: D, numEnvs: number, featureShape: Shape, options: FrameOptions) {
    this.dtype = dtype;
    this.n = options.n;
    this.numEnvs = numEnvs;
    this.featureShape = Object.freeze([...featureShape]);
    this.geometry = frameGeometry(featureShape, options.dim);
    this.padding = options.padding;
    this.paddingValue = options.paddingValue;
    this.slots = new HostArray(dtype, [numEnvs * options.n * this.geometry.frame]).data;
    this.head = new Int32Array(numEnvs);
    this.sources = new Int32Array(options.n);
  }

  /** Whether frames of this dtype and feature shape, for this many sub-envs, go into this ring. */
  fits(dtype: DType, featureShape: Shape, numEnvs: number): boolean {
    return dtype === this.dtype && numEnvs === this.numEnvs && shapesEqual(featureShape, this.featureShape);
  }

  /** The ring as JSON (`CatFrames.state`). */
  snapshot(): JsonValue {
    return {
      dtype: this.dtype,
      numEnvs: this.numEnvs,
      featureShape: [...this.featureShape],
      slots: encodeHostArray(new HostArray(this.dtype, [this.slots.length], this.slots)),
      head: encodeTypedArray(this.head),
    };
  }

  /** A ring from `snapshot()`, checked against the window options (`what` names the field in errors). */
  static restore(saved: unknown, options: FrameOptions, what: string): FrameRing {
    const s = typeof saved === "object" && saved !== null ? (saved as { [key: string]: unknown }) : {};
    if (!isDType(s.dtype)) throw new Error(`${what}.dtype: expected a dtype, got ${JSON.stringify(s.dtype)}`);
    if (!(Number.isInteger(s.numEnvs) && (s.numEnvs as number) >= 1))
      throw new Error(`${what}.numEnvs: expected a positive integer, got ${JSON.stringify(s.numEnvs)}`);
    const shape = s.featureShape;
    if (!(Array.isArray(shape) && shape.every((d) => Number.isInteger(d) && d >= 0)))
      throw new Error(`${what}.featureShape: expected a shape, got ${JSON.stringify(shape)}`);
    checkFrameDim(options.dim, shape.length, shape as number[], what);
    const ring = new FrameRing(s.dtype, s.numEnvs as number, shape as number[], options);
    const slots = decodeHostArray(s.slots, `${what}.slots`);
    if (slots.dtype !== ring.dtype || slots.size !== ring.slots.length) {
      throw new Error(
        `${what}.slots: expected ${ring.slots.length} ${ring.dtype} values, got ${slots.size} ${slots.dtype}`,
      );
    }
    const head = decodeTypedArray(s.head, "int32", `${what}.head`, ring.numEnvs);
    const bad = head.findIndex((h) => h < 0 || h >= ring.n);
    if (bad !== -1) throw new Error(`${what}.head: holds ${head[bad]} at index ${bad}, outside [0, ${ring.n})`);
    ring.slots.set(slots.data);
    ring.head.set(head);
    return ring;
  }

  /** Starts the windows of the sub-envs flagged in `mask` (all when null) from `frames` (one frame per sub-env). */
  reset(frames: ArrayLike<number>, mask: Uint8Array | null): void {
    const { frame } = this.geometry;
    const { n, slots } = this;
    for (let b = 0; b < this.numEnvs; b++) {
      if (mask !== null && mask[b] === 0) continue;
      const base = b * n * frame;
      for (let s = 0; s < n; s++) {
        if (this.padding === "same" || s === n - 1) copyRun(frames, b * frame, slots, base + s * frame, frame);
        else slots.fill(this.paddingValue, base + s * frame, base + (s + 1) * frame);
      }
      this.head[b] = n - 1;
    }
  }

  /** Appends one frame per sub-env, dropping the oldest. */
  push(frames: ArrayLike<number>): void {
    const { frame } = this.geometry;
    const { n } = this;
    for (let b = 0; b < this.numEnvs; b++) {
      const slot = (this.head[b]! + 1) % n;
      this.head[b] = slot;
      copyRun(frames, b * frame, this.slots, (b * n + slot) * frame, frame);
    }
  }

  /** The windows, oldest frame first, concatenated along `dim`, into `out` (`numEnvs * n * frame` elements). */
  write(out: TypedArrayOf<D>): void {
    const { outer, chunk, frame } = this.geometry;
    const { n, slots, sources } = this;
    for (let b = 0; b < this.numEnvs; b++) {
      const head = this.head[b]!;
      for (let k = 0; k < n; k++) sources[k] = (b * n + ((head + 1 + k) % n)) * frame;
      let d = b * n * frame;
      if (chunk >= COPY_RUN_MIN) {
        for (let o = 0; o < outer; o++) {
          for (let k = 0; k < n; k++, d += chunk)
            out.set(slots.subarray(sources[k]! + o * chunk, sources[k]! + (o + 1) * chunk), d);
        }
      } else if (chunk === 1) {
        // Channels-last stacking of one-channel frames (the flagship's): one value per pixel and frame.
        for (let o = 0; o < outer; o++) for (let k = 0; k < n; k++) out[d++] = slots[sources[k]! + o]!;
      } else {
        // A few values per pixel: write the output in order, no call per run.
        for (let o = 0; o < outer; o++) {
          const off = o * chunk;
          for (let k = 0; k < n; k++) {
            const s = sources[k]! + off;
            for (let c = 0; c < chunk; c++) out[d++] = slots[s + c]!;
          }
        }
      }
    }
  }
}

/** Runs shorter than this are copied by a plain loop: a `subarray` per run costs more than it saves. */
const COPY_RUN_MIN = 32;

/** Copies `length` elements from `src[from]` to `dst[to]`. */
function copyRun(
  src: ArrayLike<number>,
  from: number,
  dst: { [i: number]: number; set(a: ArrayLike<number>, offset: number): void },
  to: number,
  length: number,
): void {
  if (length >= COPY_RUN_MIN && ArrayBuffer.isView(src)) {
    dst.set((src as unknown as Float32Array).subarray(from, from + length), to);
    return;
  }
  for (let i = 0; i < length; i++) dst[to + i] = src[from + i]!;
}

/**
 * The offline form of CatFrames, for a replay sample of shape `[...lead, T, ...features]` with time as the
 * last batch dim: the window at step t holds frames t - n + 1 .. t, never reaching back past the start of
 * t's episode (step 0 of the sample, or a step after `done`); slots before it are padded as online. With
 * `next` (the `("next", key)` frames), the next window at t is the root frames t - n + 2 .. t followed by
 * `next[t]`, which is what the env gave online. Returns the root and next windows.
 */
function unfoldFrames(
  root: HostArray,
  next: HostArray | null,
  done: HostArray,
  batchDims: number,
  options: FrameOptions,
): { root: HostArray; next: HostArray | null } {
  const lead = sizeOf(root.shape.slice(0, batchDims - 1));
  const steps = root.shape[batchDims - 1]!;
  const featureShape = root.shape.slice(batchDims);
  const { outer, chunk, frame } = frameGeometry(featureShape, options.dim);
  const { n } = options;
  const outShape = [...root.shape.slice(0, batchDims), ...stackedShape(featureShape, options.dim, n)];
  const rootOut = new HostArray(root.dtype, outShape);
  const nextOut = next === null ? null : new HostArray(root.dtype, outShape);
  const src = root.data;
  const flags = done.data;
  const window = new Int32Array(n);
  const place = (out: TypedArrayOf<DType>, at: number, k: number, source: ArrayLike<number>, s: number): void => {
    for (let o = 0; o < outer; o++) {
      const dst = at + o * n * chunk + k * chunk;
      if (s < 0) out.fill(options.paddingValue, dst, dst + chunk);
      else copyRun(source, s + o * chunk, out, dst, chunk);
    }
  };
  for (let r = 0; r < lead; r++) {
    let start = 0;
    for (let t = 0; t < steps; t++) {
      if (t > 0 && flags[r * steps + t - 1] !== 0) start = t;
      const row = r * steps + t;
      // Source offsets of the n frames of the root window at t (-1: padded with the constant).
      for (let k = 0; k < n; k++) {
        const s = t - n + 1 + k;
        window[k] =
          s >= start ? (r * steps + s) * frame : options.padding === "same" ? (r * steps + start) * frame : -1;
      }
      for (let k = 0; k < n; k++) place(rootOut.data, row * n * frame, k, src, window[k]!);
      if (nextOut !== null) {
        for (let k = 0; k < n - 1; k++) place(nextOut.data, row * n * frame, k, src, window[k + 1]!);
        place(nextOut.data, row * n * frame, n - 1, next!.data, row * frame);
      }
    }
  }
  return { root: rootOut, next: nextOut };
}

/** Checks that `dim` (negative) falls inside the feature dims of a leaf of shape `shape`. */
function checkFrameDim(dim: number, featureRank: number, shape: Shape, what: string): void {
  if (-dim > featureRank) {
    throw new Error(
      `${what}: dim ${dim} is not a feature dim of shape ${formatShape(shape)} (it has ${featureRank} feature dim(s) after the batch dims)`,
    );
  }
}
