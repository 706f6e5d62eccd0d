import * as tf from "@tensorflow/tfjs-core";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";

/** A kernel function as stored in tfjs's registry. */
export type RegistryKernelFunc = tf.KernelConfig["kernelFunc"];

/**
 * Runs wasm kernels as the steps of a composite kernel and frees every intermediate it made, so that a
 * composite kernel leaves exactly one new data id behind (the engine's leak check counts them).
 *
 * Freeing goes through `backend.disposeData`, which decrements a reference count: the wasm Reshape kernel
 * shares its input's buffer and increments that count instead of copying, so a reshaped intermediate and
 * its source are each disposed once and the buffer lives as long as either is still needed.
 *
 * @example
 * ```ts
 * const out = withWasmScope(backend, (scope) => {
 *   const t = scope.run("Transpose", { x }, { perm: [1, 0] });
 *   return scope.run("Reshape", { x: t }, { shape: [-1] });
 * });
 * ```
 */
export class WasmKernelScope {
  private readonly made: tf.TensorInfo[] = [];

  constructor(readonly backend: BackendWasm) {}

  /** Runs the kernel registered for wasm under `kernelName` and tracks its output. */
  run(kernelName: string, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap = {}): tf.TensorInfo {
    const config = tf.getKernel(kernelName, "wasm");
    if (config === undefined) {
      throw new Error(`tdrl wasm kernels: kernel '${kernelName}' is not registered for backend 'wasm'`);
    }
    return this.runFunc(kernelName, config.kernelFunc, inputs, attrs);
  }

  /** Runs a given kernel function (e.g. the original of a kernel this library replaced) and tracks its output. */
  runFunc(
    kernelName: string,
    kernelFunc: RegistryKernelFunc,
    inputs: tf.NamedTensorInfoMap,
    attrs: tf.NamedAttrMap = {},
  ): tf.TensorInfo {
    const out = kernelFunc({ inputs, attrs, backend: this.backend });
    if (Array.isArray(out)) {
      for (const info of out) this.made.push(info);
      throw new Error(`tdrl wasm kernels: kernel '${kernelName}' returned ${out.length} outputs, expected one`);
    }
    this.made.push(out);
    return out;
  }

  /** Tracks an output this scope did not make through `run` (e.g. one allocated with `makeOutput`). */
  track(info: tf.TensorInfo): tf.TensorInfo {
    this.made.push(info);
    return info;
  }

  /** Frees everything tracked except `keep` (pass `null` to free all). */
  release(keep: tf.TensorInfo | null): void {
    for (const info of this.made) {
      if (info !== keep) this.backend.disposeData(info.dataId);
    }
    this.made.length = 0;
  }
}

/**
 * Runs `body` with a fresh scope and returns its result; every other tensor made in the scope is freed,
 * also when `body` throws.
 *
 * @example
 * ```ts
 * const y = withWasmScope(backend, (s) => s.run("Transpose", { x }, { perm: [0, 2, 1] }));
 * ```
 */
export function withWasmScope(backend: BackendWasm, body: (scope: WasmKernelScope) => tf.TensorInfo): tf.TensorInfo {
  const scope = new WasmKernelScope(backend);
  let result: tf.TensorInfo;
  try {
    result = body(scope);
  } catch (error) {
    scope.release(null);
    throw error;
  }
  scope.release(result);
  return result;
}

/**
 * The wasm backend a kernel function was called with (tfjs types it as `{}`).
 *
 * @example
 * ```ts
 * const kernelFunc: tf.KernelFunc = ({ inputs, backend }) => withWasmScope(asWasmBackend(backend), (s) => ...);
 * ```
 */
export function asWasmBackend(backend: object): BackendWasm {
  return backend as BackendWasm;
}
