import * as tf from "@tensorflow/tfjs-core";
import { asFloat32, passThroughGradient, zerosGradient, type GradientMap } from "./gradient-contract";
import { fromInput, fromOutput } from "./elementwise-derivative";
import { numberAttr, savedTensors, singleDy, stringAttr } from "./kernel-gradient-args";

const castGradient: tf.GradConfig = {
  kernelName: tf.Cast,
  gradFunc: (dy, _saved, attrs): GradientMap => {
    const g = singleDy(dy, tf.Cast);
    const target = stringAttr(attrs, "dtype", tf.Cast);
    // A cast to int32 or bool rounds, which is piecewise constant; a cast to float passes the gradient through.
    return { x: () => (target === "float32" ? passThroughGradient(g) : zerosGradient(g.shape)) };
  },
};

const clipByValueGradient: tf.GradConfig = {
  kernelName: tf.ClipByValue,
  inputsToSave: ["x"],
  gradFunc: (dy, saved, attrs): GradientMap => {
    const g = asFloat32(singleDy(dy, tf.ClipByValue));
    const [x] = savedTensors(saved, 1, tf.ClipByValue);
    const lo = numberAttr(attrs, "clipValueMin", tf.ClipByValue);
    const hi = numberAttr(attrs, "clipValueMax", tf.ClipByValue);
    return {
      x: () => tf.where(tf.logicalAnd(tf.greaterEqual(x, lo), tf.lessEqual(x, hi)), g, tf.zerosLike(g)),
    };
  },
};

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/** Gradients of the elementwise math kernels (the activation functions live in activation-gradients). */
export const UNARY_MATH_GRADIENTS: readonly tf.GradConfig[] = [
  {
    kernelName: tf.Neg,
    gradFunc: (dy): GradientMap => ({ x: () => tf.neg(asFloat32(singleDy(dy, tf.Neg))) }),
  },
  {
    kernelName: tf.Identity,
    gradFunc: (dy): GradientMap => ({ x: () => passThroughGradient(singleDy(dy, tf.Identity)) }),
  },
  castGradient,
  clipByValueGradient,
  fromInput(tf.Abs, (x) => tf.sign(x)),
  fromOutput(tf.Exp, (y) => y),
  fromInput(tf.Log, (x) => tf.reciprocal(x)),
  fromInput(tf.Log1p, (x) => tf.reciprocal(tf.add(x, 1))),
  fromOutput(tf.Expm1, (y) => tf.add(y, 1)),
  fromOutput(tf.Sqrt, (y) => tf.div(0.5, y)),
  // d/dx x^(-1/2) = -x^(-3/2) / 2 = -y^3 / 2
  fromOutput(tf.Rsqrt, (y) => tf.mul(-0.5, tf.pow(y, 3))),
  fromInput(tf.Square, (x) => tf.mul(2, x)),
  fromOutput(tf.Reciprocal, (y) => tf.neg(tf.square(y))),
  fromInput(tf.Erf, (x) => tf.mul(TWO_OVER_SQRT_PI, tf.exp(tf.neg(tf.square(x))))),
  fromInput(tf.Sin, (x) => tf.cos(x)),
  fromInput(tf.Cos, (x) => tf.neg(tf.sin(x))),
  fromInput(tf.Tan, (x) => tf.reciprocal(tf.square(tf.cos(x)))),
  fromInput(tf.Asin, (x) => tf.rsqrt(tf.sub(1, tf.square(x)))),
  fromInput(tf.Acos, (x) => tf.neg(tf.rsqrt(tf.sub(1, tf.square(x))))),
  fromInput(tf.Atan, (x) => tf.reciprocal(tf.add(1, tf.square(x)))),
  fromInput(tf.Sinh, (x) => tf.cosh(x)),
  fromInput(tf.Cosh, (x) => tf.sinh(x)),
  fromInput(tf.Asinh, (x) => tf.rsqrt(tf.add(1, tf.square(x)))),
  fromInput(tf.Acosh, (x) => tf.rsqrt(tf.sub(tf.square(x), 1))),
  fromInput(tf.Atanh, (x) => tf.reciprocal(tf.sub(1, tf.square(x)))),
];
