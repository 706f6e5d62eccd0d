import {
  HostArray,
  TensorDict,
  formatShape,
  isHostArray,
  sizeOf,
  type DType,
  type TypedArrayOf,
} from "@tdrl/tensordict";
import type { SharedLeafLayout } from "./collector-worker-protocol";

/**
 * The worker's side of a batch's trip to the main thread: every leaf is copied into a SharedArrayBuffer of
 * its own, allocated once for the first batch and reused for every later one (a collector's batches all
 * have the same keys and shapes), so a batch costs one memcpy per leaf each side and no structured clone.
 * The main thread copies a batch out before it asks for the next, so one set of buffers per worker is enough.
 */
export class SharedBatchWriter {
  private layout: SharedLeafLayout[] | null = null;
  private signature = "";

  /** Copies `batch` into the shared buffers; returns the layout when the buffers are new (first batch, or other keys / shapes), else null. */
  write(batch: TensorDict): SharedLeafLayout[] | null {
    const leaves = batch.leaves();
    const signature = leaves.map(([path, leaf]) => `${path}:${leaf.dtype}${formatShape(leaf.shape)}`).join(";");
    let fresh: SharedLeafLayout[] | null = null;
    if (this.layout === null || signature !== this.signature) {
      fresh = leaves.map(([path, leaf]) => ({
        path,
        dtype: leaf.dtype as DType,
        shape: [...leaf.shape],
        buffer: new SharedArrayBuffer(byteLength(leaf.dtype as DType, sizeOf(leaf.shape))),
      }));
      this.layout = fresh;
      this.signature = signature;
    }
    leaves.forEach(([path, leaf], i) => {
      if (!isHostArray(leaf))
        throw new Error(`the batch leaf "${path}" is a tensor; a batch shared with a worker must hold host arrays`);
      view(this.layout![i]!).set(leaf.data);
    });
    return fresh;
  }
}

/** The main thread's side: keeps each worker's current layout and copies a batch out of it into a new TensorDict. */
export class SharedBatchReader {
  private layout: SharedLeafLayout[] | null = null;

  read(batchSize: readonly number[], layout: SharedLeafLayout[] | null): TensorDict {
    if (layout !== null) this.layout = layout;
    if (this.layout === null) throw new Error("a worker sent a batch before its buffer layout");
    const out = new TensorDict({}, batchSize);
    for (const leaf of this.layout)
      out.set(leaf.path, new HostArray(leaf.dtype, leaf.shape, view(leaf).slice() as TypedArrayOf<DType>));
    return out;
  }
}

function byteLength(dtype: DType, size: number): number {
  return dtype === "float32" || dtype === "int32" ? size * 4 : size;
}

function view(leaf: SharedLeafLayout): TypedArrayOf<DType> {
  switch (leaf.dtype) {
    case "float32":
      return new Float32Array(leaf.buffer);
    case "int32":
      return new Int32Array(leaf.buffer);
    default:
      return new Uint8Array(leaf.buffer);
  }
}
