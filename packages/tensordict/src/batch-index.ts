import * as tf from "@tensorflow/tfjs-core";
import type { DType, TypedArrayOf } from "./dtype";
import { allocate } from "./dtype";
import { HostArray } from "./host-array";
import type { Leaf } from "./leaf";
import { formatShape, sizeOf, type Shape } from "./shape";

/** A half-open range along one batch dim, Python-style: negative bounds count from the end. */
export interface Range {
  start?: number;
  stop?: number;
  step?: number;
}

/**
 * One entry of an index along the batch dims:
 * - an integer (negative counts from the end) removes the dim;
 * - a `Range` keeps the dim;
 * - an index array (`number[]`, `Int32Array`, `HostArray<"int32">`, 1-D) picks rows in that order;
 * - a boolean mask (`boolean[]` or `HostArray<"bool">`) of rank k covers the next k dims and flattens them
 *   into one dim of length `count(true)`.
 * Several index arrays select the outer product of their rows (like numpy's `ix_`), not numpy's zipped
 * "advanced indexing": it is what batch code means almost every time, and it never silently broadcasts.
 */
export type BatchIndex =
  | number
  | Range
  | readonly number[]
  | readonly boolean[]
  | Int32Array
  | HostArray<"int32">
  | HostArray<"bool">;

/** How an index maps the leading dims of every leaf. */
export interface IndexPlan {
  /** Number of leading dims consumed. */
  consumedDims: number;
  /** The batch dims the consumed ones become. */
  outDims: number[];
  /** Row offsets into the consumed block (row-major over the consumed dims), in output order. */
  offsets: Int32Array;
  /** Set when the selection is one contiguous run of rows: hosts then return a view, not a copy. */
  contiguous: { start: number; count: number } | null;
}

function normaliseInt(i: number, n: number, dim: number, what: string): number {
  if (!Number.isInteger(i)) throw new Error(`${what}: index ${i} along batch dim ${dim} is not an integer`);
  const k = i < 0 ? i + n : i;
  if (k < 0 || k >= n) throw new Error(`${what}: index ${i} is out of range for batch dim ${dim} of size ${n}`);
  return k;
}

function rangeRows(r: Range, n: number, dim: number, what: string): Int32Array {
  const step = r.step ?? 1;
  if (!Number.isInteger(step) || step === 0)
    throw new Error(`${what}: range step ${step} along batch dim ${dim} must be a non-zero integer`);
  const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
  const norm = (v: number | undefined, dflt: number, lo: number, hi: number) => {
    if (v === undefined) return dflt;
    if (!Number.isInteger(v)) throw new Error(`${what}: range bound ${v} along batch dim ${dim} is not an integer`);
    return clamp(v < 0 ? v + n : v, lo, hi);
  };
  const start = step > 0 ? norm(r.start, 0, 0, n) : norm(r.start, n - 1, -1, n - 1);
  const stop = step > 0 ? norm(r.stop, n, 0, n) : norm(r.stop, -1, -1, n - 1);
  const count = Math.max(0, Math.ceil((stop - start) / step));
  const rows = new Int32Array(count);
  for (let k = 0; k < count; k++) rows[k] = start + k * step;
  return rows;
}

function isRange(x: unknown): x is Range {
  return (
    typeof x === "object" && x !== null && !Array.isArray(x) && !ArrayBuffer.isView(x) && !(x instanceof HostArray)
  );
}

/** Resolves an index against a batch size into an `IndexPlan`; errors name `what`, the dim and the value. */
export function planIndex(batchSize: Shape, indices: readonly BatchIndex[], what: string): IndexPlan {
  let dim = 0;
  // Per consumed group: the rows picked and the size of the dims the group covers.
  const groups: { rows: Int32Array; span: number; keep: boolean }[] = [];
  for (const index of indices) {
    if (dim >= batchSize.length) {
      throw new Error(`${what}: ${indices.length} indices for batch size ${formatShape(batchSize)}`);
    }
    const n = batchSize[dim]!;
    if (typeof index === "number") {
      groups.push({ rows: Int32Array.of(normaliseInt(index, n, dim, what)), span: n, keep: false });
      dim += 1;
    } else if (index instanceof HostArray && index.dtype === "bool") {
      const k = index.rank;
      const covered = batchSize.slice(dim, dim + k);
      if (k === 0 || covered.length !== k || covered.some((d, j) => d !== index.shape[j])) {
        throw new Error(
          `${what}: mask of shape ${formatShape(index.shape)} does not match batch dims ${formatShape(batchSize.slice(dim))} from dim ${dim}`,
        );
      }
      groups.push({ rows: maskRows(index.data), span: sizeOf(covered), keep: true });
      dim += k;
    } else if (Array.isArray(index) && index.length > 0 && typeof index[0] === "boolean") {
      if (index.length !== n)
        throw new Error(`${what}: mask of length ${index.length} along batch dim ${dim} of size ${n}`);
      groups.push({ rows: maskRows(Uint8Array.from(index as readonly boolean[], Number)), span: n, keep: true });
      dim += 1;
    } else if (Array.isArray(index) || index instanceof Int32Array || index instanceof HostArray) {
      const values = index instanceof HostArray ? index.data : (index as ArrayLike<number>);
      if (index instanceof HostArray && index.rank !== 1) {
        throw new Error(
          `${what}: index array along batch dim ${dim} must be 1-D, got shape ${formatShape(index.shape)}`,
        );
      }
      const rows = new Int32Array(values.length);
      for (let j = 0; j < values.length; j++) rows[j] = normaliseInt(values[j]!, n, dim, what);
      groups.push({ rows, span: n, keep: true });
      dim += 1;
    } else if (isRange(index)) {
      groups.push({ rows: rangeRows(index, n, dim, what), span: n, keep: true });
      dim += 1;
    } else {
      throw new Error(`${what}: unsupported index ${String(index)} along batch dim ${dim}`);
    }
  }
  let offsets = Int32Array.of(0);
  let consumedSize = 1;
  for (let g = groups.length - 1, stride = 1; g >= 0; g--) {
    const { rows, span } = groups[g]!;
    const next = new Int32Array(offsets.length * rows.length);
    // Build offsets right to left so that the last group varies fastest (row-major output).
    for (let r = 0; r < rows.length; r++) {
      const base = rows[r]! * stride;
      for (let o = 0; o < offsets.length; o++) next[r * offsets.length + o] = base + offsets[o]!;
    }
    offsets = next;
    stride *= span;
    consumedSize *= span;
  }
  const outDims = groups.filter((g) => g.keep).map((g) => g.rows.length);
  return { consumedDims: dim, outDims, offsets, contiguous: contiguousRun(offsets, consumedSize) };
}

function maskRows(mask: Uint8Array): Int32Array {
  let count = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i]) count++;
  const rows = new Int32Array(count);
  for (let i = 0, k = 0; i < mask.length; i++) if (mask[i]) rows[k++] = i;
  return rows;
}

function contiguousRun(offsets: Int32Array, consumedSize: number): { start: number; count: number } | null {
  if (offsets.length === 0) return { start: 0, count: 0 };
  const start = offsets[0]!;
  for (let i = 1; i < offsets.length; i++) if (offsets[i] !== start + i) return null;
  return start + offsets.length <= consumedSize ? { start, count: offsets.length } : null;
}

/** Applies a plan to one leaf. Contiguous selections of host leaves are views over the same memory. */
export function indexLeaf(leaf: Leaf, plan: IndexPlan): Leaf {
  const rest = leaf.shape.slice(plan.consumedDims);
  const outShape = [...plan.outDims, ...rest];
  if (leaf instanceof HostArray) return indexHost(leaf, plan, rest, outShape);
  return tf.tidy(() => {
    const consumed = sizeOf(leaf.shape.slice(0, plan.consumedDims));
    const flat = tf.reshape(leaf, [consumed, ...rest]);
    const picked = plan.contiguous
      ? tf.slice(flat, [plan.contiguous.start, ...rest.map(() => 0)], [plan.contiguous.count, ...rest])
      : tf.gather(flat, tf.tensor1d(plan.offsets, "int32"), 0);
    return tf.reshape(picked, outShape);
  });
}

function indexHost<D extends DType>(
  leaf: HostArray<D>,
  plan: IndexPlan,
  rest: number[],
  outShape: number[],
): HostArray<D> {
  const inner = sizeOf(rest);
  if (plan.contiguous) {
    const { start, count } = plan.contiguous;
    return new HostArray(
      leaf.dtype,
      outShape,
      leaf.data.subarray(start * inner, (start + count) * inner) as TypedArrayOf<D>,
    );
  }
  const out = allocate(leaf.dtype, plan.offsets.length * inner);
  gatherRows(leaf.data, out, plan.offsets, inner);
  return new HostArray(leaf.dtype, outShape, out);
}

/** Copies rows of `inner` elements; short rows are copied by hand because `set(subarray)` costs more than it saves. */
export function gatherRows<T extends Float32Array | Int32Array | Uint8Array>(
  src: T,
  dst: T,
  rows: Int32Array,
  inner: number,
): void {
  if (inner <= 16) {
    for (let k = 0; k < rows.length; k++) {
      const s = rows[k]! * inner;
      const d = k * inner;
      for (let j = 0; j < inner; j++) dst[d + j] = src[s + j]!;
    }
  } else {
    for (let k = 0; k < rows.length; k++) {
      const s = rows[k]! * inner;
      dst.set(src.subarray(s, s + inner), k * inner);
    }
  }
}
