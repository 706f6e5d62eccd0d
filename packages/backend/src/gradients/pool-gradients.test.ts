import * as tf from "@tensorflow/tfjs-core";
import { gradientSuite } from "../../test/gradient-test-suite";
import type { GradientCase } from "../../test/numeric-gradient-check";
import { POOL_GRADIENTS } from "./pool-gradients";

type Pad = "valid" | "same" | number;

function maxPool(
  name: string,
  shape: number[],
  filter: number,
  strides: number,
  pad: Pad,
  rounding?: "floor" | "ceil",
): GradientCase {
  return {
    name: `MaxPool ${name}`,
    kernel: tf.MaxPool,
    // Distinct values a few steps apart, so no window's maximum changes hands under the finite difference.
    inputs: [{ shape, distinct: true }],
    f: (x) => tf.maxPool(x as tf.Tensor4D, filter, strides, pad, rounding),
  };
}

function avgPool(
  name: string,
  shape: number[],
  filter: number,
  strides: number,
  pad: Pad,
  rounding?: "floor" | "ceil",
): GradientCase {
  return {
    name: `AvgPool ${name}`,
    kernel: tf.AvgPool,
    inputs: [{ shape }],
    f: (x) => tf.avgPool(x as tf.Tensor4D, filter, strides, pad, rounding),
  };
}

const cases: GradientCase[] = [
  maxPool("2x2 stride 2 valid", [1, 4, 4, 2], 2, 2, "valid"),
  maxPool("3x3 stride 1 same", [1, 4, 4, 1], 3, 1, "same"),
  maxPool("3x3 stride 2 same, batch 2", [2, 5, 5, 1], 3, 2, "same"),
  maxPool("numeric pad 1 rounding ceil", [1, 4, 4, 1], 2, 2, 1, "ceil"),
  maxPool("rank-3 input", [4, 4, 2], 2, 2, "valid"),
  {
    ...maxPool("of negative values next to numeric padding", [1, 4, 4, 1], 2, 2, 1),
    inputs: [{ shape: [1, 4, 4, 1], lo: -3, hi: -1, distinct: true }],
  },
  avgPool("2x2 stride 2 valid", [1, 4, 4, 2], 2, 2, "valid"),
  avgPool("3x3 stride 1 same (partial windows at the border)", [1, 4, 4, 1], 3, 1, "same"),
  avgPool("3x3 stride 2 same, batch 2", [2, 5, 5, 1], 3, 2, "same"),
  avgPool("numeric pad 1", [1, 5, 5, 1], 3, 2, 1),
  avgPool("rank-3 input", [4, 4, 2], 2, 1, "valid"),
];

gradientSuite("pooling gradients", POOL_GRADIENTS, cases);
