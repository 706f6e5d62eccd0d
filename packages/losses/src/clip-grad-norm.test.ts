import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "@tdrl/backend";
import { clipGradNorm } from "./clip-grad-norm";

describe("clipGradNorm", () => {
  beforeAll(async () => {
    await initBackend({ prefer: "cpu" });
  });

  it("scales to maxNorm over all gradients together and returns the norm before clipping", () => {
    const g = { a: tf.tensor1d([3, 0]), b: tf.tensor2d([[0, 4]]) };
    const before = tf.memory().numTensors;
    const { grads, norm } = clipGradNorm(g, 1);
    expect(tf.memory().numTensors).toBe(before + 2);
    expect(norm).toBeCloseTo(5, 6);
    expect(grads.a!.dataSync()[0]).toBeCloseTo(0.6, 5);
    expect(grads.b!.dataSync()[1]).toBeCloseTo(0.8, 5);
    expect(grads.b!.shape).toEqual([1, 2]);
    tf.dispose([g, grads]);
  });

  it("leaves small gradients as they are (as copies)", () => {
    const g = { a: tf.tensor1d([0.3, 0.4]) };
    const { grads, norm } = clipGradNorm(g, 1);
    expect(norm).toBeCloseTo(0.5, 6);
    expect(grads.a).not.toBe(g.a);
    expect([...grads.a!.dataSync()]).toEqual([...g.a.dataSync()]);
    tf.dispose([g, grads]);
  });

  it("rejects a non-positive maxNorm", () => {
    expect(() => clipGradNorm({}, 0)).toThrow("clipGradNorm: maxNorm must be > 0, got 0");
  });
});
