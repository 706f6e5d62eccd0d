import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "@tdrl/backend";
import { beforeAll, describe, expect, it } from "vitest";
import { restoreAdamState, saveAdamState } from "./optimizer-state";

beforeAll(async () => {
  await initBackend();
});

const x = () => tf.tensor2d([0.5, -1, 2, 0.25, 1.5, -0.75, 0.1, 0.2, -0.3], [3, 3]);
const y = () => tf.tensor2d([1, 0, -1, 0.5, 2, 0, -1, 1, 0.25, 0, 0, 1], [3, 4]);

function makeParams(values?: Float32Array[]): tf.Variable[] {
  const w = values?.[0] ?? Float32Array.from({ length: 12 }, (_, i) => Math.sin(i + 1) / 2);
  const b = values?.[1] ?? new Float32Array([0.1, -0.2, 0.3, 0]);
  return [tf.variable(tf.tensor2d(w, [3, 4])), tf.variable(tf.tensor1d(b))];
}

function step(opt: tf.Optimizer, [w, b]: tf.Variable[]): void {
  const xs = x();
  const ys = y();
  opt.minimize(() => tf.sum(tf.square(tf.sub(tf.add(tf.matMul(xs, w!), b!), ys))) as tf.Scalar, false, [w!, b!]);
  tf.dispose([xs, ys]);
}

const values = (ps: tf.Variable[]) => ps.map((p) => p.dataSync() as Float32Array);

describe("Adam state", () => {
  it("round trip gives bit-identical next updates", async () => {
    const a = makeParams();
    const adamA = tf.train.adam(0.05, 0.9, 0.999, 1e-7);
    for (let i = 0; i < 7; i++) step(adamA, a);
    const state = await saveAdamState(adamA);
    const snapshot = values(a).map((v) => v.slice());
    expect(state.meta.iterations).toBe(7);
    expect(state.meta.slots.map((s) => s.shape)).toEqual([[3, 4], [4], [3, 4], [4]]);
    // A JSON trip, as the checkpoint stores it.
    const meta = JSON.parse(JSON.stringify(state.meta)) as typeof state.meta;
    for (let i = 0; i < 5; i++) step(adamA, a);

    const b = makeParams(snapshot);
    const adamB = tf.train.adam(0.05, 0.9, 0.999, 1e-7);
    const scratch = makeParams();
    step(adamB, scratch); // moments created and then replaced: the replaced ones must be freed
    tf.dispose(scratch);
    const before = tf.memory().numTensors;
    restoreAdamState(adamB, { meta, data: state.data.slice() }, b);
    expect(tf.memory().numTensors).toBe(before);
    expect(adamB.iterations).toBe(7);
    for (let i = 0; i < 5; i++) step(adamB, b);
    const [va, vb] = [values(a), values(b)];
    for (let i = 0; i < 2; i++) expect(Buffer.from(vb[i]!.buffer).equals(Buffer.from(va[i]!.buffer))).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([...a, ...b]);
    adamA.dispose();
    adamB.dispose();
  });

  it("a state saved before the first update (no moments yet) restores, and the next update is a fresh Adam's", async () => {
    const fresh = tf.train.adam(0.05);
    const state = await saveAdamState(fresh);
    expect([state.meta.iterations, state.meta.slots.length, state.data.length]).toEqual([0, 0, 0]);
    const meta = JSON.parse(JSON.stringify(state.meta)) as typeof state.meta;
    const a = makeParams();
    step(fresh, a);
    // Restored into an optimizer that has already stepped: its moments are freed, it is fresh again.
    const used = tf.train.adam(0.05);
    const scratch = makeParams();
    step(used, scratch);
    tf.dispose(scratch);
    const b = makeParams();
    const before = tf.memory().numTensors;
    restoreAdamState(used, { meta, data: state.data }, b);
    expect(used.iterations).toBe(0);
    expect(tf.memory().numTensors).toBe(before - 4); // the four moments freed
    step(used, b);
    const [va, vb] = [values(a), values(b)];
    for (let i = 0; i < 2; i++) expect(Buffer.from(vb[i]!.buffer).equals(Buffer.from(va[i]!.buffer))).toBe(true);
    tf.dispose([...a, ...b]);
    fresh.dispose();
    used.dispose();
  });

  it("restores the bias-correction products exactly (tfjs setWeights recomputes them)", async () => {
    const a = makeParams();
    const adam = tf.train.adam(0.05, 0.9, 0.999);
    for (let i = 0; i < 30; i++) step(adam, a);
    const state = await saveAdamState(adam);
    // Stepwise products, as training computes them in float32.
    let p1 = Math.fround(0.9);
    let p2 = Math.fround(0.999);
    for (let i = 0; i < 30; i++) [p1, p2] = [Math.fround(p1 * Math.fround(0.9)), Math.fround(p2 * Math.fround(0.999))];
    expect([state.meta.accBeta1, state.meta.accBeta2]).toEqual([p1, p2]);
    const other = tf.train.adam(0.05, 0.9, 0.999);
    restoreAdamState(other, state);
    const restored = await saveAdamState(other);
    expect(restored.meta).toEqual(state.meta);
    expect(restored.data).toEqual(state.data);
    // What tfjs's own setWeights makes of the same state: beta^t recomputed, not the product training used.
    const viaTfjs = tf.train.adam(0.05, 0.9, 0.999);
    await viaTfjs.setWeights(await adam.getWeights());
    const recomputed = [
      (viaTfjs as unknown as { accBeta1: tf.Variable }).accBeta1.dataSync()[0],
      (viaTfjs as unknown as { accBeta2: tf.Variable }).accBeta2.dataSync()[0],
    ];
    expect(recomputed).not.toEqual([p1, p2]);
    tf.dispose(a);
    adam.dispose();
    other.dispose();
    viaTfjs.dispose();
  });

  it("refuses a mismatched optimizer or state and leaves the optimizer unchanged", async () => {
    const a = makeParams();
    const adam = tf.train.adam(0.05);
    step(adam, a);
    const state = await saveAdamState(adam);
    const target = tf.train.adam(0.05);
    step(target, makeParams());
    const kept = await saveAdamState(target);
    expect(() => restoreAdamState(tf.train.sgd(0.1), state)).toThrow(
      "restoreAdamState: expected a tfjs Adam optimizer, got SGD",
    );
    expect(() => restoreAdamState(tf.train.adam(0.01), state)).toThrow(
      "restoreAdamState: the optimizer's learningRate is 0.01, the saved state's is 0.05",
    );
    expect(() => restoreAdamState(target, { ...state, data: state.data.subarray(1) })).toThrow(
      "restoreAdamState: the slots' shapes hold 32 numbers, the data has 31",
    );
    expect(() => restoreAdamState(target, state, [a[1]!, a[0]!])).toThrow(
      /restoreAdamState: moment 0 \(.*\/m\) is \[3,4\], parameter 0 is \[4\]/,
    );
    expect(() => restoreAdamState(target, state, [a[0]!])).toThrow(/parameter 1 is missing/);
    expect(() => restoreAdamState(target, { ...state, meta: { ...state.meta, iterations: -1 } })).toThrow(
      "restoreAdamState: iterations must be an integer >= 0, got -1",
    );
    const after = await saveAdamState(target);
    expect(after.meta).toEqual(kept.meta);
    expect(after.data).toEqual(kept.data);
    await expect(saveAdamState(tf.train.sgd(0.1))).rejects.toThrow(
      "saveAdamState: expected a tfjs Adam optimizer, got SGD",
    );
  });
});
