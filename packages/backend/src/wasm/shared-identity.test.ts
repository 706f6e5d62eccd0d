import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { registerCoreGradients } from "../gradients/register-core-gradients";
import { useWasmWithKernels, wasmBackend } from "../../test/kernel-test-support";

beforeAll(async () => {
  registerCoreGradients();
  await useWasmWithKernels();
});

describe("Identity on wasm shares the buffer", () => {
  it("clones without copying, and each copy outlives the other", () => {
    const before = tf.memory().numTensors;
    const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
    const y = tf.clone(x);
    expect(y.dataId).toBe(x.dataId);
    expect(wasmBackend().refCount(x.dataId)).toBe(2);
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3, 4, 5, 6]);
    y.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("keeps a clone of a variable intact when the variable is assigned (what a target swap does)", () => {
    const v = tf.variable(tf.tensor1d([1, 2, 3]));
    const saved = tf.clone(v);
    v.assign(tf.tensor1d([7, 8, 9]));
    expect(Array.from(saved.dataSync())).toEqual([1, 2, 3]);
    v.assign(saved);
    saved.dispose();
    expect(Array.from(v.dataSync())).toEqual([1, 2, 3]);
    v.dispose();
  });

  it("gives gradients through the tape's saved copies as before", () => {
    const x = tf.tensor1d([0.5, -1, 2]);
    const g = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.exp(a), a)))(x);
    const expected = [0.5, -1, 2].map((a) => Math.exp(a) * (1 + a));
    Array.from(g.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 5));
    tf.dispose([x, g]);
  });
});
