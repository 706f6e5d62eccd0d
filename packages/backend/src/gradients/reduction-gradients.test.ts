import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { gradientSuite } from "../../test/gradient-test-suite";
import type { GradientCase } from "../../test/numeric-gradient-check";
import { REDUCTION_GRADIENTS } from "./reduction-gradients";

const X = { shape: [2, 3, 2] } as const;
const DISTINCT = { shape: [2, 3, 2], distinct: true } as const;

const cases: GradientCase[] = [
  { name: "Sum over axis 1", kernel: tf.Sum, inputs: [X], f: (x) => tf.sum(x, 1) },
  { name: "Sum over [0, 2] keepDims", kernel: tf.Sum, inputs: [X], f: (x) => tf.sum(x, [0, 2], true) },
  { name: "Sum over everything", kernel: tf.Sum, inputs: [X], f: (x) => tf.sum(x) },
  { name: "Sum over axis -1", kernel: tf.Sum, inputs: [X], f: (x) => tf.sum(x, -1) },
  { name: "Mean over axis 0", kernel: tf.Mean, inputs: [X], f: (x) => tf.mean(x, 0) },
  { name: "Mean over [1, 2] keepDims", kernel: tf.Mean, inputs: [X], f: (x) => tf.mean(x, [1, 2], true) },
  { name: "Mean over everything", kernel: tf.Mean, inputs: [X], f: (x) => tf.mean(x) },
  { name: "Max over axis 1", kernel: tf.Max, inputs: [DISTINCT], f: (x) => tf.max(x, 1) },
  { name: "Max over [0, 2] keepDims", kernel: tf.Max, inputs: [DISTINCT], f: (x) => tf.max(x, [0, 2], true) },
  { name: "Max over everything", kernel: tf.Max, inputs: [DISTINCT], f: (x) => tf.max(x) },
  { name: "Min over axis 0", kernel: tf.Min, inputs: [DISTINCT], f: (x) => tf.min(x, 0) },
  { name: "Min over axis -1 keepDims", kernel: tf.Min, inputs: [DISTINCT], f: (x) => tf.min(x, -1, true) },
  {
    name: "Prod over axis 1",
    kernel: tf.Prod,
    inputs: [{ shape: [2, 3, 2], lo: 0.5, hi: 1.5 }],
    f: (x) => tf.prod(x, 1),
  },
  {
    name: "Prod over [0, 2] keepDims",
    kernel: tf.Prod,
    inputs: [{ shape: [2, 3, 2], lo: -1.5, hi: 1.5 }],
    f: (x) => tf.prod(x, [0, 2], true),
  },
  {
    name: "Prod through an exact zero",
    kernel: tf.Prod,
    inputs: [{ shape: [2, 3], values: [0, 1.5, -0.8, 2, 0.7, -1.2] }],
    f: (x) => tf.prod(x, 1),
  },
  { name: "Cumsum along axis 1", kernel: tf.Cumsum, inputs: [{ shape: [2, 4] }], f: (x) => tf.cumsum(x, 1) },
  { name: "Cumsum exclusive", kernel: tf.Cumsum, inputs: [{ shape: [2, 4] }], f: (x) => tf.cumsum(x, 1, true) },
  { name: "Cumsum reversed", kernel: tf.Cumsum, inputs: [{ shape: [4, 2] }], f: (x) => tf.cumsum(x, 0, false, true) },
  {
    name: "Cumsum exclusive reversed",
    kernel: tf.Cumsum,
    inputs: [{ shape: [2, 4] }],
    f: (x) => tf.cumsum(x, 1, true, true),
  },
];

gradientSuite("reduction gradients", REDUCTION_GRADIENTS, cases);

describe("reduction gradients at ties", () => {
  it("splits a Max gradient evenly among tied maxima", () => {
    const dx = tf.grad((x: tf.Tensor) => tf.max(x))(tf.tensor1d([1, 3, 3, 2]));
    expect(Array.from(dx.dataSync())).toEqual([0, 0.5, 0.5, 0]);
  });
});
