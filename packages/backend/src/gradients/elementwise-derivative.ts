import * as tf from "@tensorflow/tfjs-core";
import { asFloat32, type GradientMap } from "./gradient-contract";
import { savedTensors, singleDy } from "./kernel-gradient-args";

// Gradient configs for elementwise functions of one input, shared by the unary-math and activation tables.

/** `dx = dy * f'(x)`, with `x` saved. */
export function fromInput(kernelName: string, derivative: (x: tf.Tensor) => tf.Tensor): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: ["x"],
    gradFunc: (dy, saved): GradientMap => {
      const g = asFloat32(singleDy(dy, kernelName));
      const [x] = savedTensors(saved, 1, kernelName);
      return { x: () => tf.mul(g, derivative(asFloat32(x))) };
    },
  };
}

/** `dx = dy * f'(x)` written in terms of the saved output `y`. */
export function fromOutput(kernelName: string, derivative: (y: tf.Tensor) => tf.Tensor): tf.GradConfig {
  return {
    kernelName,
    outputsToSave: [true],
    gradFunc: (dy, saved): GradientMap => {
      const g = asFloat32(singleDy(dy, kernelName));
      const [y] = savedTensors(saved, 1, kernelName);
      return { x: () => tf.mul(g, derivative(asFloat32(y))) };
    },
  };
}
