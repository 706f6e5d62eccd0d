import * as tf from "@tensorflow/tfjs-core";
import { asWasmBackend, withWasmScope } from "./wasm-kernel-scope";

/**
 * tfjs-backend-wasm's OneHot writes int32 bits whatever dtype is asked for, so `tf.oneHot(i, n, 1, 0, "float32")`
 * reads back as 1.4e-45 instead of 1 (it broke Q(s, a) selection in QValueModule). This wrapper runs the original
 * for int32 and casts to the requested dtype, fixing every caller at once.
 *
 * @example
 * ```ts
 * tf.oneHot(tf.tensor1d([1], "int32"), 3, 1, 0, "float32").dataSync(); // Float32Array [0, 1, 0]
 * ```
 */
export function oneHotWithDType(original: tf.KernelConfig): tf.KernelConfig {
  return {
    kernelName: tf.OneHot,
    backendName: "wasm",
    ...(original.setupFunc ? { setupFunc: original.setupFunc } : {}),
    ...(original.disposeFunc ? { disposeFunc: original.disposeFunc } : {}),
    kernelFunc: ({ inputs, backend: rawBackend, attrs = {} }) => {
      const backend = asWasmBackend(rawBackend);
      const dtype = (attrs.dtype as tf.DataType | undefined) ?? "int32";
      if (dtype === "int32") return original.kernelFunc({ inputs, attrs, backend });
      return withWasmScope(backend, (scope) => {
        const ints = scope.runFunc(tf.OneHot, original.kernelFunc, inputs, { ...attrs, dtype: "int32" });
        return scope.run(tf.Cast, { x: ints }, { dtype });
      });
    },
  };
}
