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
    if (!isDType(dtype)) throw new Error(`HostArray: unknown dtype ${JSON.stringify(dtype)}; expected float32, int32, uint8 or bool`);
    assertValidShape(shape, "HostArray");
    const size = sizeOf(shape);
    if (data === undefined) {
      data = allocate(dtype, size);
    } else {
      if (!matchesDType(dtype, data)) {
        throw new Error(`HostArray: a ${dtype} array needs a ${allocate(dtype, 0).constructor.name}, got ${data.constructor.name}`);
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
    out.data.fill(Number(value));
    return out;
  }

  /** Copies `values` (numbers or booleans, flat, row-major) into a new array. */
  static from<D extends DType>(dtype: D, shape: Shape, values: ArrayLike<number | boolean>): HostArray<D> {
    const out = new HostArray(dtype, shape);
    if (values.length !== out.data.length) {
      throw new Error(`HostArray.from: shape ${formatShape(shape)} holds ${out.data.length} elements, got ${values.length} values`);
    }
    for (let i = 0; i < values.length; i++) out.data[i] = Number(values[i]);
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
        throw new Error(`HostArray.at: index ${k} is out of range [0, ${n}) for dimension ${i} of shape ${formatShape(this.shape)}`);
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
