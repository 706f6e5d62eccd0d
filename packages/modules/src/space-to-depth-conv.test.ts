import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { Rng } from "@tdrl/tensordict";
import { initBackend } from "@tdrl/backend";
import { spaceToDepthConv2d, useSpaceToDepth } from "./space-to-depth-conv";

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe("spaceToDepthConv2d", () => {
  beforeAll(async () => {
    await initBackend({ prefer: "wasm" });
  });

  // [height, width, channels, kernel, stride]: the Nature CNN's first layer, a crop (87 rows: the last 3
  // are never read), two channels, a 2 x 2 block.
  for (const [h, w, c, k, s] of [
    [84, 84, 1, 8, 4],
    [87, 85, 1, 8, 4],
    [10, 12, 2, 4, 2],
    [9, 9, 3, 2, 2],
  ] as const) {
    it(`equals tf.conv2d and its gradients for ${h}x${w}x${c}, kernel ${k}, stride ${s}`, () => {
      const rng = new Rng(h + k);
      const x = tf.tensor4d(rng.fillNormal(new Float32Array(2 * h * w * c)), [2, h, w, c]);
      const f = tf.tensor4d(rng.fillNormal(new Float32Array(k * k * c * 5)), [k, k, c, 5]);
      const before = tf.memory().numTensors;
      const direct = tf.conv2d(x, f, s, "valid");
      const ours = spaceToDepthConv2d(x, f, s);
      expect(ours.shape).toEqual(direct.shape);
      const scale = Math.max(...Array.from(direct.dataSync(), Math.abs));
      expect(maxDiff(ours.dataSync(), direct.dataSync()) / scale).toBeLessThan(1e-5);
      const dy = tf.tensor4d(rng.fillNormal(new Float32Array(direct.size)), direct.shape);
      const grads = (conv: (a: tf.Tensor4D, b: tf.Tensor4D) => tf.Tensor) =>
        tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(conv(a as tf.Tensor4D, b as tf.Tensor4D), dy)))([x, f]);
      const [dxRef, dfRef] = grads((a, b) => tf.conv2d(a, b, s, "valid"));
      const [dx, df] = grads((a, b) => spaceToDepthConv2d(a, b, s));
      expect(
        maxDiff(dx!.dataSync(), dxRef!.dataSync()) / Math.max(...Array.from(dxRef!.dataSync(), Math.abs)),
      ).toBeLessThan(1e-5);
      expect(
        maxDiff(df!.dataSync(), dfRef!.dataSync()) / Math.max(...Array.from(dfRef!.dataSync(), Math.abs)),
      ).toBeLessThan(1e-5);
      tf.dispose([direct, ours, dy, dxRef!, dfRef!, dx!, df!]);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([x, f]);
    });
  }

  it("is used only for strided valid convolutions whose kernel is a multiple of the stride, on few channels", () => {
    expect(useSpaceToDepth(1, 8, 4, 0)).toBe(true);
    expect(useSpaceToDepth(4, 8, 4, 0)).toBe(false); // only measured faster for 1 channel x 16
    expect(useSpaceToDepth(32, 4, 2, 0)).toBe(false); // 128 rearranged channels: XNNPACK is not starved
    expect(useSpaceToDepth(1, 3, 2, 0)).toBe(false);
    expect(useSpaceToDepth(1, 8, 4, 1)).toBe(false);
    expect(useSpaceToDepth(1, 3, 1, 0)).toBe(false);
  });
});
