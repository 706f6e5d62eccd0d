import * as tf from "@tensorflow/tfjs-core";
import { conv2DBackpropFilterWasm } from "./conv2d-backprop-filter";
import { conv2DBackpropInputWasm } from "./conv2d-backprop-input";
import { explicitTransposeMatMul } from "./explicit-transpose-mat-mul";
import { fusedMatMulWasm } from "./fused-mat-mul";
import { oneHotWithDType } from "./one-hot-dtype";
import { sharedIdentity } from "./shared-identity";

/** Kernels `registerWasmKernels` puts in place on the "wasm" backend. */
export const WASM_KERNEL_NAMES: readonly string[] = [
  tf.Conv2DBackpropFilter,
  tf.Conv2DBackpropInput,
  tf.BatchMatMul,
  tf._FusedMatMul,
  tf.OneHot,
  tf.Identity,
];

/** The configs that were registered before ours (undefined: none), kept to restore them. */
const replaced = new Map<string, tf.KernelConfig | undefined>();

/**
 * Registers tdrl's wasm kernels: `Conv2DBackpropFilter` (missing in tfjs-backend-wasm), a faster
 * `Conv2DBackpropInput`, `BatchMatMul` / `_FusedMatMul` that transpose operands explicitly, the latter
 * also fixing tfjs-backend-wasm's bias for batched operands, a dtype-honouring `OneHot` and an `Identity`
 * that shares buffers instead of copying (see `sharedIdentity`). Requires
 * `@tensorflow/tfjs-backend-wasm` to have been imported (it registers the kernels these build on); works
 * before or after the backend is initialized. Calling it again is a no-op. Returns the kernel names.
 *
 * @example
 * ```ts
 * import "@tensorflow/tfjs-backend-wasm";
 * registerWasmKernels(); // ["Conv2DBackpropFilter", "Conv2DBackpropInput", "BatchMatMul", "_FusedMatMul", "OneHot", "Identity"]
 * ```
 */
export function registerWasmKernels(): readonly string[] {
  if (replaced.size > 0) return WASM_KERNEL_NAMES;
  for (const needed of [
    tf.Conv2D,
    tf.Transpose,
    tf.PadV2,
    tf.Reshape,
    tf.BatchMatMul,
    tf._FusedMatMul,
    tf.Add,
    tf.OneHot,
    tf.Cast,
    tf.Identity,
  ]) {
    if (tf.getKernel(needed, "wasm") === undefined) {
      throw new Error(
        `registerWasmKernels: the wasm kernel '${needed}' is not registered; import "@tensorflow/tfjs-backend-wasm" ` +
          `first (initBackend({ prefer: "wasm" }) does)`,
      );
    }
  }
  const configs: tf.KernelConfig[] = [
    conv2DBackpropFilterWasm,
    conv2DBackpropInputWasm,
    explicitTransposeMatMul(tf.getKernel(tf.BatchMatMul, "wasm")),
    fusedMatMulWasm(tf.getKernel(tf._FusedMatMul, "wasm")),
    oneHotWithDType(tf.getKernel(tf.OneHot, "wasm")),
    sharedIdentity(tf.getKernel(tf.Identity, "wasm")),
  ];
  for (const config of configs) {
    const previous = tf.getKernel(config.kernelName, "wasm") as tf.KernelConfig | undefined;
    replaced.set(config.kernelName, previous);
    // Unregister first: registering over an existing kernel works but logs a warning.
    if (previous !== undefined) tf.unregisterKernel(config.kernelName, "wasm");
    tf.registerKernel(inheritSetup(config, previous));
  }
  return WASM_KERNEL_NAMES;
}

/**
 * The backend runs the set-up function (which binds the C++ entry point) only of the kernels registered
 * when it initializes. A replacement registered before that must run the original's set-up too, or the
 * original fails ("wasmConv2DBackpropInput is not a function") once `unregisterWasmKernels` restores it.
 */
function inheritSetup(config: tf.KernelConfig, previous: tf.KernelConfig | undefined): tf.KernelConfig {
  if (previous === undefined || config.setupFunc !== undefined) return config;
  return {
    ...config,
    ...(previous.setupFunc ? { setupFunc: previous.setupFunc } : {}),
    ...(previous.disposeFunc ? { disposeFunc: previous.disposeFunc } : {}),
  };
}

/**
 * Undoes `registerWasmKernels`, putting tfjs-backend-wasm's own kernels back (and leaving
 * `Conv2DBackpropFilter` unregistered, as tfjs has none). Used to benchmark with and without.
 *
 * @example
 * ```ts
 * unregisterWasmKernels();
 * // ... measure tfjs's own kernels ...
 * registerWasmKernels();
 * ```
 */
export function unregisterWasmKernels(): void {
  for (const [name, previous] of replaced) {
    if (tf.getKernel(name, "wasm") !== undefined) tf.unregisterKernel(name, "wasm");
    if (previous !== undefined) tf.registerKernel(previous);
  }
  replaced.clear();
}

/**
 * Whether `registerWasmKernels` is in effect.
 *
 * @example
 * ```ts
 * registerWasmKernels();
 * wasmKernelsRegistered(); // true
 * ```
 */
export function wasmKernelsRegistered(): boolean {
  return replaced.size > 0;
}
