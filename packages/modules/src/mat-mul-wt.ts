import * as tf from "@tensorflow/tfjs-core";

/**
 * `x @ w^T` for `x` `[m, in]` and a weight in PyTorch's `[out, in]` layout.
 *
 * Why it is written this way: on wasm a matMul with a transposed operand is several times slower than a
 * plain one, and XNNPACK packs the right-hand operand of every product, caching the packing per tensor.
 * A fresh `transpose(w)` per call therefore costs a full transpose plus a packing of the whole weight
 * (measured ~33 ms for a `[512, 3136]` LSTM input weight, against ~1 ms for the product itself at m = 5).
 * So when `x` has no more rows than `w` (a handful of steps, or a batch of a few hundred frames against
 * a wide weight) the product is taken as `(w @ x^T)^T`, where only the small `x^T` is transposed and
 * packed; otherwise as `x @ transpose(w)`. The custom gradient is dw = dy^T @ x and dx = dy @ w, the
 * latter as `(w^T @ dy^T)^T` when dy has no more rows than w has columns, for the same reason: w is a new
 * buffer after every optimizer step, and packing it cost more than transposing it.
 */
export function matMulWT(x: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xa, wa, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
    save([xa, wa]);
    const value =
      xa.shape[0] <= wa.shape[0] ? tf.transpose(tf.matMul(wa, tf.transpose(xa))) : tf.matMul(xa, tf.transpose(wa));
    return {
      value,
      // tfjs runs a custom gradient outside any tidy: the intermediates must be freed here.
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.tidy(() => {
          const [xs, ws] = saved as [tf.Tensor2D, tf.Tensor2D];
          const d = dy as tf.Tensor2D;
          // dx = dy @ w would pack all of w (a new buffer after every optimizer step) as the right-hand operand.
          const dx =
            d.shape[0] <= ws.shape[1] ? tf.transpose(tf.matMul(tf.transpose(ws), tf.transpose(d))) : tf.matMul(d, ws);
          return [dx, tf.matMul(d, xs, true, false)];
        }),
    };
  });
  return f(x, w) as tf.Tensor2D;
}
