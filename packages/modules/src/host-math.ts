import * as tf from "@tensorflow/tfjs-core";

export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/**
 * `a @ b` with `a` on the host and `b` on the backend; the product comes back to the host. The recurrent
 * cells use it once per step: one upload, one matMul, one download beat a chain of small backend ops.
 */
export function hostMatMul(a: Float32Array, shape: [number, number], b: tf.Tensor2D): Float32Array {
  const y = tf.tidy(() => tf.matMul(tf.tensor2d(a, shape), b));
  const values = y.dataSync() as Float32Array;
  y.dispose();
  return values;
}
