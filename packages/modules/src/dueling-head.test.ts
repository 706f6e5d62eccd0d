import * as tf from "@tensorflow/tfjs-core";
import { Rng } from "@tdrl/tensordict";
import { initBackend } from "@tdrl/backend";
import { beforeAll, describe, expect, it } from "vitest";
import { DuelingHead } from "./dueling-head";

beforeAll(async () => {
  await initBackend({ prefer: "cpu" });
});

describe("DuelingHead", () => {
  it("combines value and advantage as V + A - mean(A)", () => {
    const head = new DuelingHead({ inFeatures: 3, numActions: 4, numCells: [8], rng: new Rng(0) });
    expect([...head.parameters().keys()]).toEqual([
      "value.0.weight",
      "value.0.bias",
      "value.2.weight",
      "value.2.bias",
      "advantage.0.weight",
      "advantage.0.bias",
      "advantage.2.weight",
      "advantage.2.bias",
    ]);
    const x = tf.randomNormal([5, 3], 0, 1, "float32", 1);
    const q = head.apply(x);
    const expected = tf.tidy(() => {
      const a = head.advantage.apply(x);
      return tf.add(head.value.apply(x), tf.sub(a, tf.mean(a, -1, true)));
    });
    expect(q.shape).toEqual([5, 4]);
    expect(Array.from(q.dataSync())).toEqual(Array.from(expected.dataSync()));
    // The mean over actions of Q is V.
    const meanQ = tf.mean(q, -1);
    const v = head.value.apply(x);
    Array.from(meanQ.dataSync()).forEach((m, i) => expect(m).toBeCloseTo(v.dataSync()[i]!, 5));
    tf.dispose([x, q, expected, meanQ, v]);
    head.dispose();
  });

  it("trains without leaking tensors", () => {
    const head = new DuelingHead({ inFeatures: 3, numActions: 2, numCells: [8], rng: new Rng(0) });
    const x = tf.randomNormal([6, 3], 0, 1, "float32", 1);
    const opt = tf.train.adam(1e-2);
    const step = () => opt.minimize(() => tf.mean(tf.square(tf.sub(head.apply(x), 1))) as tf.Scalar, true)!;
    const first = step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 50; i++) step().dispose();
    expect(tf.memory().numTensors).toBe(before);
    const last = step();
    expect(last.dataSync()[0]).toBeLessThan(first.dataSync()[0]!);
    tf.dispose([first, last, x]);
    opt.dispose();
    head.dispose();
  });
});
