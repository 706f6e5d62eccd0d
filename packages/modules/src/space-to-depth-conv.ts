import * as tf from "@tensorflow/tfjs-core";

/**
 * Whether `spaceToDepthConv2d` should run a valid convolution: strided, the kernel a multiple of the stride,
 * and so few input channels that the rearranged input has at most 16 (where XNNPACK's convolution is
 * starved: the Nature CNN's 8x8 stride-4 layer on one channel ran at about half its 16-channel speed).
 */
export function useSpaceToDepth(inChannels: number, kernel: number, stride: number, pad: number): boolean {
  return pad === 0 && stride > 1 && kernel % stride === 0 && inChannels * stride * stride <= 16;
}

/**
 * A valid convolution with stride s and a k x k kernel (k a multiple of s) as a stride-1 convolution with
 * a (k/s) x (k/s) kernel on the input rearranged into s x s blocks (space-to-depth): the same products,
 * exactly, in a shape XNNPACK runs well. Input channel (a, b, c) of the rearranged input is pixel (a, b)
 * of a block, channel c, and the filter is rearranged to match; both rearrangements are reshapes and one
 * rank-4 transpose each, so the gradient flows through tfjs's own.
 *
 * @example
 * const y = spaceToDepthConv2d(tf.zeros([2, 84, 84, 1]), tf.zeros([8, 8, 1, 32]), 4); // [2, 20, 20, 32]
 */
export function spaceToDepthConv2d(x: tf.Tensor4D, filter: tf.Tensor4D, stride: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, height, width, c] = x.shape;
    const [k, , , out] = filter.shape;
    const s = stride;
    const oh = Math.floor((height - k) / s) + 1;
    const ow = Math.floor((width - k) / s) + 1;
    // Rows and columns a valid convolution reads: a whole number of blocks.
    const rows = (oh - 1) * s + k;
    const cols = (ow - 1) * s + k;
    const used = rows === height && cols === width ? x : tf.slice(x, [0, 0, 0, 0], [n, rows, cols, c]);
    const bh = rows / s;
    const bw = cols / s;
    // [n * bh, a, bw, (b, c)] -> [n * bh, bw, a, (b, c)] -> [n, bh, bw, (a, b, c)]
    const blocks = tf.reshape(tf.transpose(tf.reshape(used, [n * bh, s, bw, s * c]), [0, 2, 1, 3]), [
      n,
      bh,
      bw,
      s * s * c,
    ]) as tf.Tensor4D;
    const kb = k / s;
    // [u, a, v, (b, c, out)] -> [u, v, a, (b, c, out)] -> [u, v, (a, b, c), out]
    const f = tf.reshape(tf.transpose(tf.reshape(filter, [kb, s, kb, s * c * out]), [0, 2, 1, 3]), [
      kb,
      kb,
      s * s * c,
      out,
    ]) as tf.Tensor4D;
    return tf.conv2d(blocks, f, 1, "valid");
  });
}
