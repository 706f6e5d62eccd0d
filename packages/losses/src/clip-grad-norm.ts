import * as tf from "@tensorflow/tfjs-core";

/**
 * Scales gradients so that their global L2 norm is at most `maxNorm` (PyTorch's `clip_grad_norm_`, same
 * `1e-6` guard), and returns the norm before clipping. tfjs tensors are immutable, so the clipped gradients
 * are new tensors (the caller disposes them and the inputs); with a norm within bounds they are still copies,
 * so ownership never depends on the data.
 *
 * @example
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "@tdrl/backend";
 * await initBackend({ prefer: "cpu" });
 * const { grads, norm } = clipGradNorm({ w: tf.tensor1d([3, 4]) }, 1); // norm 5, grads.w ~ [0.6, 0.8]
 * tf.dispose(grads);
 */
export function clipGradNorm(grads: tf.NamedTensorMap, maxNorm: number): { grads: tf.NamedTensorMap; norm: number } {
  if (!(maxNorm > 0)) throw new Error(`clipGradNorm: maxNorm must be > 0, got ${maxNorm}`);
  const names = Object.keys(grads);
  if (names.length === 0) return { grads: {}, norm: 0 };
  const normT = tf.tidy(() => tf.sqrt(tf.addN(names.map((k) => tf.sum(tf.square(grads[k]!))))));
  const norm = normT.dataSync()[0]!;
  normT.dispose();
  const scale = Math.min(1, maxNorm / (norm + 1e-6));
  const out: tf.NamedTensorMap = {};
  tf.tidy(() => {
    for (const k of names) out[k] = tf.keep(scale === 1 ? tf.clone(grads[k]!) : tf.mul(grads[k]!, scale));
  });
  return { grads: out, norm };
}
