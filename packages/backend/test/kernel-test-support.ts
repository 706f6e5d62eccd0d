import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-backend-wasm";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { registerWasmKernels } from "../src/wasm/register-wasm-kernels";

/** Shared set-up of the wasm kernel tests (not part of the package's API). */

/**
 * Makes wasm the active backend with tdrl's kernels registered, and turns on tfjs's per-kernel leak
 * check (IS_TEST), which throws when a kernel leaves more data ids behind than it returns.
 *
 * @example
 * ```ts
 * beforeAll(useWasmWithKernels);
 * ```
 */
export async function useWasmWithKernels(): Promise<void> {
  tf.env().set("IS_TEST", true);
  registerWasmKernels();
  if (!(await tf.setBackend("wasm"))) throw new Error("the wasm backend did not initialize");
}

/**
 * The wasm backend instance (for `numDataIds()` and heap access in tests).
 *
 * @example
 * ```ts
 * const ids = wasmBackend().numDataIds();
 * ```
 */
export function wasmBackend(): BackendWasm {
  return tf.findBackend("wasm") as BackendWasm;
}

/**
 * Runs `body` on the cpu backend (inputs cross as arrays) and switches back to wasm.
 *
 * @example
 * ```ts
 * const expected = await onCpu(() => tf.matMul(tf.tensor2d(a, [2, 3]), tf.tensor2d(b, [3, 2])));
 * ```
 */
export async function onCpu(body: () => tf.Tensor): Promise<Float32Array> {
  await tf.setBackend("cpu");
  try {
    return tf.tidy(() => Float32Array.from(body().dataSync()));
  } finally {
    await tf.setBackend("wasm");
  }
}

/**
 * Runs `body` on wasm, returning the values and checking that it left no tensor and no wasm buffer behind.
 *
 * @example
 * ```ts
 * const actual = onWasmNoLeak(() => tf.conv2d(x, w, 1, "same"));
 * ```
 */
export function onWasmNoLeak(body: () => tf.Tensor): Float32Array {
  if (tf.getBackend() !== "wasm") throw new Error(`expected the wasm backend to be active, got ${tf.getBackend()}`);
  const tensorsBefore = tf.memory().numTensors;
  const idsBefore = wasmBackend().numDataIds();
  const values = tf.tidy(() => Float32Array.from(body().dataSync()));
  const tensorsAfter = tf.memory().numTensors;
  const idsAfter = wasmBackend().numDataIds();
  if (tensorsAfter !== tensorsBefore || idsAfter !== idsBefore) {
    throw new Error(`leak: tensors ${tensorsBefore} -> ${tensorsAfter}, wasm data ids ${idsBefore} -> ${idsAfter}`);
  }
  return values;
}

/**
 * max |actual − expected| / max |expected|: a relative error that stays meaningful where single entries
 * of the reference are near zero (the kernels reorder sums, so tiny entries differ by more than 1e-4 of
 * themselves).
 *
 * @example
 * ```ts
 * expect(relativeError(actual, expected)).toBeLessThan(1e-4);
 * ```
 */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length)
    throw new Error(`length ${actual.length} != expected length ${expected.length}`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i]! - expected[i]!));
    scale = Math.max(scale, Math.abs(expected[i]!));
  }
  return diff / Math.max(scale, 1e-30);
}

/**
 * A seeded generator of test data (mulberry32), so failures reproduce.
 *
 * @example
 * ```ts
 * const rng = new TestRng(1);
 * rng.int(1, 4); // 1..4
 * rng.uniform(6); // Float32Array(6)
 * ```
 */
export class TestRng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** Uniform values in [-1, 1). */
  uniform(n: number): Float32Array {
    return Float32Array.from({ length: n }, () => this.next() * 2 - 1);
  }
}
