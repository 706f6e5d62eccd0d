import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "@tdrl/backend";
import { beforeAll, describe, expect, it } from "vitest";
import { maxAbsDiff } from "../test/golden";
import { lstmRecurrence } from "./lstm-cell";
import { lstmRecurrenceFused, useLstmSequenceKernel } from "./lstm-sequence-kernel";

beforeAll(async () => {
  await initBackend({ prefer: "wasm" });
});

type Recurrence = typeof lstmRecurrence;

/** Output, and gradients of a random weighting of it in proj, h0, c0 and W_hh. */
function run(rec: Recurrence, n: number, t: number, h: number, isInit: number[] | null, seed: number) {
  return tf.tidy(() => {
    const proj = tf.randomNormal([n, t, 4 * h], 0, 1, "float32", seed) as tf.Tensor3D;
    const h0 = tf.randomNormal([n, h], 0, 0.5, "float32", seed + 1) as tf.Tensor2D;
    const c0 = tf.randomNormal([n, h], 0, 0.5, "float32", seed + 2) as tf.Tensor2D;
    const w = tf.randomUniform([4 * h, h], -1 / Math.sqrt(h), 1 / Math.sqrt(h), "float32", seed + 3) as tf.Tensor2D;
    const weight = tf.randomNormal([n, t, 2 * h], 0, 1, "float32", seed + 4);
    const f = (p: tf.Tensor, a: tf.Tensor, b: tf.Tensor, ww: tf.Tensor) =>
      tf.sum(tf.mul(rec(p as tf.Tensor3D, a as tf.Tensor2D, b as tf.Tensor2D, ww as tf.Tensor2D, isInit), weight));
    const out = rec(proj, h0, c0, w, isInit);
    const grads = tf.grads(f)([proj, h0, c0, w]);
    return [out, ...grads].map((x) => x.dataSync() as Float32Array);
  });
}

function resets(n: number, t: number): number[] {
  // Every sequence starts an episode at step 0; two more start inside sequences, one on the last step.
  return Array.from({ length: n * t }, (_, i) => (i % t === 0 || i === t + 3 || i === n * t - 1 ? 1 : 0));
}

describe("lstmRecurrenceFused (the WebAssembly SIMD kernel)", () => {
  // TDRL_BACKEND overrides initBackend's choice, which this test switches.
  it.skipIf(process.env.TDRL_BACKEND !== undefined)(
    'is what lstmUnroll uses on wasm ("auto"); not on cpu, nor with recurrence "per-step"',
    async () => {
      expect(useLstmSequenceKernel()).toBe(true);
      expect(useLstmSequenceKernel("auto")).toBe(true);
      expect(useLstmSequenceKernel("per-step")).toBe(false);
      await initBackend({ prefer: "cpu" });
      expect(useLstmSequenceKernel()).toBe(false);
      await initBackend({ prefer: "wasm" });
      expect(useLstmSequenceKernel()).toBe(true);
    },
  );

  for (const [n, t, h, reset] of [
    [8, 12, 128, true], // the flagship's batch and width, shorter
    [3, 6, 7, true], // a hidden size padded to 8
    [1, 1, 4, false], // one acting step
    [5, 9, 12, false], // an odd batch: the kernel's 1-row tail
  ] as const) {
    it(`matches the per-step path: outputs and gradients of proj, h0, c0, W_hh (N ${n}, T ${t}, H ${h}${reset ? ", resets" : ""})`, () => {
      const isInit = reset ? resets(n, t) : null;
      const ours = run(lstmRecurrenceFused, n, t, h, isInit, 11);
      const ref = run(lstmRecurrence, n, t, h, isInit, 11);
      const names = ["output", "d proj", "d h0", "d c0", "d W_hh"];
      ours.forEach((v, i) => {
        const scale = Math.max(1, ...Array.from(ref[i]!, Math.abs));
        expect(maxAbsDiff(v, ref[i]!) / scale, names[i]).toBeLessThan(1e-5);
      });
    });
  }

  it("gives h0 and c0 no gradient through a reset at step 0, and keeps it through none", () => {
    const [, , dh0, dc0] = run(lstmRecurrenceFused, 2, 3, 8, [1, 0, 0, 0, 0, 0], 5);
    expect(Math.max(...Array.from(dh0!.subarray(0, 8), Math.abs))).toBe(0);
    expect(Math.max(...Array.from(dc0!.subarray(0, 8), Math.abs))).toBe(0);
    expect(Math.max(...Array.from(dh0!.subarray(8), Math.abs))).toBeGreaterThan(0);
  });

  it("sees a weight's new values after an assign (its padded, transposed copy is cached per buffer)", () => {
    const proj = tf.randomNormal([2, 3, 32], 0, 1, "float32", 1) as tf.Tensor3D;
    const h0 = tf.zeros([2, 8]) as tf.Tensor2D;
    const w = tf.variable(tf.randomNormal([32, 8], 0, 0.3, "float32", 2)) as tf.Variable<tf.Rank.R2>;
    const out = () => tf.tidy(() => lstmRecurrenceFused(proj, h0, h0, w, null).dataSync() as Float32Array);
    const before = out();
    tf.tidy(() => w.assign(tf.randomNormal([32, 8], 0, 0.3, "float32", 3)));
    const after = out();
    const ref = tf.tidy(() => lstmRecurrence(proj, h0, h0, w, null).dataSync() as Float32Array);
    expect(maxAbsDiff(after, ref)).toBeLessThan(1e-6);
    expect(maxAbsDiff(before, ref)).toBeGreaterThan(1e-3);
    tf.dispose([proj, h0, w]);
  });

  it("leaks no tensors over repeated forward and backward passes", () => {
    run(lstmRecurrenceFused, 4, 5, 16, resets(4, 5), 1);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) run(lstmRecurrenceFused, 4, 5, 16, resets(4, 5), i);
    expect(tf.memory().numTensors).toBe(before);
  });
});
