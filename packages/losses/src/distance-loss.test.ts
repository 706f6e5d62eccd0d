import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "@tdrl/backend";
import { distanceLoss } from "./distance-loss";
import { maxAbsDiff } from "../test/golden";

describe("distanceLoss", () => {
  beforeAll(async () => {
    await initBackend({ prefer: "wasm" });
  });

  const d = [-3, -1.5, -0.5, 0, 0.25, 2];
  const values = (f: "l2" | "smoothL1" | "huber", delta?: number): { loss: Float32Array; grad: Float32Array } =>
    tf.tidy(() => {
      const pred = tf.tensor1d(d);
      const target = tf.zeros([d.length]);
      const { grads } = tf.valueAndGrads((p: tf.Tensor) => tf.sum(distanceLoss(p, target, f, delta)) as tf.Scalar)([
        pred,
      ]);
      return {
        loss: distanceLoss(pred, target, f, delta).dataSync() as Float32Array,
        grad: grads[0]!.dataSync() as Float32Array,
      };
    });

  it("l2 is the squared error without 1/2", () => {
    const { loss, grad } = values("l2");
    expect(
      maxAbsDiff(
        loss,
        d.map((x) => x * x),
      ),
    ).toBeLessThan(1e-6);
    expect(
      maxAbsDiff(
        grad,
        d.map((x) => 2 * x),
      ),
    ).toBeLessThan(1e-6);
  });

  it("huber with delta 2 is quadratic inside and linear outside, with PyTorch's gradient", () => {
    const { loss, grad } = values("huber", 2);
    const huber = (x: number): number => (Math.abs(x) <= 2 ? 0.5 * x * x : 2 * (Math.abs(x) - 1));
    expect(maxAbsDiff(loss, d.map(huber))).toBeLessThan(1e-6);
    expect(
      maxAbsDiff(
        grad,
        d.map((x) => (Math.abs(x) <= 2 ? x : 2 * Math.sign(x))),
      ),
    ).toBeLessThan(1e-6);
  });

  it("smoothL1 with beta 2 is huber / beta", () => {
    const { loss } = values("smoothL1", 2);
    const smooth = (x: number): number => (Math.abs(x) < 2 ? (0.5 * x * x) / 2 : Math.abs(x) - 1);
    expect(maxAbsDiff(loss, d.map(smooth))).toBeLessThan(1e-6);
  });

  it("rejects unknown functions and a bad delta", () => {
    expect(() => distanceLoss(tf.zeros([1]), tf.zeros([1]), "l1" as never)).toThrow(
      'distanceLoss: lossFunction must be "l2", "smoothL1" or "huber", got "l1"',
    );
    expect(() => distanceLoss(tf.zeros([1]), tf.zeros([1]), "huber", 0)).toThrow(
      "distanceLoss: delta (beta) must be > 0, got 0",
    );
  });
});
