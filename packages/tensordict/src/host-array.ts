import { brandClass } from "./brand";
import { allocate, isDType, matchesDType, type DType, type TypedArrayOf } from "./dtype";
import { assertValidShape, formatShape, sizeOf, type Shape } from "./shape";

/**
 * A typed array with a shape and a dtype, living in ordinary JS memory (row-major, no strides).
 * Envs, transforms and replay buffers compute on these without touching the tfjs backend.
 *
 * @example
 * const obs = HostArray.from("float32", [2, 4], [0, 1, 2, 3, 4, 5, 6, 7]);
 * obs.at(1, 2); // 6
 * obs.reshape([8]).shape; // [8], same memory
 */
export class HostArray<D extends DType = DType> {
  static {
    brandClass(this, "HostArray");
  }

  readonly dtype: D;
  readonly shape: Shape;
  readonly data: TypedArrayOf<D>;

  constructor(dtype: D, shape: Shape, data?: TypedArrayOf<D>) {
    if (!isDType(dtype))
      throw new Error(`HostArray: unknown dtype ${JSON.stringify(dtype)}; expected float32, int32, uint8 or bool`);
    assertValidShape(shape, "HostArray");
    const size = sizeOf(shape);
    if (data === undefined) {
      data = allocate(dtype, size);
    } else {
      if (!matchesDType(dtype, data)) {
        throw new Error(
          `HostArray: a ${dtype} array needs a ${allocate(dtype, 0).constructor.name}, got ${data.constructor.name}`,
        );
      }
      if (data.length !== size) {
        throw new Error(`HostArray: shape ${formatShape(shape)} holds ${size} elements, data has ${data.length}`);
      }
    }
    this.dtype = dtype;
    // Shapes are frozen once and then shared: copying one per leaf per env step showed up in profiles.
    this.shape = Object.isFrozen(shape) ? shape : Object.freeze([...shape]);
    this.data = data;
  }

  static zeros<D extends DType>(dtype: D, shape: Shape): HostArray<D> {
    return new HostArray(dtype, shape);
  }

  static full<D extends DType>(dtype: D, shape: Shape, value: number | boolean): HostArray<D> {
    const out = new HostArray(dtype, shape);
    const v = Number(value);
    if (!canHold(dtype, v))
      throw new Error(`HostArray.full: value ${String(value)} cannot be held by ${dtype} (${RANGE_TEXT[dtype]})`);
    out.data.fill(v);
    return out;
  }

  /**
   * Copies `values` (numbers or booleans, flat, row-major) into a new array. A value the dtype cannot hold
   * (NaN, a fraction or a number out of range for int32 / uint8; anything but 0, 1, true, false for bool; a
   * finite number beyond float32's range) is refused with an error naming it, unless `onOutOfRange` asks for
   * an explicit conversion: `"wrap"` converts the way typed arrays do (integers wrap around, NaN becomes 0;
   * bool takes the value's truth), `"clamp"` saturates to the dtype's range (fractions round toward zero;
   * NaN is still refused for integer dtypes). A typed array of the dtype's own kind is copied unchecked.
   *
   * @example
   * HostArray.from("uint8", [2], [300, 7]); // throws: value 300 at index [0] cannot be held by uint8
   * HostArray.from("uint8", [2], [300, 7], { onOutOfRange: "clamp" }).data; // Uint8Array [255, 7]
   */
  static from<D extends DType>(
    dtype: D,
    shape: Shape,
    values: ArrayLike<number | boolean>,
    options: HostArrayFromOptions = {},
  ): HostArray<D> {
    const out = new HostArray(dtype, shape);
    if (values.length !== out.data.length) {
      throw new Error(
        `HostArray.from: shape ${formatShape(shape)} holds ${out.data.length} elements, got ${values.length} values`,
      );
    }
    const mode = options.onOutOfRange ?? "throw";
    if (mode !== "throw" && mode !== "wrap" && mode !== "clamp") {
      throw new Error(`HostArray.from: onOutOfRange must be "throw", "wrap" or "clamp", got ${JSON.stringify(mode)}`);
    }
    fillChecked(out, values, mode);
    return out;
  }
  get size(): number {
    return this.data.length;
  }

  get rank(): number {
    return this.shape.length;
  }

  /** The element at a full multi-index (booleans come back as 0 or 1). */
  at(...index: number[]): number {
    if (index.length !== this.shape.length) {
      throw new Error(`HostArray.at: ${index.length} indices for an array of shape ${formatShape(this.shape)}`);
    }
    let flat = 0;
    for (let i = 0; i < index.length; i++) {
      const n = this.shape[i]!;
      const k = index[i]!;
      if (!Number.isInteger(k) || k < 0 || k >= n) {
        throw new Error(
          `HostArray.at: index ${k} is out of range [0, ${n}) for dimension ${i} of shape ${formatShape(this.shape)}`,
        );
      }
      flat = flat * n + k;
    }
    return this.data[flat]!;
  }

  /** A new array over the same memory: a write through one is seen by the other. */
  reshape(shape: Shape): HostArray<D> {
    const resolved = resolveReshape(this.shape, shape, "HostArray.reshape");
    return new HostArray(this.dtype, resolved, this.data);
  }

  clone(): HostArray<D> {
    return new HostArray(this.dtype, this.shape, this.data.slice() as TypedArrayOf<D>);
  }

  /** Nested JS arrays, for tests and debugging. */
  toNested(): unknown {
    const build = (dim: number, offset: number): unknown => {
      if (dim === this.shape.length) return this.dtype === "bool" ? this.data[offset] !== 0 : this.data[offset];
      const n = this.shape[dim]!;
      const stride = sizeOf(this.shape.slice(dim + 1));
      return Array.from({ length: n }, (_, i) => build(dim + 1, offset + i * stride));
    };
    return build(0, 0);
  }

  toString(): string {
    return `HostArray(${this.dtype}${formatShape(this.shape)})`;
  }
}

/** Resolves one `-1` in a target shape and checks the element count; shared by HostArray and TensorDict. */
export function resolveReshape(from: Shape, to: Shape, what: string): number[] {
  const size = sizeOf(from);
  const unknown = to.filter((d) => d === -1).length;
  if (unknown > 1) throw new Error(`${what}: only one dimension may be -1, got ${formatShape(to)}`);
  const known = to.reduce((p, d) => (d === -1 ? p : p * d), 1);
  const out = to.map((d) => (d === -1 ? (known === 0 ? 0 : size / known) : d));
  if (sizeOf(out) !== size || out.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new Error(`${what}: cannot reshape ${formatShape(from)} (${size} elements) to ${formatShape(to)}`);
  }
  return out;
}

/** What `HostArray.from` does with a value its dtype cannot hold. */
export type OutOfRange = "throw" | "wrap" | "clamp";

export interface HostArrayFromOptions {
  /** Default "throw": refuse the value, naming it. "wrap" and "clamp" convert it explicitly. */
  onOutOfRange?: OutOfRange;
}

const FLOAT32_MAX = 3.4028234663852886e38;

const RANGE_TEXT: Record<DType, string> = {
  float32: `numbers within +-${FLOAT32_MAX}, or NaN and +-Infinity`,
  int32: "integers in [-2147483648, 2147483647]",
  uint8: "integers in [0, 255]",
  bool: "0, 1, true or false",
};

/** Whether `dtype` stores `v` exactly (up to float32 rounding). */
function canHold(dtype: DType, v: number): boolean {
  switch (dtype) {
    case "float32":
      return Math.abs(v) <= FLOAT32_MAX || !Number.isFinite(v) || Math.abs(Math.fround(v)) !== Infinity;
    case "int32":
      return (v | 0) === v;
    case "uint8":
      return (v & 255) === v;
    default:
      return v === 0 || v === 1;
  }
}

function fillChecked(out: HostArray, values: ArrayLike<number | boolean>, mode: OutOfRange): void {
  const data = out.data;
  const dtype = out.dtype;
  // A typed array of the storage's own kind holds only representable values (bool's Uint8Array may not).
  if (dtype !== "bool" && matchesDType(dtype, values as unknown as ArrayBufferView)) {
    data.set(values as ArrayLike<number>);
    return;
  }
  for (let i = 0; i < values.length; i++) {
    const v = Number(values[i]);
    if (canHold(dtype, v)) {
      data[i] = v;
      continue;
    }
    const at = () => `value ${String(values[i])} at index ${formatShape(unravel(i, out.shape))}`;
    if (mode === "throw") {
      throw new Error(
        `HostArray.from: ${at()} cannot be held by ${dtype} (${RANGE_TEXT[dtype]}); pass { onOutOfRange: "wrap" } or { onOutOfRange: "clamp" } to convert it`,
      );
    }
    if (mode === "clamp" && Number.isNaN(v) && dtype !== "float32")
      throw new Error(`HostArray.from: ${at()} cannot be clamped into ${dtype} (${RANGE_TEXT[dtype]})`);
    data[i] = mode === "wrap" ? wrapped(dtype, v) : clamped(dtype, v);
  }
}

function wrapped(dtype: DType, v: number): number {
  // Typed-array stores already wrap int32 / uint8 and round float32; bool takes the truth of the value.
  return dtype === "bool" ? (v !== 0 && !Number.isNaN(v) ? 1 : 0) : v;
}

function clamped(dtype: DType, v: number): number {
  if (dtype === "float32") return Math.max(-FLOAT32_MAX, Math.min(FLOAT32_MAX, v));
  const [lo, hi] = dtype === "int32" ? [-2147483648, 2147483647] : dtype === "uint8" ? [0, 255] : [0, 1];
  return Math.max(lo, Math.min(hi, Math.trunc(v)));
}

function unravel(flat: number, shape: Shape): number[] {
  const index = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    const n = shape[d]!;
    index[d] = flat % n;
    flat = Math.floor(flat / n);
  }
  return index;
}
