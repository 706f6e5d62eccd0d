import * as tf from "@tensorflow/tfjs-core";
import { ACTIVATION_GRADIENTS } from "./activation-gradients";
import { CONV_GRADIENTS } from "./conv-gradients";
import { ELEMENTWISE_BINARY_GRADIENTS } from "./elementwise-binary-gradients";
import { INDEXING_GRADIENTS } from "./indexing-gradients";
import { MATMUL_GRADIENTS } from "./matmul-gradients";
import { POOL_GRADIENTS } from "./pool-gradients";
import { REDUCTION_GRADIENTS } from "./reduction-gradients";
import { SHAPE_GRADIENTS } from "./shape-gradients";
import { SLICE_GRADIENTS } from "./slice-gradients";
import { UNARY_MATH_GRADIENTS } from "./unary-math-gradients";
import { ZERO_GRADIENTS } from "./zero-gradients";

const CORE_GRADIENTS: readonly tf.GradConfig[] = [
  ...ELEMENTWISE_BINARY_GRADIENTS,
  ...UNARY_MATH_GRADIENTS,
  ...ZERO_GRADIENTS,
  ...ACTIVATION_GRADIENTS,
  ...REDUCTION_GRADIENTS,
  ...SHAPE_GRADIENTS,
  ...SLICE_GRADIENTS,
  ...INDEXING_GRADIENTS,
  ...MATMUL_GRADIENTS,
  ...CONV_GRADIENTS,
  ...POOL_GRADIENTS,
];

/** The kernels {@link registerCoreGradients} provides a gradient for. */
export const CORE_GRADIENT_KERNELS: readonly string[] = Object.freeze(
  CORE_GRADIENTS.map((config) => config.kernelName),
);

/**
 * Registers gradient functions for the tfjs-core kernels that tdrl's models, losses and optimizers differentiate
 * through (see {@link CORE_GRADIENT_KERNELS}).
 *
 * Importing only `@tensorflow/tfjs-core` registers no gradients at all — they ship with the `@tensorflow/tfjs`
 * umbrella — so `tf.grad` and `optimizer.minimize` fail with "gradient function not found". A kernel that already
 * has a gradient (from tfjs-node, the umbrella package, or the caller) keeps it. Calling this again is cheap and
 * changes nothing.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import "@tensorflow/tfjs-backend-cpu";
 * import { registerCoreGradients } from "@tdrl/backend";
 *
 * registerCoreGradients();
 * const dx = tf.grad((x: tf.Tensor) => tf.sum(tf.square(x)))(tf.tensor1d([1, 2, 3]));
 * dx.print(); // [2, 4, 6]
 * ```
 */
export function registerCoreGradients(): void {
  for (const config of CORE_GRADIENTS) {
    if (tf.getGradient(config.kernelName) === undefined) tf.registerGradient(config);
  }
}
