import * as tf from "@tensorflow/tfjs-core";
import {
  asFloat32,
  passThroughGradient,
  reduceGradientToShape,
  zerosGradient,
  type GradientMap,
} from "./gradient-contract";
import { savedTensors, singleDy } from "./kernel-gradient-args";

type BinaryRule = (dy: tf.Tensor, a: tf.Tensor, b: tf.Tensor) => { a: () => tf.Tensor; b: () => tf.Tensor };

/**
 * A gradient for a broadcasting binary kernel `y = f(a, b)`. Both inputs are saved (a clone only bumps a reference
 * count) because their shapes decide which axes to sum the gradient over.
 */
function binaryGradient(kernelName: string, rule: BinaryRule): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: ["a", "b"],
    gradFunc: (dy, saved): GradientMap => {
      const g = asFloat32(singleDy(dy, kernelName));
      const [a, b] = savedTensors(saved, 2, kernelName);
      const partials = rule(g, asFloat32(a), asFloat32(b));
      return {
        a: () => reduceGradientToShape(partials.a(), a.shape),
        b: () => reduceGradientToShape(partials.b(), b.shape),
      };
    },
  };
}

function mask(condition: tf.Tensor): tf.Tensor {
  return tf.cast(condition, "float32");
}

const powGradient: tf.GradConfig = {
  kernelName: tf.Pow,
  inputsToSave: ["a", "b"],
  outputsToSave: [true],
  gradFunc: (dy, saved): GradientMap => {
    const g = asFloat32(singleDy(dy, tf.Pow));
    const [a, b, y] = savedTensors(saved, 3, tf.Pow);
    const af = asFloat32(a);
    const bf = asFloat32(b);
    return {
      a: () => reduceGradientToShape(tf.mul(g, tf.mul(bf, tf.pow(af, tf.sub(bf, 1)))), a.shape),
      // d/db a^b = a^b ln a exists only for a > 0 (for a <= 0 the power is real only at integer b); 0 elsewhere.
      // The inner where keeps log away from non-positive values so no NaN is formed, not even in the unused branch.
      b: () => {
        const positive = tf.greater(af, 0);
        const logA = tf.where(positive, tf.log(tf.where(positive, af, tf.onesLike(af))), tf.zerosLike(af));
        return reduceGradientToShape(tf.mul(g, tf.mul(asFloat32(y), logA)), b.shape);
      },
    };
  },
};

const addNGradient: tf.GradConfig = {
  kernelName: tf.AddN,
  // AddN takes a list; the engine saves all of it, which is how the gradient learns how many inputs there are.
  saveAllInputs: true,
  gradFunc: (dy, saved): GradientMap => {
    const g = singleDy(dy, tf.AddN);
    const grads: GradientMap = {};
    saved.forEach((_, i) => {
      grads[String(i)] = () => passThroughGradient(g);
    });
    return grads;
  },
};

/** Gradients of the broadcasting binary arithmetic kernels. */
export const ELEMENTWISE_BINARY_GRADIENTS: readonly tf.GradConfig[] = [
  binaryGradient(tf.Add, (dy) => ({ a: () => dy, b: () => dy })),
  binaryGradient(tf.Sub, (dy) => ({ a: () => dy, b: () => tf.neg(dy) })),
  binaryGradient(tf.Multiply, (dy, a, b) => ({ a: () => tf.mul(dy, b), b: () => tf.mul(dy, a) })),
  binaryGradient(tf.RealDiv, (dy, a, b) => ({
    a: () => tf.div(dy, b),
    b: () => tf.neg(tf.div(tf.mul(dy, a), tf.square(b))),
  })),
  // Ties send the whole gradient to `a`, so the two parts still sum to dy.
  binaryGradient(tf.Maximum, (dy, a, b) => ({
    a: () => tf.mul(dy, mask(tf.greaterEqual(a, b))),
    b: () => tf.mul(dy, mask(tf.less(a, b))),
  })),
  binaryGradient(tf.Minimum, (dy, a, b) => ({
    a: () => tf.mul(dy, mask(tf.lessEqual(a, b))),
    b: () => tf.mul(dy, mask(tf.greater(a, b))),
  })),
  binaryGradient(tf.SquaredDifference, (dy, a, b) => {
    const twiceDiff = (): tf.Tensor => tf.mul(dy, tf.mul(tf.scalar(2), tf.sub(a, b)));
    return { a: twiceDiff, b: () => tf.neg(twiceDiff()) };
  }),
  powGradient,
  addNGradient,
  // floor(a / b) is piecewise constant.
  binaryGradient(tf.FloorDiv, (_dy, a, b) => ({ a: () => zerosGradient(a.shape), b: () => zerosGradient(b.shape) })),
  // a mod b = a - floor(a / b) * b, with the floor piecewise constant.
  binaryGradient(tf.Mod, (dy, a, b) => ({ a: () => dy, b: () => tf.mul(dy, tf.neg(tf.floor(tf.div(a, b)))) })),
  binaryGradient(tf.Atan2, (dy, a, b) => {
    const scaled = (): tf.Tensor => tf.div(dy, tf.add(tf.square(a), tf.square(b)));
    return { a: () => tf.mul(scaled(), b), b: () => tf.neg(tf.mul(scaled(), a)) };
  }),
];
