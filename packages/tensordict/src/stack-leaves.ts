import * as tf from "@tensorflow/tfjs-core";
import { allocate, type DType } from "./dtype";
import { HostArray } from "./host-array";
import { isTensor, type Leaf } from "./leaf";
import { formatShape, shapesEqual, sizeOf } from "./shape";

/** Host leaves stay on the host; if any leaf is a tensor, all are moved to the backend first. */
function allHost(leaves: readonly Leaf[]): leaves is readonly HostArray[] {
  return leaves.every((l) => l instanceof HostArray);
}

function checkDTypes(leaves: readonly Leaf[], what: string): DType {
  const dtype = leaves[0]!.dtype as DType;
  for (let i = 1; i < leaves.length; i++) {
    if (leaves[i]!.dtype !== dtype)
      throw new Error(`${what}: element ${i} has dtype ${leaves[i]!.dtype}, element 0 has ${dtype}`);
  }
  return dtype;
}

function toTensor(leaf: Leaf): tf.Tensor {
  return isTensor(leaf) ? leaf : tf.tensor(leaf.data, [...leaf.shape], leaf.dtype === "uint8" ? "int32" : leaf.dtype);
}

/** Stacks leaves of one shape along a new dim `dim` (0 <= dim <= rank). */
export function stackLeaves(leaves: readonly Leaf[], dim: number, what: string): Leaf {
  const shape = leaves[0]!.shape;
  const dtype = leaves[0]!.dtype as DType;
  let host = true;
  const sources: ArrayLike<number>[] = new Array(leaves.length);
  for (let i = 0; i < leaves.length; i++) {
    const leaf = leaves[i]!;
    if (leaf.dtype !== dtype) throw new Error(`${what}: element ${i} has dtype ${leaf.dtype}, element 0 has ${dtype}`);
    if (leaf.shape !== shape && !shapesEqual(leaf.shape, shape)) {
      throw new Error(
        `${what}: element ${i} has shape ${formatShape(leaf.shape)}, element 0 has ${formatShape(shape)}`,
      );
    }
    if (leaf instanceof HostArray) sources[i] = leaf.data;
    else host = false;
  }
  if (!host) return tf.tidy(() => tf.stack(leaves.map(toTensor), dim));
  const n = leaves.length;
  const outer = sizeOf(shape.slice(0, dim));
  const inner = sizeOf(shape.slice(dim));
  const out = allocate(dtype, outer * n * inner);
  interleave[dtype](sources, out, outer, inner);
  return new HostArray(dtype, [...shape.slice(0, dim), n, ...shape.slice(dim)], out);
}

type Interleave = (
  sources: ArrayLike<number>[],
  out: Float32Array | Int32Array | Uint8Array,
  outer: number,
  inner: number,
) => void;

/**
 * Writes source k's o-th block of `inner` elements to block (o * n + k) of `out`. Stacking single-step
 * records copies many blocks of a few elements, so short blocks are copied by hand; `set` costs more there.
 * One closure per dtype keeps each copy loop monomorphic (a shared one slows down once it has seen
 * Float32Array, Int32Array and Uint8Array).
 */
function makeInterleave(): Interleave {
  return (sources, out, outer, inner) => {
    const n = sources.length;
    for (let o = 0; o < outer; o++) {
      for (let k = 0; k < n; k++) {
        const src = sources[k]!;
        const s = o * inner;
        const d = (o * n + k) * inner;
        if (inner <= 16) for (let j = 0; j < inner; j++) out[d + j] = src[s + j]!;
        else out.set((src as Float32Array).subarray(s, s + inner), d);
      }
    }
  };
}

const interleave: Record<DType, Interleave> = {
  float32: makeInterleave(),
  int32: makeInterleave(),
  uint8: makeInterleave(),
  bool: makeInterleave(),
};

/** Concatenates leaves along an existing dim; all other dims must agree. */
export function catLeaves(leaves: readonly Leaf[], dim: number, what: string): Leaf {
  const shape = leaves[0]!.shape;
  for (let i = 1; i < leaves.length; i++) {
    const s = leaves[i]!.shape;
    if (s.length !== shape.length || s.some((d, j) => j !== dim && d !== shape[j])) {
      throw new Error(
        `${what}: element ${i} has shape ${formatShape(s)}, which differs from element 0's ${formatShape(shape)} outside dim ${dim}`,
      );
    }
  }
  const dtype = checkDTypes(leaves, what);
  if (!allHost(leaves)) return tf.tidy(() => tf.concat(leaves.map(toTensor), dim));
  const outer = sizeOf(shape.slice(0, dim));
  const tail = sizeOf(shape.slice(dim + 1));
  const chunks = leaves.map((l) => l.shape[dim]! * tail);
  const total = chunks.reduce((a, b) => a + b, 0);
  const out = allocate(dtype, outer * total);
  for (let o = 0; o < outer; o++) {
    let d = o * total;
    for (let k = 0; k < leaves.length; k++) {
      const c = chunks[k]!;
      out.set(leaves[k]!.data.subarray(o * c, (o + 1) * c), d);
      d += c;
    }
  }
  const outShape = [...shape];
  outShape[dim] = leaves.reduce((a, l) => a + l.shape[dim]!, 0);
  return new HostArray(dtype, outShape, out);
}
