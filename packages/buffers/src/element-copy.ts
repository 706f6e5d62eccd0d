/** Typed arrays that hold stored leaves. */
export type ElementArray = Float32Array | Int32Array | Uint8Array;

// Short elements (scalars, CartPole observations) copy faster element by element than through
// `subarray` + `set`, which allocate a view per call; long ones (pixel frames) the other way round.
const LOOP_LIMIT = 16;

/**
 * `out[i] = src[index[i]]` for elements of `size` numbers. Element `k` of the source starts at
 * `k * stride + offset` (stride = size, offset = 0 for a leaf in its own array; larger for a leaf packed
 * into interleaved rows).
 */
export function gather<A extends ElementArray>(
  src: A,
  index: Int32Array,
  size: number,
  out: A,
  stride = size,
  offset = 0,
): A {
  const n = index.length;
  if (size === 1) {
    for (let i = 0; i < n; i++) out[i] = src[index[i]! * stride + offset]!;
  } else if (size <= LOOP_LIMIT) {
    for (let i = 0; i < n; i++) {
      const from = index[i]! * stride + offset;
      const to = i * size;
      for (let k = 0; k < size; k++) out[to + k] = src[from + k]!;
    }
  } else {
    for (let i = 0; i < n; i++) {
      const from = index[i]! * stride + offset;
      out.set(src.subarray(from, from + size), i * size);
    }
  }
  return out;
}

/** `dst[index[i]] = src[i]` for elements of `size` numbers; `stride` and `offset` as in `gather`. */
export function scatter<A extends ElementArray>(
  dst: A,
  src: A,
  index: Int32Array,
  size: number,
  stride = size,
  offset = 0,
): void {
  const n = index.length;
  if (size <= LOOP_LIMIT) {
    for (let i = 0; i < n; i++) {
      const to = index[i]! * stride + offset;
      const from = i * size;
      for (let k = 0; k < size; k++) dst[to + k] = src[from + k]!;
    }
  } else {
    for (let i = 0; i < n; i++) dst.set(src.subarray(i * size, (i + 1) * size), index[i]! * stride + offset);
  }
}

/** Throws unless every index is an integer in [0, capacity); `what` names the caller. */
export function checkIndex(index: Int32Array, capacity: number, what: string): number {
  let max = -1;
  for (let i = 0; i < index.length; i++) {
    const k = index[i]!;
    if (k < 0 || k >= capacity) throw new Error(`${what}: index ${k} (position ${i}) is out of range [0, ${capacity})`);
    if (k > max) max = k;
  }
  return max;
}

/**
 * Where `viewsIn` carves each leaf's array out of one ArrayBuffer, and the buffer's size in bytes. A sample
 * of CartPole transitions has ~10 small leaves, and one allocation instead of ten is most of the difference
 * to the 50 µs budget.
 */
export interface ViewPlan {
  readonly bytes: number;
  readonly offsets: readonly number[];
  readonly lengths: readonly number[];
}

type ViewDType = "float32" | "int32" | "uint8" | "bool";

/** Byte offsets for arrays of `lengths[i]` numbers of `dtypes[i]`, each 4-byte aligned, back to back. */
export function planViews(dtypes: readonly ViewDType[], lengths: readonly number[]): ViewPlan {
  let bytes = 0;
  const offsets = dtypes.map((d, i) => {
    const at = bytes;
    const width = d === "float32" || d === "int32" ? 4 : 1;
    bytes += Math.ceil((lengths[i]! * width) / 4) * 4; // keeps every view 4-byte aligned
    return at;
  });
  return { bytes, offsets, lengths: [...lengths] };
}

/** The arrays of `plan` in a new ArrayBuffer. */
export function viewsIn(dtypes: readonly ViewDType[], plan: ViewPlan): ElementArray[] {
  const buffer = new ArrayBuffer(plan.bytes);
  const out = new Array<ElementArray>(dtypes.length);
  for (let i = 0; i < dtypes.length; i++) {
    const d = dtypes[i]!;
    const at = plan.offsets[i]!;
    const n = plan.lengths[i]!;
    out[i] =
      d === "float32"
        ? new Float32Array(buffer, at, n)
        : d === "int32"
          ? new Int32Array(buffer, at, n)
          : new Uint8Array(buffer, at, n);
  }
  return out;
}
