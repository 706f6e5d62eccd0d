import { brandClass } from "../brand";
import { isDType, tfDTypeOf, type DType } from "../dtype";
import { HostArray } from "../host-array";
import { isTensor, type Leaf } from "../leaf";
import type { Rng } from "../rng/rng";
import { describeValue, leafHint } from "../describe-value";
import { assertValidShape, formatShape, shapesEqual, sizeOf, type Shape } from "../shape";
import { specMismatch, unravelIndex, type SpecMismatch } from "./spec-mismatch";

/**
 * The base of every leaf spec (`Unbounded`, `Bounded`, `Categorical`, `OneHot`, `Binary`): the shape
 * (batch dims included, as in TorchRL) and dtype of one TensorDict leaf, and the set of values it may hold.
 * Specs work on host arrays only; a tfjs tensor given to `assert` / `isInRange` / `mismatch` is read with
 * `dataSync()`.
 *
 * @example
 * const spec: TensorSpec<"float32"> = new Bounded({ low: -1, high: 1, shape: [2] });
 * spec.mismatch(HostArray.from("float32", [2], [0, 3])); // 'value 3 at index [1] is out of bounds [-1, 1]'
 * spec.findMismatch(HostArray.from("float32", [2], [0, 3]))?.kind; // "value" (with index [1], value "3", ...)
 */
export abstract class TensorSpec<D extends DType = DType> {
  static {
    brandClass(this, "TensorSpec");
  }

  /** The class name used in messages (not `constructor.name`, which minifiers rename). */
  readonly kind: string;
  readonly shape: Shape;
  readonly dtype: D;

  protected constructor(kind: string, shape: Shape, dtype: D) {
    this.kind = kind;
    if (!isDType(dtype))
      throw new Error(`${this.kind}: unknown dtype ${JSON.stringify(dtype)}; expected float32, int32, uint8 or bool`);
    if (!Array.isArray(shape)) throw new Error(`${this.kind}: shape must be an array of dims, got ${String(shape)}`);
    assertValidShape(shape, this.kind);
    this.shape = Object.freeze([...shape]);
    this.dtype = dtype;
  }

  /** An all-zero value. As in TorchRL, zero need not be inside the spec's domain (e.g. `Bounded` [1, 2]). */
  zero(): HostArray<D> {
    return HostArray.zeros(this.dtype, this.shape);
  }

  /** A random value inside the domain, drawn from `rng` only. */
  abstract rand(rng: Rng): HostArray<D>;

  /** A copy of `x` moved into the domain (see each spec for how); `x` must have the spec's shape. */
  abstract project(x: HostArray): HostArray<D>;

  /**
   * The same spec with the whole new `shape`, as TorchRL's `expand(*shape)`: its trailing dims must equal the
   * spec's shape (a dim of 1 may grow, as in `torch.expand`), so `expand([8, 4])` turns `[4]` into `[8, 4]`.
   */
  abstract expand(shape: Shape): TensorSpec<D>;

  abstract clone(): TensorSpec<D>;

  abstract toString(): string;

  /** Why `x` is not a valid value (shape, dtype or the first value out of the domain), or null if it is. */
  mismatch(x: Leaf): string | null {
    return this.findMismatch(x)?.message ?? null;
  }

  /** What `mismatch` says, as data: the kind of problem, and the index and value or the shapes or dtypes involved. */
  findMismatch(x: Leaf): SpecMismatch | null {
    const isHost = x instanceof HostArray;
    if (!isHost && !isTensor(x)) return specMismatch({ kind: "type", actual: `${describeValue(x)}${leafHint(x)}` });
    if (!shapesEqual(x.shape, this.shape))
      return specMismatch({ kind: "shape", expected: this.shape, actual: x.shape });
    if (isHost ? x.dtype !== this.dtype : x.dtype !== tfDTypeOf(this.dtype)) {
      const tfDType = tfDTypeOf(this.dtype);
      const expected =
        isHost || (tfDType as DType) === this.dtype ? this.dtype : `${tfDType} (tfjs has no ${this.dtype})`;
      return specMismatch({ kind: "dtype", expected, actual: isHost ? x.dtype : `a tensor of dtype ${x.dtype}` });
    }
    const values: ArrayLike<number> = isHost ? x.data : (x.dataSync() as ArrayLike<number>);
    return dtypeViolation(this.dtype, this.shape, values) ?? this.findViolation(values);
  }

  /** Whether `x` has the spec's shape and dtype and every value is inside the domain. */
  isInRange(x: Leaf): boolean {
    return this.mismatch(x) === null;
  }

  /**
   * Throws unless `x` is a valid value; the message names `key`, the offending value and its index, and
   * what was expected, e.g. `Bounded.assert("action"): value 3 at index [1] is out of bounds [0, 1]`.
   */
  assert(x: Leaf, key?: string): void {
    const problem = this.mismatch(x);
    if (problem !== null)
      throw new Error(`${this.kind}.assert${key === undefined ? "" : `(${JSON.stringify(key)})`}: ${problem}`);
  }

  /** Same kind, shape, dtype and parameters. */
  equals(other: unknown): boolean {
    return (
      other instanceof TensorSpec &&
      other.kind === this.kind &&
      other.dtype === this.dtype &&
      shapesEqual(other.shape, this.shape) &&
      this.sameParameters(other as this)
    );
  }

  /** The first value outside the domain; the shape and dtype are already checked. */
  protected abstract findViolation(values: ArrayLike<number>): SpecMismatch | null;

  /** Whether the spec-specific parameters (bounds, n) of `other`, of the same kind, equal these. */
  protected abstract sameParameters(other: this): boolean;

  /** Checks a `project` input and returns its values; NaN has no place in any domain, so it is an error. */
  protected projectInput(x: HostArray): ArrayLike<number> {
    if (!(x instanceof HostArray)) {
      throw new Error(
        `${this.kind}.project: expected a HostArray${isTensor(x) ? " (read tensors to the host first)" : ""}, got ${describeValue(x)}`,
      );
    }
    if (!shapesEqual(x.shape, this.shape)) {
      throw new Error(`${this.kind}.project: expected shape ${formatShape(this.shape)}, got ${formatShape(x.shape)}`);
    }
    const values = x.data;
    for (let i = 0; i < values.length; i++) {
      if (Number.isNaN(values[i]))
        throw new Error(`${this.kind}.project: value NaN at index ${formatIndex(this.shape, i)} cannot be projected`);
    }
    return values;
  }

  /**
   * The new `shape` checked against the spec's: it keeps every dim, its trailing dims equal the spec's (or
   * grow from 1, except the last `fixedTrailingDims`). The error shows the call
   * that adds `shape` as batch dims, which is what `expand` took before 0.2.
   */
  protected expandedShape(shape: Shape, fixedTrailingDims = 0): number[] {
    const what = `${this.kind}.expand`;
    if (!Array.isArray(shape)) throw new Error(`${what}: shape must be an array of dims, got ${String(shape)}`);
    assertValidShape(shape, what);
    const own = this.shape;
    const offset = shape.length - own.length;
    const fits =
      offset >= 0 && own.every((d, i) => shape[offset + i] === d || (d === 1 && i < own.length - fixedTrailingDims));
    if (!fits) {
      throw new Error(
        `${what}: the new shape ${formatShape(shape)} must end with the spec's shape ${formatShape(own)} (the whole new shape, as TorchRL's expand: to add batch dims ${formatShape(shape)}, give ${formatShape([...shape, ...own])})`,
      );
    }
    return [...shape];
  }
}

/** `[i, j, k]`: the multi-index of flat (row-major) position `flat` in `shape`. */
export function formatIndex(shape: Shape, flat: number): string {
  return formatShape(unravelIndex(shape, flat));
}

/** A `"value"` mismatch: the element at flat position `flat` of a leaf of `shape`. */
export function valueMismatch(shape: Shape, flat: number, value: string, problem: string): SpecMismatch {
  return specMismatch({ kind: "value", index: unravelIndex(shape, flat), value, problem });
}

/** A number as short as it can be written and still read back as the same `dtype` value (0.1, not 0.10000000149011612). */
export function formatValue(value: number, dtype: DType): string {
  if (dtype !== "float32" || !Number.isFinite(value) || Number.isInteger(value)) return String(value);
  for (let digits = 1; digits < 9; digits++) {
    const short = Number(value.toPrecision(digits));
    if (Math.fround(short) === value) return String(short);
  }
  return String(value);
}

/** Bool data must be 0 or 1 (a Uint8Array can hold any byte); a uint8 spec read from an int32 tensor must fit a byte. */
function dtypeViolation(dtype: DType, shape: Shape, values: ArrayLike<number>): SpecMismatch | null {
  if (dtype === "bool") {
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (v !== 0 && v !== 1) return valueMismatch(shape, i, String(v), "is not a bool (0 or 1)");
    }
  } else if (dtype === "uint8") {
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (!(v >= 0 && v <= 255)) return valueMismatch(shape, i, String(v), "does not fit uint8 [0, 255]");
    }
  }
  return null;
}

/** Rounds half to even, like `torch.round`. */
export function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

const DTYPE_RANGE: Record<DType, readonly [number, number]> = {
  float32: [-Infinity, Infinity],
  int32: [-2147483648, 2147483647],
  uint8: [0, 255],
  bool: [0, 1],
};

/** The smallest and largest value a dtype holds. */
export function dtypeRange(dtype: DType): readonly [number, number] {
  return DTYPE_RANGE[dtype];
}

/**
 * `v` turned into a value of `dtype` by the rules all projections share: floats pass through, integers are
 * rounded half to even and clamped to the dtype's range, bools are thresholded at 0.5.
 */
export function castValue(v: number, dtype: DType): number {
  if (dtype === "float32") return v;
  if (dtype === "bool") return v >= 0.5 ? 1 : 0;
  const [lo, hi] = DTYPE_RANGE[dtype];
  return Math.min(Math.max(roundHalfEven(v), lo), hi);
}

/** Whether `dtype` stores `v` exactly (integers for integer dtypes, 0/1 for bool, float32-representable for float32). */
export function fitsDType(v: number, dtype: DType): boolean {
  if (dtype === "float32") return Math.fround(v) === v || Number.isNaN(v);
  const [lo, hi] = DTYPE_RANGE[dtype];
  return Number.isInteger(v) && v >= lo && v <= hi;
}

/** `[a, b, c]` for short value lists, the head and a count for long ones; one value when all are equal. */
export function formatValues(values: ArrayLike<number>, dtype: DType): string {
  if (values.length > 0 && Array.prototype.every.call(values, (v: number) => v === values[0]))
    return formatValue(values[0]!, dtype);
  const shown = Array.prototype.slice.call(values, 0, 6).map((v: number) => formatValue(v, dtype));
  return values.length > 6 ? `[${shown.join(", ")}, ... (${values.length} values)]` : `[${shown.join(", ")}]`;
}

/** A new host array of `dtype` and `shape` whose elements are `fn(i)`. */
export function buildHost<D extends DType>(dtype: D, shape: Shape, fn: (i: number) => number): HostArray<D> {
  const out = HostArray.zeros(dtype, shape);
  const data = out.data;
  const n = sizeOf(shape);
  for (let i = 0; i < n; i++) data[i] = fn(i);
  return out;
}
