import * as tf from "@tensorflow/tfjs-core";
import { asWasmBackend } from "./wasm-kernel-scope";

/**
 * An `Identity` kernel for wasm that shares its input's buffer (incrementing its reference count, as the
 * wasm Reshape kernel and tfjs's CPU Identity do) instead of copying it. Tensors are immutable and a
 * variable's `assign` re-points it at another buffer, so nothing can observe the sharing.
 *
 * Why: tfjs clones every tensor a gradient needs while the tape records (`tf.variableGrads`), and
 * tfjs-backend-wasm's Identity copies the whole buffer, so a training step copies every saved activation
 * and weight once more (conv inputs of a 200-frame batch, a 6 MB LSTM weight per pass).
 *
 * @example
 * ```ts
 * tf.registerKernel(sharedIdentity(tf.getKernel("Identity", "wasm")!)); // after unregistering the original
 * const y = tf.clone(x); // y shares x's wasm buffer; disposing either leaves the other intact
 * ```
 */
export function sharedIdentity(original: tf.KernelConfig): tf.KernelConfig {
  return {
    kernelName: tf.Identity,
    backendName: "wasm",
    ...(original.setupFunc ? { setupFunc: original.setupFunc } : {}),
    ...(original.disposeFunc ? { disposeFunc: original.disposeFunc } : {}),
    kernelFunc: (args) => {
      const { x } = args.inputs as { x: tf.TensorInfo };
      // Strings live outside the wasm heap: the original handles them.
      if (x.dtype === "string") return original.kernelFunc(args);
      asWasmBackend(args.backend).incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    },
  };
}
