import {
  describeValue,
  Binary,
  Bounded,
  Categorical,
  HostArray,
  Unbounded,
  formatShape,
  sizeOf,
  type DType,
  type Shape,
  type TensorSpec,
} from "@tdrl/tensordict";

/** Gymnasium's dtype names a Box may carry; float64 becomes float32, the wider ints int32. */
export type GymDType =
  | "float16"
  | "float32"
  | "float64"
  | "int8"
  | "int16"
  | "int32"
  | "int64"
  | "uint8"
  | "uint16"
  | "uint32"
  | "bool";

/** A number, nested arrays of numbers, or a typed array (flat, row-major). */
export type SpaceValues = number | ArrayLike<number> | readonly SpaceValues[];

/** Gymnasium's `Box(low, high, shape, dtype)`: bounds are scalars or arrays of the space's shape. */
export interface BoxSpace {
  type: "Box";
  low: SpaceValues;
  high: SpaceValues;
  /** Default: the shape of `low` (or `high`) when it is an array, else `[]`. */
  shape?: readonly number[];
  /** Default `"float32"`. */
  dtype?: GymDType;
}

/** Gymnasium's `Discrete(n, start)`: one integer in `[start, start + n)`. */
export interface DiscreteSpace {
  type: "Discrete";
  n: number;
  /** Default 0. */
  start?: number;
}

/** Gymnasium's `MultiDiscrete(nvec, start)`: integers, element `i` in `[start[i], start[i] + nvec[i])`. */
export interface MultiDiscreteSpace {
  type: "MultiDiscrete";
  nvec: SpaceValues;
  /** Default 0; a scalar or an array shaped like `nvec`. */
  start?: SpaceValues;
}

/** Gymnasium's `MultiBinary(n)`: 0/1 flags, `n` of them or of shape `n`. */
export interface MultiBinarySpace {
  type: "MultiBinary";
  n: number | readonly number[];
}

export type GymSpace = BoxSpace | DiscreteSpace | MultiDiscreteSpace | MultiBinarySpace;

const DTYPES: Record<GymDType, DType> = {
  float16: "float32",
  float32: "float32",
  float64: "float32",
  int8: "int32",
  int16: "int32",
  int32: "int32",
  int64: "int32",
  uint8: "uint8",
  uint16: "int32",
  uint32: "int32",
  bool: "bool",
};

/**
 * The tdrl spec of a space, with `batch` in front of its shape (TorchRL's GymEnv mapping): Box to
 * `Bounded` (`Unbounded` when a bound is infinite, as Rng cannot draw from an infinite range), Discrete to
 * `Categorical` (`Bounded` int32 when `start` is not 0), MultiDiscrete to `Categorical` when every `nvec`
 * is equal and `start` is 0, else `Bounded` int32, MultiBinary to `Binary`.
 */
export function specFromSpace(space: GymSpace, batch: Shape, what: string): TensorSpec {
  const single = singleSpec(space, what);
  return batch.length === 0 ? single : single.expand([...batch, ...single.shape]);
}

function singleSpec(space: GymSpace, what: string): TensorSpec {
  if (space === null || typeof space !== "object")
    throw new Error(`${what} must be a space object like { type: "Discrete", n: 2 }, got ${String(space)}`);
  switch (space.type) {
    case "Box":
      return boxSpec(space, what);
    case "Discrete": {
      const { n, start = 0 } = space;
      if (!(Number.isSafeInteger(n) && n >= 1))
        throw new Error(`${what}: Discrete n must be a positive integer, got ${String(n)}`);
      if (!Number.isSafeInteger(start))
        throw new Error(`${what}: Discrete start must be an integer, got ${String(start)}`);
      return start === 0
        ? new Categorical({ n })
        : new Bounded({ low: start, high: start + n - 1, shape: [], dtype: "int32" });
    }
    case "MultiDiscrete": {
      const nvec = readValues(space.nvec, `${what}: MultiDiscrete nvec`);
      const start = broadcastTo(
        readValues(space.start ?? 0, `${what}: MultiDiscrete start`),
        nvec.shape,
        `${what}: MultiDiscrete start`,
      );
      nvec.values.forEach((n) => {
        if (!(Number.isSafeInteger(n) && n >= 1))
          throw new Error(`${what}: MultiDiscrete nvec must hold positive integers, got ${n}`);
      });
      const first = nvec.values[0] ?? 1;
      if (start.every((s) => s === 0) && nvec.values.every((n) => n === first))
        return new Categorical({ n: first, shape: nvec.shape });
      const high = nvec.values.map((n, i) => start[i]! + n - 1);
      return new Bounded({
        low: HostArray.from("int32", nvec.shape, start),
        high: HostArray.from("int32", nvec.shape, high),
        shape: nvec.shape,
        dtype: "int32",
      });
    }
    case "MultiBinary": {
      const shape = typeof space.n === "number" ? [space.n] : [...space.n];
      if (shape.length === 0 || !shape.every((d) => Number.isSafeInteger(d) && d >= 1)) {
        throw new Error(
          `${what}: MultiBinary n must be a positive integer or a shape of them, got ${JSON.stringify(space.n)}`,
        );
      }
      return new Binary({ shape });
    }
    default:
      throw new Error(
        `${what}: unsupported space type ${JSON.stringify((space as { type?: unknown }).type)}; expected Box, Discrete, MultiDiscrete or MultiBinary`,
      );
  }
}

function boxSpec(space: BoxSpace, what: string): TensorSpec {
  const gymDType = space.dtype ?? "float32";
  const dtype = DTYPES[gymDType];
  if (dtype === undefined)
    throw new Error(`${what}: Box dtype ${JSON.stringify(gymDType)} is not one of ${Object.keys(DTYPES).join(", ")}`);
  const low = readValues(space.low, `${what}: Box low`);
  const high = readValues(space.high, `${what}: Box high`);
  const shape = space.shape !== undefined ? [...space.shape] : low.shape.length > 0 ? low.shape : high.shape;
  if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0))
    throw new Error(`${what}: Box shape must hold non-negative integers, got ${JSON.stringify(space.shape)}`);
  const lows = broadcastTo(low, shape, `${what}: Box low`);
  const highs = broadcastTo(high, shape, `${what}: Box high`);
  if ([...lows, ...highs].some((v) => !Number.isFinite(v))) return new Unbounded({ shape, dtype });
  return new Bounded({
    low: HostArray.from(dtype, shape, lows),
    high: HostArray.from(dtype, shape, highs),
    shape,
    dtype,
  });
}

/** A value read as flat numbers with the shape its nesting gives; throws naming `what` on a ragged or non-numeric value. */
export function readValues(value: unknown, what: string): { shape: number[]; values: number[] } {
  const values: number[] = [];
  const shape = walk(value, values, what);
  return { shape, values };
}

function walk(value: unknown, out: number[], what: string): number[] {
  if (typeof value === "number") {
    out.push(value);
    return [];
  }
  if (typeof value === "boolean") {
    out.push(value ? 1 : 0);
    return [];
  }
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    const typed = value as unknown as ArrayLike<number | bigint>;
    for (let i = 0; i < typed.length; i++) out.push(Number(typed[i]));
    return [typed.length];
  }
  if (Array.isArray(value)) {
    let inner: number[] | null = null;
    for (const item of value) {
      const shape = walk(item, out, what);
      if (inner === null) inner = shape;
      else if (formatShape(inner) !== formatShape(shape))
        throw new Error(
          `${what}: ragged nested array (an element of shape ${formatShape(shape)} after ${formatShape(inner)})`,
        );
    }
    return [value.length, ...(inner ?? [])];
  }
  throw new Error(`${what}: expected a number, a boolean, nested arrays or a typed array, got ${describeValue(value)}`);
}

function broadcastTo(read: { shape: number[]; values: number[] }, shape: readonly number[], what: string): number[] {
  const size = sizeOf(shape);
  if (read.shape.length === 0) return new Array<number>(size).fill(read.values[0]!);
  if (read.values.length !== size)
    throw new Error(`${what} has shape ${formatShape(read.shape)}; the space has shape ${formatShape(shape)}`);
  return read.values;
}

/**
 * A value the wrapped env returned, as a host array of `spec`: the number of values must match (nested
 * or flat); float64 rounds to float32, and a value the spec's dtype cannot hold (NaN or 2.5 for an integer
 * space, a number beyond float32's range) is refused, naming it.
 */
export function hostFromValue(value: unknown, spec: TensorSpec, what: string): HostArray {
  const { values } = readValues(value, what);
  const size = sizeOf(spec.shape);
  if (values.length !== size) {
    throw new Error(
      `${what} has ${values.length} value${values.length === 1 ? "" : "s"} (${preview(values)}); ${spec.toString()} needs ${size}`,
    );
  }
  try {
    return HostArray.from(spec.dtype, spec.shape, values);
  } catch (error) {
    throw new Error(`${what}: ${(error as Error).message}`);
  }
}

/** What the wrapped env's `step` receives: a number for a scalar action, nested arrays of numbers otherwise. */
export function valueFromHost(leaf: HostArray): number | NestedNumberArray {
  const data = leaf.data;
  const build = (dim: number, offset: number): number | NestedNumberArray => {
    if (dim === leaf.shape.length) return data[offset]!;
    const n = leaf.shape[dim]!;
    const stride = sizeOf(leaf.shape.slice(dim + 1));
    return Array.from({ length: n }, (_, i) => build(dim + 1, offset + i * stride));
  };
  return build(0, 0);
}

export type NestedNumberArray = (number | NestedNumberArray)[];

function preview(values: readonly number[]): string {
  const shown = values.slice(0, 6).join(", ");
  return values.length > 6 ? `[${shown}, ...]` : `[${shown}]`;
}
