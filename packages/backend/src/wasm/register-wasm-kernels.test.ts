import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerCoreGradients } from "../gradients/register-core-gradients";
import { onWasmNoLeak, relativeError, TestRng, useWasmWithKernels } from "../../test/kernel-test-support";
import {
  registerWasmKernels,
  unregisterWasmKernels,
  WASM_KERNEL_NAMES,
  wasmKernelsRegistered,
} from "./register-wasm-kernels";

beforeAll(async () => {
  registerCoreGradients();
  await useWasmWithKernels();
});
afterAll(() => {
  registerWasmKernels();
});

describe("registerWasmKernels / unregisterWasmKernels", () => {
  it("replaces tfjs's kernels and puts the very same configs back", () => {
    unregisterWasmKernels();
    expect(wasmKernelsRegistered()).toBe(false);
    const originals = new Map(
      WASM_KERNEL_NAMES.map((name) => [name, tf.getKernel(name, "wasm") as tf.KernelConfig | undefined]),
    );
    expect(originals.get(tf.Conv2DBackpropFilter)).toBeUndefined();
    expect(originals.get(tf.BatchMatMul)).toBeDefined();

    expect(registerWasmKernels()).toEqual(WASM_KERNEL_NAMES);
    expect(registerWasmKernels()).toEqual(WASM_KERNEL_NAMES);
    for (const name of WASM_KERNEL_NAMES) expect(tf.getKernel(name, "wasm")).not.toBe(originals.get(name));
    expect(tf.getKernel(tf.Conv2DBackpropFilter, "wasm")).toBeDefined();

    unregisterWasmKernels();
    for (const name of WASM_KERNEL_NAMES) expect(tf.getKernel(name, "wasm")).toBe(originals.get(name));
    registerWasmKernels();
  });

  it("gives the same transposed matMul as tfjs's own kernel", () => {
    const rng = new TestRng(5);
    const a = rng.uniform(6 * 4);
    const b = rng.uniform(5 * 6);
    const run = () => tf.matMul(tf.tensor2d(a, [6, 4]), tf.tensor2d(b, [5, 6]), true, true);
    const ours = onWasmNoLeak(run);
    unregisterWasmKernels();
    const theirs = onWasmNoLeak(run);
    registerWasmKernels();
    expect(relativeError(ours, theirs)).toBeLessThan(1e-6);
  });
});

describe("tf.grad of a small conv net on wasm", () => {
  // x [3, 14, 12, 2] -> conv 4x4/2 valid (5) -> relu -> conv 3x3/1 same (4) -> relu -> dense (via matMul) -> loss.
  const rng = new TestRng(77);
  const data = {
    x: rng.uniform(3 * 14 * 12 * 2),
    w1: rng.uniform(4 * 4 * 2 * 5),
    w2: rng.uniform(3 * 3 * 5 * 4),
    wd: rng.uniform(6 * 5 * 4 * 3),
    target: rng.uniform(3 * 3),
  };

  function gradients(): Float32Array[] {
    return tf.tidy(() => {
      const x = tf.tensor4d(data.x, [3, 14, 12, 2]);
      const target = tf.tensor2d(data.target, [3, 3]);
      const loss = (w1: tf.Tensor, w2: tf.Tensor, wd: tf.Tensor) => {
        const h1 = tf.relu(tf.conv2d(x, w1 as tf.Tensor4D, 2, "valid"));
        const h2 = tf.relu(tf.conv2d(h1, w2 as tf.Tensor4D, 1, "same"));
        const q = tf.matMul(tf.reshape(h2, [3, 6 * 5 * 4]), wd);
        return tf.sum(tf.square(tf.sub(q, target)));
      };
      const grads = tf.grads(loss as (...args: tf.Tensor[]) => tf.Tensor)([
        tf.tensor4d(data.w1, [4, 4, 2, 5]),
        tf.tensor4d(data.w2, [3, 3, 5, 4]),
        tf.tensor2d(data.wd, [6 * 5 * 4, 3]),
      ]);
      return grads.map((g) => Float32Array.from(g.dataSync()));
    });
  }

  it("equals the cpu backend's, and leaks nothing", async () => {
    await tf.setBackend("cpu");
    const expected = gradients();
    await tf.setBackend("wasm");
    const tensorsBefore = tf.memory().numTensors;
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const idsBefore = backend.numDataIds();
    const actual = gradients();
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(backend.numDataIds()).toBe(idsBefore);
    expect(actual).toHaveLength(3);
    actual.forEach((g, i) => {
      expect(g.length).toBe(expected[i]!.length);
      expect(relativeError(g, expected[i]!)).toBeLessThan(1e-4);
    });
  });

  it("fails on wasm without the filter gradient kernel, which is what the registration adds", () => {
    unregisterWasmKernels();
    try {
      expect(() => gradients()).toThrow(/Conv2DBackpropFilter/);
    } finally {
      registerWasmKernels();
    }
  });
});
