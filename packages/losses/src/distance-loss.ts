import * as tf from "@tensorflow/tfjs-core";

/** Per-sample distance between a prediction and its target. */
export type LossFunction = "l2" | "smoothL1" | "huber";

/**
 * Elementwise distance (TorchRL's `distance_loss` without reduction): `"l2"` is `(p - t)^2` (no 1/2, as
 * TorchRL), `"smoothL1"` is PyTorch's `smooth_l1_loss` with `beta`, `"huber"` is `huber_loss` with `delta`
 * (both default 1, where they coincide).
 *
 * @example
 * import * as tf from "@tensorflow/tfjs-core";
 * distanceLoss(tf.tensor1d([0, 0]), tf.tensor1d([0.5, 3]), "smoothL1").dataSync(); // [0.125, 2.5]
 */
export function distanceLoss(pred: tf.Tensor, target: tf.Tensor, lossFunction: LossFunction, delta = 1): tf.Tensor {
  if (!(Number.isFinite(delta) && delta > 0)) throw new Error(`distanceLoss: delta (beta) must be > 0, got ${delta}`);
  return tf.tidy(() => {
    const d = tf.sub(pred, target);
    if (lossFunction === "l2") return tf.square(d);
    if (lossFunction !== "smoothL1" && lossFunction !== "huber") {
      throw new Error(
        `distanceLoss: lossFunction must be "l2", "smoothL1" or "huber", got ${JSON.stringify(lossFunction)}`,
      );
    }
    // 0.5 q^2 + delta (a - q) with q = min(a, delta) is the quadratic part inside and the linear part outside,
    // without a select, so the gradient is right on both sides.
    const a = tf.abs(d);
    const q = tf.minimum(a, delta);
    const huber = tf.add(tf.mul(0.5, tf.square(q)), tf.mul(delta, tf.sub(a, q)));
    return lossFunction === "huber" ? huber : tf.div(huber, delta);
  });
}
