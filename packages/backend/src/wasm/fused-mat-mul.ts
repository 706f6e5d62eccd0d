import * as tf from "@tensorflow/tfjs-core";
import { transposeLastTwo } from "./explicit-transpose-mat-mul";
import { asWasmBackend, withWasmScope, type WasmKernelScope } from "./wasm-kernel-scope";

/**
 * Wraps the wasm backend's `_FusedMatMul` (matMul + bias + activation) for two reasons:
 *
 * - `transposeA` / `transposeB` are done by the Transpose kernel first, as for BatchMatMul (see
 *   `explicitTransposeMatMul`): with a flag set the fused kernel leaves XNNPACK's packed GEMM too.
 * - tfjs-backend-wasm 4.22 adds the bias wrongly when the batch is larger than 1: row 0 of each matrix gets
 *   bias[j], every other row gets bias[N−1] in all columns (checked against the cpu backend). When only `a`
 *   is batched its batch is folded into the rows, which is exact and keeps the fused kernel; when `b` is
 *   batched too, the product, bias and activation run as separate wasm kernels.
 *
 * @example
 * ```ts
 * const original = tf.getKernel("_FusedMatMul", "wasm")!;
 * tf.unregisterKernel("_FusedMatMul", "wasm");
 * tf.registerKernel(fusedMatMulWasm(original));
 * ```
 */
export function fusedMatMulWasm(original: tf.KernelConfig): tf.KernelConfig {
  const { kernelName } = original;
  return {
    kernelName,
    backendName: "wasm",
    ...(original.setupFunc ? { setupFunc: original.setupFunc } : {}),
    ...(original.disposeFunc ? { disposeFunc: original.disposeFunc } : {}),
    kernelFunc: ({ inputs, backend: rawBackend, attrs = {} }) => {
      const backend = asWasmBackend(rawBackend);
      const { a, b, bias, preluActivationWeights } = inputs as {
        a: tf.TensorInfo;
        b: tf.TensorInfo;
        bias?: tf.TensorInfo;
        preluActivationWeights?: tf.TensorInfo;
      };
      const transposeA = attrs.transposeA === true;
      const transposeB = attrs.transposeB === true;
      const batchA = tf.util.sizeFromShape(a.shape.slice(0, -2));
      const batchB = tf.util.sizeFromShape(b.shape.slice(0, -2));
      const biasBug = bias !== undefined && Math.max(batchA, batchB) > 1;
      if (!transposeA && !transposeB && !biasBug) return original.kernelFunc({ inputs, attrs, backend });

      return withWasmScope(backend, (scope) => {
        const plainA = transposeA ? transposeLastTwo(scope, a) : a;
        const plainB = transposeB ? transposeLastTwo(scope, b) : b;
        const plainAttrs: tf.NamedAttrMap = { ...attrs, transposeA: false, transposeB: false };
        if (!biasBug) {
          return scope.runFunc(kernelName, original.kernelFunc, { ...inputs, a: plainA, b: plainB }, plainAttrs);
        }
        const m = plainA.shape[plainA.shape.length - 2]!;
        const k = plainA.shape[plainA.shape.length - 1]!;
        const n = plainB.shape[plainB.shape.length - 1]!;
        const outShape = [
          ...tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2)),
          m,
          n,
        ];
        if (batchB === 1) {
          const rows = scope.run(tf.Reshape, { x: plainA }, { shape: [1, batchA * m, k] });
          const weights = scope.run(tf.Reshape, { x: plainB }, { shape: [1, k, n] });
          const out = scope.runFunc(kernelName, original.kernelFunc, { ...inputs, a: rows, b: weights }, plainAttrs);
          return scope.run(tf.Reshape, { x: out }, { shape: outShape });
        }
        const product = scope.run(tf.BatchMatMul, { a: plainA, b: plainB }, { transposeA: false, transposeB: false });
        const shaped = scope.run(tf.Reshape, { x: product }, { shape: outShape });
        const biased = scope.run(tf.Add, { a: shaped, b: bias });
        return activate(scope, biased, attrs, preluActivationWeights);
      });
    },
  };
}

function activate(
  scope: WasmKernelScope,
  x: tf.TensorInfo,
  attrs: tf.NamedAttrMap,
  prelu: tf.TensorInfo | undefined,
): tf.TensorInfo {
  const activation = String(attrs.activation ?? "linear");
  switch (activation) {
    case "linear":
      return x;
    case "relu":
      return scope.run(tf.Relu, { x });
    case "relu6":
      return scope.run(tf.Relu6, { x });
    case "elu":
      return scope.run(tf.Elu, { x });
    case "sigmoid":
      return scope.run(tf.Sigmoid, { x });
    case "leakyrelu":
      return scope.run(tf.LeakyRelu, { x }, { alpha: Number(attrs.leakyreluAlpha ?? 0.2) });
    case "prelu":
      if (prelu === undefined)
        throw new Error(`tdrl wasm _FusedMatMul: activation 'prelu' needs preluActivationWeights`);
      return scope.run(tf.Prelu, { x, alpha: prelu });
    default:
      throw new Error(`tdrl wasm _FusedMatMul: activation '${activation}' is not supported`);
  }
}
