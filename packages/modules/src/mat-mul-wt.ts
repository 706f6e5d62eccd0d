import * as tf from "@tensorflow/tfjs-core";

/**
 * `x @ w^T` for a weight in PyTorch's `[out, in]` layout, given `wT = transpose(w)` made once by the caller
 * (an LSTM reuses it at every step). On wasm a matMul with a transposed operand is several times slower
 * than a plain one, and tfjs's own gradient of `x @ wT` would need exactly such a matMul for dx; the
 * custom gradient uses plain/transposed-A products instead: dx = dy @ w, dw = dy^T @ x.
 */
export function matMulWT(x: tf.Tensor2D, w: tf.Tensor2D, wT: tf.Tensor2D): tf.Tensor2D {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xa, wa, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    save([xa, wa]);
    return {
      value: tf.matMul(xa as tf.Tensor2D, wT),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ws] = saved as [tf.Tensor2D, tf.Tensor2D];
        return [tf.matMul(dy as tf.Tensor2D, ws), tf.matMul(dy as tf.Tensor2D, xs, true, false)];
      },
    };
  });
  return f(x, w) as tf.Tensor2D;
}
