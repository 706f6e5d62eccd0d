import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { importBackendModule } from "./backend-module-loader";
import { BackendSetupState, initBackendWith } from "./backend-setup";
import { registerThreadedWasmBackend } from "./experimental-wasm-threads";
import { onCpu, onWasmNoLeak, relativeError, TestRng } from "../test/kernel-test-support";

// Vitest runs each test file in its own process, so the wasm backend is not initialized yet here.
describe("experimental wasm threads", () => {
  const deps = () => ({
    loadModule: importBackendModule,
    env: {},
    state: new BackendSetupState(),
    registerThreadedWasm: registerThreadedWasmBackend,
  });

  it("runs the wasm backend on 2 threads in Node, with tdrl's kernels giving the cpu backend's numbers", async () => {
    const report = await initBackendWith({ prefer: "wasm", experimentalWasmThreads: 2 }, deps());
    expect(report.wasm).toEqual({ simd: true, threads: 2, threadsRequested: 2, threadsNote: null });
    expect(tf.getBackend()).toBe("wasm");

    const rng = new TestRng(3);
    const x = rng.uniform(4 * 20 * 20 * 3);
    const w = rng.uniform(4 * 4 * 3 * 8);
    const m = rng.uniform(64 * 96);
    const run = () =>
      tf.tidy(() => {
        const input = tf.tensor4d(x, [4, 20, 20, 3]);
        const grads = tf.grads((filter: tf.Tensor, input2: tf.Tensor) =>
          tf.sum(tf.square(tf.conv2d(input2 as tf.Tensor4D, filter as tf.Tensor4D, 2, "same"))),
        )([tf.tensor4d(w, [4, 4, 3, 8]), input]);
        const mat = tf.tensor2d(m, [64, 96]);
        return tf.concat([
          ...grads.map((g) => tf.reshape(g, [-1])),
          tf.reshape(tf.matMul(mat, mat, true, false), [-1]),
        ]);
      });
    const expected = await onCpu(run);
    expect(relativeError(onWasmNoLeak(run), expected)).toBeLessThan(1e-4);
  });

  it("reports that threads cannot be added once the wasm backend is running", async () => {
    const report = await initBackendWith({ prefer: "wasm", experimentalWasmThreads: 3 }, deps());
    expect(report.wasm?.threads).toBe(2);
    expect(report.wasm?.threadsNote).toMatch(/must be asked for before the wasm backend first initializes/);
  });
});
