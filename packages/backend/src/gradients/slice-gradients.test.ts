import * as tf from "@tensorflow/tfjs-core";
import { gradientSuite } from "../../test/gradient-test-suite";
import type { GradientCase } from "../../test/numeric-gradient-check";
import { SLICE_GRADIENTS } from "./slice-gradients";

interface Strided {
  readonly name: string;
  readonly shape: number[];
  readonly begin: number[];
  readonly end: number[];
  readonly strides: number[];
  readonly masks?: [begin: number, end: number, ellipsis: number, newAxis: number, shrink: number];
}

function strided({ name, shape, begin, end, strides, masks = [0, 0, 0, 0, 0] }: Strided): GradientCase {
  return {
    name: `StridedSlice ${name}`,
    kernel: tf.StridedSlice,
    inputs: [{ shape }],
    f: (x) => tf.stridedSlice(x, begin, end, strides, ...masks),
  };
}

const cases: GradientCase[] = [
  {
    name: "Slice a [2, 2] window",
    kernel: tf.Slice,
    inputs: [{ shape: [3, 4] }],
    f: (x) => tf.slice(x, [1, 1], [2, 2]),
  },
  { name: "Slice with size -1", kernel: tf.Slice, inputs: [{ shape: [3, 4] }], f: (x) => tf.slice(x, [0, 2], [2, -1]) },
  { name: "Slice with a scalar begin", kernel: tf.Slice, inputs: [{ shape: [5] }], f: (x) => tf.slice(x, 2, 2) },
  {
    name: "Slice rank 3",
    kernel: tf.Slice,
    inputs: [{ shape: [2, 3, 4] }],
    f: (x) => tf.slice(x, [1, 0, 1], [1, 2, 3]),
  },
  strided({ name: "stride 2 on axis 0", shape: [5, 4], begin: [1, 0], end: [5, 4], strides: [2, 1] }),
  strided({ name: "negative stride", shape: [6], begin: [5], end: [0], strides: [-2] }),
  strided({
    name: "begin/end masks",
    shape: [4, 5],
    begin: [2, 1],
    end: [3, 4],
    strides: [1, 2],
    masks: [1, 1, 0, 0, 0],
  }),
  strided({ name: "shrink axis", shape: [3, 4], begin: [1, 0], end: [2, 4], strides: [1, 1], masks: [0, 0, 0, 0, 1] }),
  strided({
    name: "new axis",
    shape: [3, 4],
    begin: [0, 0, 1],
    end: [3, 0, 4],
    strides: [1, 1, 1],
    masks: [0, 0, 0, 2, 0],
  }),
  strided({ name: "ellipsis", shape: [2, 3, 4], begin: [0, 1], end: [0, 4], strides: [1, 2], masks: [0, 0, 1, 0, 0] }),
  strided({ name: "negative begin and end", shape: [5], begin: [-4], end: [-1], strides: [1] }),
  strided({
    name: "stride -3 over everything",
    shape: [7],
    begin: [0],
    end: [0],
    strides: [-3],
    masks: [1, 1, 0, 0, 0],
  }),
  strided({ name: "strides on both axes, one negative", shape: [5, 6], begin: [4, 0], end: [0, 6], strides: [-2, 3] }),
  {
    name: "PadV2 with a constant",
    kernel: tf.PadV2,
    inputs: [{ shape: [2, 3] }],
    f: (x) =>
      tf.pad(
        x,
        [
          [1, 0],
          [2, 1],
        ],
        0.5,
      ),
  },
  {
    name: "MirrorPad reflect",
    kernel: tf.MirrorPad,
    inputs: [{ shape: [3, 4] }],
    f: (x) =>
      tf.mirrorPad(
        x,
        [
          [1, 2],
          [2, 1],
        ],
        "reflect",
      ),
  },
  {
    name: "MirrorPad symmetric",
    kernel: tf.MirrorPad,
    inputs: [{ shape: [3, 4] }],
    f: (x) =>
      tf.mirrorPad(
        x,
        [
          [2, 1],
          [0, 4],
        ],
        "symmetric",
      ),
  },
];

gradientSuite("slice and pad gradients", SLICE_GRADIENTS, cases);
