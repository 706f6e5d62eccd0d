import * as tf from "@tensorflow/tfjs-core";
import { gradientSuite } from "../../test/gradient-test-suite";
import type { GradientCase } from "../../test/numeric-gradient-check";
import { ZERO_GRADIENTS } from "./zero-gradients";

const nearZero = (v: number): boolean => Math.abs(v) < 0.05;
const nearInteger = (v: number): boolean => Math.abs(v - Math.round(v)) < 0.05;
const nearHalfInteger = (v: number): boolean => Math.abs(v - Math.floor(v) - 0.5) < 0.05;
const Y_VALUES = [-1.05, 0.15, 1.35];
const nearY = (v: number): boolean => Y_VALUES.some((y) => Math.abs(v - y) < 0.05);

/** Piecewise-constant output: the whole gradient is zero. */
function flat(kernel: string, f: (x: tf.Tensor) => tf.Tensor, avoid?: (v: number) => boolean): GradientCase {
  return {
    name: `${kernel} is piecewise constant`,
    kernel,
    inputs: [{ shape: [2, 3], lo: -3, hi: 3, ...(avoid ? { avoid } : {}) }],
    f,
    expectZero: true,
  };
}

/** A comparison used as a `where` condition: x is on its path, so its zero gradient is needed next to Select's. */
function comparison(kernel: string, compare: (x: tf.Tensor, y: tf.Tensor) => tf.Tensor): GradientCase {
  return {
    name: `${kernel} as a where condition`,
    kernel,
    inputs: [
      { shape: [2, 3], avoid: nearY },
      { shape: [3], values: Y_VALUES },
    ],
    f: (x, y) => tf.where(compare(x, y), x, tf.mul(tf.broadcastTo(y, [2, 3]), 2)),
  };
}

const cases: GradientCase[] = [
  flat(tf.Sign, (x) => tf.sign(x), nearZero),
  flat(tf.Step, (x) => tf.step(x, 0.3), nearZero),
  flat(tf.Round, (x) => tf.round(x), nearHalfInteger),
  flat(tf.Floor, (x) => tf.floor(x), nearInteger),
  flat(tf.Ceil, (x) => tf.ceil(x), nearInteger),
  flat(tf.IsNan, (x) => tf.cast(tf.isNaN(x), "float32")),
  {
    name: "IsInf inside a where",
    kernel: tf.IsInf,
    inputs: [{ shape: [4] }],
    f: (x) => tf.where(tf.isInf(x), tf.zerosLike(x), x),
  },
  {
    name: "IsFinite inside a where",
    kernel: tf.IsFinite,
    inputs: [{ shape: [4] }],
    f: (x) => tf.where(tf.isFinite(x), x, tf.zerosLike(x)),
  },
  {
    name: "LogicalNot inside a where",
    kernel: tf.LogicalNot,
    inputs: [{ shape: [2, 3], avoid: nearZero }],
    f: (x) => tf.where(tf.logicalNot(tf.greater(x, 0)), tf.mul(x, 3), x),
  },
  {
    name: "ZerosLike added to x",
    kernel: tf.ZerosLike,
    inputs: [{ shape: [3] }],
    f: (x) => tf.add(x, tf.zerosLike(x)),
  },
  { name: "OnesLike times x", kernel: tf.OnesLike, inputs: [{ shape: [3] }], f: (x) => tf.mul(x, tf.onesLike(x)) },
  comparison(tf.Equal, (x, y) => tf.equal(x, y)),
  comparison(tf.NotEqual, (x, y) => tf.notEqual(x, y)),
  comparison(tf.Greater, (x, y) => tf.greater(x, y)),
  comparison(tf.GreaterEqual, (x, y) => tf.greaterEqual(x, y)),
  comparison(tf.Less, (x, y) => tf.less(x, y)),
  comparison(tf.LessEqual, (x, y) => tf.lessEqual(x, y)),
  comparison(tf.LogicalAnd, (x, y) => tf.logicalAnd(tf.greater(x, y), tf.less(x, 1))),
  comparison(tf.LogicalOr, (x, y) => tf.logicalOr(tf.greater(x, y), tf.less(x, -1.5))),
  {
    name: "ArgMax through OneHot picks the row maximum",
    kernel: tf.ArgMax,
    inputs: [{ shape: [3, 4], distinct: true }],
    f: (x) => tf.sum(tf.mul(x, tf.cast(tf.oneHot(tf.argMax(x, 1), 4), "float32")), 1),
  },
  {
    name: "ArgMin through OneHot picks the row minimum",
    kernel: tf.ArgMin,
    inputs: [{ shape: [3, 4], distinct: true }],
    f: (x) => tf.sum(tf.mul(x, tf.cast(tf.oneHot(tf.argMin(x, 1), 4), "float32")), 1),
  },
  {
    name: "OneHot of indices computed from x",
    kernel: tf.OneHot,
    inputs: [{ shape: [2, 3], distinct: true }],
    f: (x) => tf.mul(tf.reshape(tf.cast(tf.oneHot(tf.argMax(x, 1), 3), "float32"), [2, 3]), x),
  },
  {
    name: "All as a gate",
    kernel: tf.All,
    inputs: [{ shape: [2, 3] }],
    f: (x) => tf.mul(x, tf.cast(tf.all(tf.greater(x, -10)), "float32")),
  },
  {
    name: "Any as a gate",
    kernel: tf.Any,
    inputs: [{ shape: [2, 3] }],
    f: (x) => tf.mul(x, tf.cast(tf.any(tf.greater(x, 10), 1, true), "float32")),
    expectZero: true,
  },
];

gradientSuite("zero gradients", ZERO_GRADIENTS, cases);
