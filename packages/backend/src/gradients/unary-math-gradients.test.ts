import * as tf from "@tensorflow/tfjs-core";
import { gradientSuite } from "../../test/gradient-test-suite";
import type { GradientCase } from "../../test/numeric-gradient-check";
import { UNARY_MATH_GRADIENTS } from "./unary-math-gradients";

const nearZero = (v: number): boolean => Math.abs(v) < 0.1;

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
  unary(tf.Neg, (x) => tf.neg(x)),
  unary(tf.Identity, (x) => tf.clone(x)),
  {
    name: "Cast to int32 and back is piecewise constant",
    kernel: tf.Cast,
    inputs: [{ shape: [5], lo: -3, hi: 3, avoid: (v) => Math.abs(v - Math.trunc(v)) < 0.05 }],
    f: (x) => tf.cast(tf.cast(x, "int32"), "float32"),
    expectZero: true,
  },
  {
    name: "Cast of a bool mask to float passes the gradient to the comparison",
    kernel: tf.Cast,
    inputs: [{ shape: [2, 3], avoid: nearZero }],
    f: (x) => tf.mul(x, tf.cast(tf.greater(x, 0), "float32")),
  },
  {
    name: "ClipByValue inside and outside the range",
    kernel: tf.ClipByValue,
    inputs: [{ shape: [3, 3], lo: -2, hi: 2, avoid: (v) => Math.abs(v + 1) < 0.05 || Math.abs(v - 1.2) < 0.05 }],
    f: (x) => tf.clipByValue(x, -1, 1.2),
  },
  unary(tf.Abs, (x) => tf.abs(x), -2, 2, nearZero),
  unary(tf.Exp, (x) => tf.exp(x)),
  unary(tf.Log, (x) => tf.log(x), 0.5, 3),
  unary(tf.Log1p, (x) => tf.log1p(x), -0.5, 2),
  unary(tf.Expm1, (x) => tf.expm1(x)),
  unary(tf.Sqrt, (x) => tf.sqrt(x), 0.5, 3),
  unary(tf.Rsqrt, (x) => tf.rsqrt(x), 0.5, 3),
  unary(tf.Square, (x) => tf.square(x)),
  unary(
    tf.Reciprocal,
    (x) => tf.reciprocal(x),
    -2,
    2,
    (v) => Math.abs(v) < 0.5,
  ),
  unary(tf.Erf, (x) => tf.erf(x), -1.5, 1.5),
  unary(tf.Sin, (x) => tf.sin(x)),
  unary(tf.Cos, (x) => tf.cos(x)),
  unary(tf.Tan, (x) => tf.tan(x), -1, 1),
  unary(tf.Asin, (x) => tf.asin(x), -0.8, 0.8),
  unary(tf.Acos, (x) => tf.acos(x), -0.8, 0.8),
  unary(tf.Atan, (x) => tf.atan(x)),
  unary(tf.Sinh, (x) => tf.sinh(x)),
  unary(tf.Cosh, (x) => tf.cosh(x)),
  unary(tf.Asinh, (x) => tf.asinh(x)),
  unary(tf.Acosh, (x) => tf.acosh(x), 1.3, 3),
  unary(tf.Atanh, (x) => tf.atanh(x), -0.8, 0.8),
];

gradientSuite("unary math gradients", UNARY_MATH_GRADIENTS, cases);
