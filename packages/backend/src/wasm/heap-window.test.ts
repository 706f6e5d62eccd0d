import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { heapWindowNHWC } from "./heap-window";
import { useWasmWithKernels, wasmBackend } from "../../test/kernel-test-support";

beforeAll(useWasmWithKernels);

function windowOf(x: tf.Tensor, top: number, left: number, h: number, w: number): number[] {
  const info = heapWindowNHWC(wasmBackend(), x, top, left, h, w);
  const t = tf.engine().makeTensorFromTensorInfo(info);
  const values = Array.from(t.dataSync());
  t.dispose();
  return values;
}

describe("heapWindowNHWC", () => {
  // x[b, r, c, ch] = 1000b + 100r + 10c + ch on a 2x3x4x2 tensor.
  const values = Array.from({ length: 2 * 3 * 4 * 2 }, (_, i) => {
    const ch = i % 2;
    const c = Math.floor(i / 2) % 4;
    const r = Math.floor(i / 8) % 3;
    const b = Math.floor(i / 24);
    return 1000 * b + 100 * r + 10 * c + ch;
  });

  it("crops rows and columns", () => {
    const x = tf.tensor4d(values, [2, 3, 4, 2]);
    expect(windowOf(x, 1, 1, 2, 2)).toEqual([
      110, 111, 120, 121, 210, 211, 220, 221, 1110, 1111, 1120, 1121, 1210, 1211, 1220, 1221,
    ]);
    x.dispose();
  });

  it("fills positions outside the source with zeros", () => {
    const x = tf.tensor4d(values, [2, 3, 4, 2]);
    const got = windowOf(x, 2, 3, 2, 2);
    expect(got.slice(0, 8)).toEqual([230, 231, 0, 0, 0, 0, 0, 0]);
    expect(got.slice(8)).toEqual([1230, 1231, 0, 0, 0, 0, 0, 0]);
    expect(windowOf(x, -1, -1, 2, 2).slice(0, 8)).toEqual([0, 0, 0, 0, 0, 0, 0, 1]);
    x.dispose();
  });

  it("leaves exactly one new buffer (the result) and rejects non-float32 input", () => {
    const x = tf.tensor4d(values, [2, 3, 4, 2]);
    const before = wasmBackend().numDataIds();
    const info = heapWindowNHWC(wasmBackend(), x, 0, 0, 1, 1);
    expect(wasmBackend().numDataIds()).toBe(before + 1);
    wasmBackend().disposeData(info.dataId);
    expect(wasmBackend().numDataIds()).toBe(before);
    const ints = tf.tensor4d([1], [1, 1, 1, 1], "int32");
    expect(() => heapWindowNHWC(wasmBackend(), ints, 0, 0, 1, 1)).toThrow(
      /float32 rank-4 tensor, got int32 \[1, 1, 1, 1\]/,
    );
    tf.dispose([x, ints]);
  });
});
