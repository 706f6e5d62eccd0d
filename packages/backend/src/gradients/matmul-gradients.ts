import * as tf from "@tensorflow/tfjs-core";
import { asFloat32, reduceGradientToShape, type GradientMap } from "./gradient-contract";
import { booleanAttr, optionalNumberAttr, savedTensors, singleDy } from "./kernel-gradient-args";
import {
  decodeFusedSaved,
  fusedActivationAttr,
  fusedActivationGradient,
  fusedInputsToSave,
} from "./fused-kernel-gradient";

/**
 * Gradients of y = op(a) · op(b), where op transposes the last two axes when the flag is set. Each is one matMul
 * with transpose flags rather than an explicit transpose, so backends with fast transposed products use them.
 * Batch axes broadcast in the forward pass, so each result is summed back to its operand's shape.
 *
 * With A = op(a), B = op(b): dA = dy·Bᵀ and dB = Aᵀ·dy, each transposed back when its operand was stored
 * transposed.
 */
export function matMulGradients(
  dy: tf.Tensor,
  a: tf.Tensor,
  b: tf.Tensor,
  transposeA: boolean,
  transposeB: boolean,
): { a: () => tf.Tensor; b: () => tf.Tensor } {
  const g = asFloat32(dy);
  const af = asFloat32(a);
  const bf = asFloat32(b);
  let da: () => tf.Tensor;
  let db: () => tf.Tensor;
  if (!transposeA && !transposeB) {
    da = () => tf.matMul(g, bf, false, true);
    db = () => tf.matMul(af, g, true, false);
  } else if (!transposeA && transposeB) {
    da = () => tf.matMul(g, bf, false, false);
    db = () => tf.matMul(g, af, true, false);
  } else if (transposeA && !transposeB) {
    da = () => tf.matMul(bf, g, false, true);
    db = () => tf.matMul(af, g, false, false);
  } else {
    da = () => tf.matMul(bf, g, true, true);
    db = () => tf.matMul(g, af, true, true);
  }
  return { a: () => reduceGradientToShape(da(), a.shape), b: () => reduceGradientToShape(db(), b.shape) };
}

const batchMatMulGradient: tf.GradConfig = {
  kernelName: tf.BatchMatMul,
  inputsToSave: ["a", "b"],
  gradFunc: (dy, saved, attrs): GradientMap => {
    const [a, b] = savedTensors(saved, 2, tf.BatchMatMul);
    return matMulGradients(
      singleDy(dy, tf.BatchMatMul),
      a,
      b,
      booleanAttr(attrs, "transposeA", tf.BatchMatMul),
      booleanAttr(attrs, "transposeB", tf.BatchMatMul),
    );
  },
};

const fusedMatMulGradient: tf.GradConfig = {
  kernelName: tf._FusedMatMul,
  inputsToSave: fusedInputsToSave("a", "b"),
  outputsToSave: [true],
  gradFunc: (dy, saved, attrs): GradientMap => {
    const activation = fusedActivationAttr(attrs, tf._FusedMatMul);
    const transposeA = booleanAttr(attrs, "transposeA", tf._FusedMatMul);
    const transposeB = booleanAttr(attrs, "transposeB", tf._FusedMatMul);
    const { first: a, second: b, bias, prelu, y } = decodeFusedSaved(saved, activation, tf._FusedMatMul);
    const preActivation = (): tf.Tensor => {
      const product = tf.matMul(a, b, transposeA, transposeB);
      return bias === undefined ? product : tf.add(product, bias);
    };
    const { dz, dPrelu } = fusedActivationGradient(
      singleDy(dy, tf._FusedMatMul),
      y,
      activation,
      optionalNumberAttr(attrs, "leakyreluAlpha", tf._FusedMatMul, 0.2),
      prelu,
      preActivation,
    );
    const grads: GradientMap = matMulGradients(dz, a, b, transposeA, transposeB);
    if (bias !== undefined) grads.bias = () => reduceGradientToShape(dz, bias.shape);
    if (dPrelu !== undefined) grads.preluActivationWeights = dPrelu;
    return grads;
  },
};

/** Gradients of the matrix-product kernels. */
export const MATMUL_GRADIENTS: readonly tf.GradConfig[] = [batchMatMulGradient, fusedMatMulGradient];
