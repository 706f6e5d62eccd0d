import * as tf from "@tensorflow/tfjs-core";
import { asWasmBackend, withWasmScope, type WasmKernelScope } from "./wasm-kernel-scope";

/**
 * Wraps the wasm backend's `BatchMatMul` (or, see `fusedMatMulWasm`, `_FusedMatMul`) so that `transposeA` / `transposeB` are done by
 * the Transpose kernel first and the original runs with both flags off.
 *
 * Why: with a flag set, tfjs-backend-wasm 4.22 leaves XNNPACK's packed GEMM for a plain loop; a 512³
 * matMul measured here ran at 0.9 (transposeA) and 1.9 (transposeB) GFLOP/s against 24 untransposed,
 * while the explicit transpose costs one pass over the operand (19 and 18 GFLOP/s with it). Gradients of dense layers hit exactly
 * these flags (dW = xᵀ·dy, dx = dy·Wᵀ).
 *
 * @example
 * ```ts
 * const original = tf.getKernel("BatchMatMul", "wasm")!;
 * tf.unregisterKernel("BatchMatMul", "wasm");
 * tf.registerKernel(explicitTransposeMatMul(original));
 * ```
 */
export function explicitTransposeMatMul(original: tf.KernelConfig): tf.KernelConfig {
  const { kernelName } = original;
  return {
    kernelName,
    backendName: "wasm",
    // The original's set-up binds its C++ function; the backend calls it for whatever config is registered
    // when it initializes, so the wrapper must carry it along.
    ...(original.setupFunc ? { setupFunc: original.setupFunc } : {}),
    ...(original.disposeFunc ? { disposeFunc: original.disposeFunc } : {}),
    kernelFunc: ({ inputs, backend: rawBackend, attrs = {} }) => {
      const transposeA = attrs.transposeA === true;
      const transposeB = attrs.transposeB === true;
      const backend = asWasmBackend(rawBackend);
      if (!transposeA && !transposeB) return original.kernelFunc({ inputs, attrs, backend });
      return withWasmScope(backend, (scope) => {
        const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
        const plainInputs: tf.NamedTensorInfoMap = {
          ...inputs,
          a: transposeA ? transposeLastTwo(scope, a) : a,
          b: transposeB ? transposeLastTwo(scope, b) : b,
        };
        return scope.runFunc(kernelName, original.kernelFunc, plainInputs, {
          ...attrs,
          transposeA: false,
          transposeB: false,
        });
      });
    },
  };
}

/**
 * Swaps the last two axes of `x` with the wasm Transpose kernel; the result is tracked by `scope`.
 *
 * @example
 * ```ts
 * const at = transposeLastTwo(scope, a); // [b, m, k] -> [b, k, m]
 * ```
 */
export function transposeLastTwo(scope: WasmKernelScope, x: tf.TensorInfo): tf.TensorInfo {
  const rank = x.shape.length;
  if (rank < 2)
    throw new Error(`tdrl wasm matMul: operand of rank ${rank} cannot be transposed; shape [${x.shape.join(", ")}]`);
  const perm = Array.from({ length: rank }, (_, i) => (i === rank - 2 ? rank - 1 : i === rank - 1 ? rank - 2 : i));
  return scope.run(tf.Transpose, { x }, { perm });
}
