import * as tf from "@tensorflow/tfjs-core";

/**
 * What a registered gradient function returns: one thunk per kernel input. The engine only calls the thunks of
 * inputs that lie on a path from the differentiated variables, inside its own `tidy`.
 */
export type GradientMap = Record<string, () => tf.Tensor>;

/**
 * The engine rejects any gradient that is not float32, even for an int32 or bool input, so every result goes
 * through here.
 */
export function asFloat32(t: tf.Tensor): tf.Tensor {
  return t.dtype === "float32" ? t : tf.cast(t, "float32");
}

/**
 * Sums `grad` over the axes along which an input of `shape` was broadcast, and reshapes it to exactly `shape`.
 * Always returns a new tensor object: the engine stores one gradient per input and disposes it when accumulating,
 * so handing the same object to two inputs would free it under the other.
 */
export function reduceGradientToShape(grad: tf.Tensor, shape: readonly number[]): tf.Tensor {
  const target = [...shape];
  const axes = tf.backend_util.getReductionAxes(target, grad.shape);
  const summed = axes.length > 0 ? tf.sum(grad, axes) : grad;
  return tf.reshape(asFloat32(summed), target);
}

/** Zero gradient for an input of `shape`: what piecewise-constant kernels and integer/boolean inputs receive. */
export function zerosGradient(shape: readonly number[]): tf.Tensor {
  return tf.zeros([...shape], "float32");
}

/** Passes `dy` through unchanged as a fresh tensor object (see {@link reduceGradientToShape} for why a fresh one). */
export function passThroughGradient(dy: tf.Tensor): tf.Tensor {
  return dy.dtype === "float32" ? tf.clone(dy) : tf.cast(dy, "float32");
}
