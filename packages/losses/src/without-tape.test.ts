import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "@tdrl/backend";
import { withoutTape } from "./without-tape";

describe("withoutTape", () => {
  beforeAll(async () => {
    await initBackend({ prefer: "wasm" });
  });

  it("keeps nothing for the backward pass inside variableGrads, and gives the same values", () => {
    const v = tf.variable(tf.tensor1d([0.5, -1, 2]));
    const kept: number[] = [];
    const hostOf = (x: tf.Tensor) => Array.from(tf.tidy(() => tf.exp(tf.mul(x, 3))).dataSync());
    let taped: number[] = [];
    let untaped: number[] = [];
    const { value, grads } = tf.variableGrads(() => {
      // A pass on the tape keeps the tensors its gradient would need, even after its tidy.
      let n = tf.memory().numTensors;
      taped = hostOf(v);
      kept.push(tf.memory().numTensors - n);
      n = tf.memory().numTensors;
      untaped = withoutTape(() => hostOf(v));
      kept.push(tf.memory().numTensors - n);
      return tf.sum(tf.square(v)) as tf.Scalar;
    }, [v]);
    expect(kept[0]).toBeGreaterThan(0);
    expect(kept[1]).toBe(0);
    expect(untaped).toEqual(taped);
    expect(Array.from(grads[v.name]!.dataSync())).toEqual([1, -2, 4]);
    tf.dispose([value, grads]);
    v.dispose();
  });

  it("passes errors through and leaves the tape recording", () => {
    const v = tf.variable(tf.scalar(3));
    const before = tf.memory().numTensors;
    const { value, grads } = tf.variableGrads(() => {
      expect(() =>
        withoutTape(() => {
          tf.mul(v, 2);
          throw new Error("inner failure");
        }),
      ).toThrow("inner failure");
      return tf.square(v) as tf.Scalar;
    }, [v]);
    expect(grads[v.name]!.dataSync()[0]).toBe(6);
    tf.dispose([value, grads]);
    expect(tf.memory().numTensors).toBe(before);
    v.dispose();
  });
});
