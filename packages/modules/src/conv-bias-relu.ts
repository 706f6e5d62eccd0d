import * as tf from "@tensorflow/tfjs-core";
import { biasGradient } from "./bias-add";

/**
 * `relu(conv2d(x, filter) + bias)` (NHWC, no dilation) as one fused convolution forward, with its own
 * gradient: dz = dy * step(y), then tfjs's input and filter backprop kernels and `biasGradient`.
 *
 * Why: the fused op applies bias and ReLU inside XNNPACK's convolution instead of two more passes over
 * the activations (about 20% off the Nature CNN's 2nd and 3rd layers in one run). tfjs's own fused conv
 * gradient sums the bias gradient with the slow wasm Sum. Like it (and like any custom gradient), this
 * computes the input gradient whenever the gradient is taken, so `ConvNet` uses it only where the input
 * is another layer's activation, which needs that gradient anyway.
 */
export function convBiasRelu(
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  bias: tf.Tensor1D,
  stride: number,
  pad: "valid" | number,
): tf.Tensor4D {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xa, fa, ba, save] = args as [tf.Tensor4D, tf.Tensor4D, tf.Tensor1D, tf.GradSaveFunc];
    // The kernel itself: tf.fused.conv2d falls back to three unfused ops while a gradient is recorded.
    const y = tf.engine().runKernel(tf.FusedConv2D, { x: xa, filter: fa, bias: ba }, {
      strides: stride,
      pad,
      dataFormat: "NHWC",
      dilations: 1,
      dimRoundingMode: undefined,
      activation: "relu",
    } as unknown as tf.NamedAttrMap) as tf.Tensor4D;
    save([xa, fa, y]);
    return {
      value: y,
      // tfjs runs a custom gradient outside any tidy: the intermediates must be freed here.
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.tidy(() => {
          const [xs, fs, ys] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
          const dz = tf.mul(dy, tf.step(ys));
          const attrs = { strides: stride, pad, dataFormat: "NHWC", dimRoundingMode: undefined } as const;
          const engine = tf.engine();
          const dx = engine.runKernel(tf.Conv2DBackpropInput, { dy: dz, filter: fs }, {
            ...attrs,
            inputShape: xs.shape,
          } as unknown as tf.NamedAttrMap) as tf.Tensor;
          const df = engine.runKernel(tf.Conv2DBackpropFilter, { x: xs, dy: dz }, {
            ...attrs,
            filterShape: fs.shape,
          } as unknown as tf.NamedAttrMap) as tf.Tensor;
          return [dx, df, biasGradient(dz)];
        }),
    };
  });
  return f(x, filter, bias) as tf.Tensor4D;
}
