import * as tf from "@tensorflow/tfjs-core";
import { ELEMENTWISE_BINARY_GRADIENTS } from "./elementwise-binary-gradients";
import { gradientSuite } from "../../test/gradient-test-suite";
import type { GradientCase } from "../../test/numeric-gradient-check";

const B_VALUES = [-0.95, 0.55, 1.45];
// Keeps `a` clear of the ties with B_VALUES that make max/min non-differentiable.
const awayFromB = (v: number): boolean => B_VALUES.some((b) => Math.abs(v - b) < 0.05);
const DIVISORS = [1.5, -2.5, 3];
// Keeps a / b clear of the integers where floor jumps.
const awayFromWholeRatios = (v: number): boolean => DIVISORS.some((d) => Math.abs(v / d - Math.round(v / d)) < 0.03);
const nonZero = (v: number): boolean => Math.abs(v) < 0.4;

const cases: GradientCase[] = [
  { name: "Add same shape", kernel: tf.Add, inputs: [{ shape: [2, 3] }, { shape: [2, 3] }], f: (a, b) => tf.add(a, b) },
  {
    name: "Add broadcast [2,3]+[3]",
    kernel: tf.Add,
    inputs: [{ shape: [2, 3] }, { shape: [3] }],
    f: (a, b) => tf.add(a, b),
  },
  {
    name: "Add broadcast [2,1,3]+[4,1]",
    kernel: tf.Add,
    inputs: [{ shape: [2, 1, 3] }, { shape: [4, 1] }],
    f: (a, b) => tf.add(a, b),
  },
  { name: "Add scalar", kernel: tf.Add, inputs: [{ shape: [] }, { shape: [2, 2] }], f: (a, b) => tf.add(a, b) },
  {
    name: "Sub broadcast [3]-[2,3]",
    kernel: tf.Sub,
    inputs: [{ shape: [3] }, { shape: [2, 3] }],
    f: (a, b) => tf.sub(a, b),
  },
  {
    name: "Sub broadcast [2,3]-[2,1]",
    kernel: tf.Sub,
    inputs: [{ shape: [2, 3] }, { shape: [2, 1] }],
    f: (a, b) => tf.sub(a, b),
  },
  {
    name: "Multiply broadcast [2,3]*[2,1]",
    kernel: tf.Multiply,
    inputs: [{ shape: [2, 3] }, { shape: [2, 1] }],
    f: (a, b) => tf.mul(a, b),
  },
  {
    name: "Multiply by scalar",
    kernel: tf.Multiply,
    inputs: [{ shape: [2, 3] }, { shape: [] }],
    f: (a, b) => tf.mul(a, b),
  },
  { name: "Multiply same tensor twice", kernel: tf.Multiply, inputs: [{ shape: [4] }], f: (a) => tf.mul(a, a) },
  {
    name: "RealDiv broadcast [2,3]/[3]",
    kernel: tf.RealDiv,
    inputs: [{ shape: [2, 3] }, { shape: [3], avoid: nonZero }],
    f: (a, b) => tf.div(a, b),
  },
  {
    name: "RealDiv broadcast [1,3]/[2,1]",
    kernel: tf.RealDiv,
    inputs: [{ shape: [1, 3] }, { shape: [2, 1], avoid: nonZero }],
    f: (a, b) => tf.div(a, b),
  },
  {
    name: "Maximum broadcast [2,3] vs [3]",
    kernel: tf.Maximum,
    inputs: [
      { shape: [2, 3], avoid: awayFromB },
      { shape: [3], values: B_VALUES },
    ],
    f: (a, b) => tf.maximum(a, b),
  },
  {
    name: "Minimum broadcast [2,3] vs [3]",
    kernel: tf.Minimum,
    inputs: [
      { shape: [2, 3], avoid: awayFromB },
      { shape: [3], values: B_VALUES },
    ],
    f: (a, b) => tf.minimum(a, b),
  },
  {
    name: "SquaredDifference broadcast [2,3] vs [1,3]",
    kernel: tf.SquaredDifference,
    inputs: [{ shape: [2, 3] }, { shape: [1, 3] }],
    f: (a, b) => tf.squaredDifference(a, b),
  },
  {
    name: "Pow broadcast [2,3]^[3]",
    kernel: tf.Pow,
    inputs: [
      { shape: [2, 3], lo: 0.5, hi: 2 },
      { shape: [3], lo: -1.5, hi: 2 },
    ],
    f: (a, b) => tf.pow(a, b),
  },
  {
    name: "Pow by scalar exponent",
    kernel: tf.Pow,
    inputs: [
      { shape: [4], lo: 0.5, hi: 2 },
      { shape: [], lo: 1, hi: 2.5 },
    ],
    f: (a, b) => tf.pow(a, b),
  },
  {
    name: "AddN of three",
    kernel: tf.AddN,
    inputs: [{ shape: [2, 3] }, { shape: [2, 3] }, { shape: [2, 3] }],
    f: (a, b, c) => tf.addN([a, b, c]),
  },
  {
    name: "AddN with a repeated input",
    kernel: tf.AddN,
    inputs: [{ shape: [3] }, { shape: [3] }],
    f: (a, b) => tf.addN([a, b, a]),
  },
  {
    name: "FloorDiv is piecewise constant",
    kernel: tf.FloorDiv,
    inputs: [
      { shape: [2, 3], lo: -5, hi: 5, avoid: awayFromWholeRatios },
      { shape: [3], values: DIVISORS },
    ],
    f: (a, b) => tf.floorDiv(a, b),
    expectZero: true,
  },
  {
    name: "Mod broadcast [2,3] mod [3]",
    kernel: tf.Mod,
    inputs: [
      { shape: [2, 3], lo: -5, hi: 5, avoid: awayFromWholeRatios },
      { shape: [3], values: DIVISORS },
    ],
    f: (a, b) => tf.mod(a, b),
  },
  {
    name: "Atan2 broadcast [2,3] vs [3]",
    kernel: tf.Atan2,
    inputs: [
      { shape: [2, 3], avoid: nonZero },
      { shape: [3], avoid: nonZero },
    ],
    f: (a, b) => tf.atan2(a, b),
  },
];

gradientSuite("elementwise binary gradients", ELEMENTWISE_BINARY_GRADIENTS, cases);
