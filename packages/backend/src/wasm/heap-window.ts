import type * as tf from "@tensorflow/tfjs-core";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";

/**
 * Copies the spatial window rows `[top, top + height)` × columns `[left, left + width)` of a float32 NHWC
 * tensor into a new tensor of shape `[batch, height, width, channels]`; positions outside the source are 0.
 *
 * Done on the wasm heap directly because the wasm backend's Slice kernel first copies the whole input out
 * of the heap and then copies one innermost row (`channels` values) at a time, which for 1-channel images
 * is one call per pixel; here each copy is a whole image row (`width * channels` values).
 *
 * @example
 * ```ts
 * // x: [2, 5, 5, 3] on wasm -> [2, 4, 4, 3] made of rows 1..4, columns 0..3
 * const y = heapWindowNHWC(backend, x, 1, 0, 4, 4);
 * ```
 */
export function heapWindowNHWC(
  backend: BackendWasm,
  x: tf.TensorInfo,
  top: number,
  left: number,
  height: number,
  width: number,
): tf.TensorInfo {
  if (x.shape.length !== 4 || x.dtype !== "float32") {
    throw new Error(`heapWindowNHWC: expected a float32 rank-4 tensor, got ${x.dtype} [${x.shape.join(", ")}]`);
  }
  const [batch, inHeight, inWidth, channels] = x.shape as [number, number, number, number];
  const out = backend.makeOutput([batch, height, width, channels], "float32");
  // Views are taken after the allocation above: a malloc may grow the heap and detach older views.
  const src = backend.typedArrayFromHeap(x);
  const dst = backend.typedArrayFromHeap(out);
  const colStart = Math.max(0, left);
  const colEnd = Math.min(inWidth, left + width);
  const rowLength = Math.max(0, colEnd - colStart) * channels;
  const fullRows = colStart === left && colEnd === left + width;
  if (!fullRows || top < 0 || top + height > inHeight) dst.fill(0);
  for (let b = 0; b < batch; b++) {
    for (let r = 0; r < height; r++) {
      const srcRow = top + r;
      if (srcRow < 0 || srcRow >= inHeight || rowLength === 0) continue;
      const from = ((b * inHeight + srcRow) * inWidth + colStart) * channels;
      const to = ((b * height + r) * width + (colStart - left)) * channels;
      dst.set(src.subarray(from, from + rowLength), to);
    }
  }
  return out;
}
