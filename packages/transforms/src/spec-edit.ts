import {
  Binary,
  Bounded,
  Categorical,
  HostArray,
  OneHot,
  type TensorSpec,
  Unbounded,
  formatShape,
  type DType,
  type Shape,
} from "@tdrl/tensordict";

/**
 * Leaf specs rebuilt with a new shape or dtype: what shape and dtype transforms (Unsqueeze, Flatten,
 * DTypeCast) declare for their outputs. The spec's kind and parameters are kept where they still mean
 * something (bounds are carried element by element; a Categorical stays a Categorical); a spec whose
 * meaning depends on its last dim (OneHot, Binary) becomes Unbounded when that dim moves.
 */
export function reshapeSpec(spec: TensorSpec, shape: Shape, what: string): TensorSpec {
  if (spec instanceof Bounded) {
    const b = spec as Bounded<DType>;
    return new Bounded({ low: b.low.reshape(shape), high: b.high.reshape(shape), shape, dtype: b.dtype });
  }
  if (spec instanceof Categorical)
    return new Categorical({ n: (spec as Categorical<DType>).n, shape, dtype: spec.dtype });
  const lastKept =
    shape.length > 0 && spec.shape.length > 0 && shape[shape.length - 1] === spec.shape[spec.shape.length - 1];
  if (spec instanceof Binary && lastKept) return new Binary({ shape, dtype: spec.dtype });
  if (spec instanceof OneHot && lastKept) return new OneHot({ n: (spec as OneHot<DType>).n, shape, dtype: spec.dtype });
  if (spec instanceof Unbounded || spec instanceof Binary || spec instanceof OneHot)
    return new Unbounded({ shape, dtype: spec.dtype });
  throw new Error(`${what}: cannot reshape a ${spec.kind} spec (${spec.toString()}) to ${formatShape(shape)}`);
}

/** The spec of `spec`'s values cast to `dtype` (see `castArray`). */
export function castSpec(spec: TensorSpec, dtype: DType, what: string): TensorSpec {
  const shape = spec.shape;
  if (spec instanceof Bounded) {
    const b = spec as Bounded<DType>;
    return new Bounded({ low: castArray(b.low, dtype, what), high: castArray(b.high, dtype, what), shape, dtype });
  }
  if (spec instanceof Categorical) return new Categorical({ n: (spec as Categorical<DType>).n, shape, dtype });
  if (spec instanceof Binary) return new Binary({ shape, dtype });
  if (spec instanceof OneHot) return new OneHot({ n: (spec as OneHot<DType>).n, shape, dtype });
  if (spec instanceof Unbounded) return new Unbounded({ shape, dtype });
  throw new Error(`${what}: cannot cast a ${spec.kind} spec (${spec.toString()}) to ${dtype}`);
}

const INT_RANGE: Readonly<Record<DType, readonly [number, number]>> = {
  float32: [-Infinity, Infinity],
  int32: [-(2 ** 31), 2 ** 31 - 1],
  uint8: [0, 255],
  bool: [0, 1],
};

/**
 * `x` cast to `dtype`, as PyTorch's `.to(dtype)` does for in-range values: to an integer dtype, floats
 * are truncated toward zero; to bool, any non-zero value is true. Unlike PyTorch (where it is undefined
 * behaviour), an out-of-range value is clamped to the dtype's range, and NaN is an error naming `what`.
 */
export function castArray(x: HostArray, dtype: DType, what: string): HostArray {
  if (x.dtype === dtype) return x.clone();
  const out = new HostArray(dtype, x.shape);
  const src = x.data;
  const dst = out.data;
  if (dtype === "float32") {
    for (let i = 0; i < src.length; i++) dst[i] = src[i]!;
    return out;
  }
  if (dtype === "bool") {
    for (let i = 0; i < src.length; i++) dst[i] = src[i] !== 0 ? 1 : 0;
    return out;
  }
  const [lo, hi] = INT_RANGE[dtype];
  for (let i = 0; i < src.length; i++) {
    const v = src[i]!;
    if (Number.isNaN(v)) throw new Error(`${what}: NaN at flat index ${i} cannot be cast to ${dtype}`);
    const t = Math.trunc(v);
    dst[i] = t < lo ? lo : Math.min(t, hi);
  }
  return out;
}

/** `dims` resolved against an event of rank `rank`: negative dims count from the end. */
export function resolveDim(dim: number, rank: number, what: string): number {
  const d = dim < 0 ? rank + dim : dim;
  if (!Number.isInteger(dim) || d < 0 || d >= rank) {
    throw new Error(
      `${what}: dim ${String(dim)} is out of range for an event of rank ${rank} (dims [${-rank}, ${rank - 1}])`,
    );
  }
  return d;
}
