import * as tf from "@tensorflow/tfjs-core";
import { ACTIVATION_GRADIENTS } from "./activation-gradients";
import { gradientSuite } from "../../test/gradient-test-suite";
import type { GradientCase } from "../../test/numeric-gradient-check";

// cpu has no LogSoftmax kernel (tf.logSoftmax composes ops under customGrad), but other backends may register one,
// and then our gradient is what backprop uses. A test-only cpu kernel built from ops makes that path reachable.
if (tf.getKernel(tf.LogSoftmax, "cpu") === undefined) {
  tf.registerKernel({
    kernelName: tf.LogSoftmax,
    backendName: "cpu",
    kernelFunc: ({ inputs, attrs }) => {
      const logits = inputs.logits as tf.Tensor;
      const axis = attrs?.axis as number;
      return tf.tidy(() => tf.sub(logits, tf.logSumExp(logits, axis, true)));
    },
  });
}

const nearZero = (v: number): boolean => Math.abs(v) < 0.05;

function unary(
  kernel: string,
  f: (x: tf.Tensor) => tf.Tensor,
  lo = -2,
  hi = 2,
  avoid?: (v: number) => boolean,
): GradientCase {
  return {
    name: `${kernel} on [${lo}, ${hi}]`,
    kernel,
    inputs: [{ shape: [2, 3], lo, hi, ...(avoid ? { avoid } : {}) }],
    f,
  };
}

const cases: GradientCase[] = [
  unary(tf.Relu, (x) => tf.relu(x), -2, 2, nearZero),
  unary(
    tf.Relu6,
    (x) => tf.relu6(x),
    -2,
    8,
    (v) => nearZero(v) || Math.abs(v - 6) < 0.05,
  ),
  unary(tf.Elu, (x) => tf.elu(x), -2, 2, nearZero),
  unary(tf.Selu, (x) => tf.selu(x), -2, 2, nearZero),
  unary(tf.LeakyRelu, (x) => tf.leakyRelu(x, 0.1), -2, 2, nearZero),
  { ...unary(tf.LeakyRelu, (x) => tf.leakyRelu(x, -0.3), -2, 2, nearZero), name: "LeakyRelu with a negative slope" },
  {
    name: "Prelu with per-channel alpha [3]",
    kernel: tf.Prelu,
    inputs: [
      { shape: [2, 3], avoid: nearZero },
      { shape: [3], lo: 0.05, hi: 0.5 },
    ],
    f: (x, alpha) => tf.prelu(x, alpha),
  },
  {
    name: "Prelu with scalar alpha",
    kernel: tf.Prelu,
    inputs: [
      { shape: [2, 2, 2], avoid: nearZero },
      { shape: [], lo: 0.05, hi: 0.5 },
    ],
    f: (x, alpha) => tf.prelu(x, alpha),
  },
  unary(tf.Sigmoid, (x) => tf.sigmoid(x), -3, 3),
  unary(tf.Tanh, (x) => tf.tanh(x)),
  unary(tf.Softplus, (x) => tf.softplus(x), -3, 3),
  { name: "Softmax over the last axis", kernel: tf.Softmax, inputs: [{ shape: [2, 4] }], f: (x) => tf.softmax(x) },
  { name: "Softmax of rank 3", kernel: tf.Softmax, inputs: [{ shape: [2, 2, 3] }], f: (x) => tf.softmax(x, -1) },
  {
    name: "LogSoftmax kernel over the last axis",
    kernel: tf.LogSoftmax,
    inputs: [{ shape: [2, 4] }],
    f: (x) => tf.engine().runKernel<tf.Tensor>(tf.LogSoftmax, { logits: x }, { axis: -1 }),
    notOnWasm: "the LogSoftmax kernel above is registered for cpu only",
  },
];

gradientSuite("activation gradients", ACTIVATION_GRADIENTS, cases);
