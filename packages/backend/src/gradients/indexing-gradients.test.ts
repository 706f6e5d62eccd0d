import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { gradientSuite } from "../../test/gradient-test-suite";
import { INDEXING_GRADIENTS, segmentSumRows, segmentSumRowsByMatMul } from "./indexing-gradients";
import type { GradientCase } from "../../test/numeric-gradient-check";

// The gradient itself is fine there; the forward kernel is not.
const WASM_BATCH_GATHER = "wasm's GatherV2 with batchDims > 0 reads out of bounds (tfjs 4.22)";

const int = (values: number[] | number[][], shape?: number[]): tf.Tensor => tf.tensor(values, shape, "int32");

const cases: GradientCase[] = [
  {
    name: "GatherV2 rows with a repeated index",
    kernel: tf.GatherV2,
    inputs: [{ shape: [4, 3] }],
    f: (x) => tf.gather(x, int([2, 0, 2]), 0),
  },
  {
    name: "GatherV2 along axis 1 with 2-D indices",
    kernel: tf.GatherV2,
    inputs: [{ shape: [2, 5, 3] }],
    f: (x) =>
      tf.gather(
        x,
        int([
          [0, 4],
          [1, 1],
        ]),
        1,
      ),
  },
  {
    name: "GatherV2 of one action per row (batchDims 1), as in DQN",
    kernel: tf.GatherV2,
    inputs: [{ shape: [3, 4] }],
    f: (x) => tf.gather(x, int([[1], [3], [1]]), 1, 1),
    notOnWasm: WASM_BATCH_GATHER,
  },
  {
    name: "GatherV2 with batchDims 1 along axis 2",
    kernel: tf.GatherV2,
    inputs: [{ shape: [2, 3, 4] }],
    f: (x) =>
      tf.gather(
        x,
        int([
          [3, 0],
          [2, 2],
        ]),
        2,
        1,
      ),
    notOnWasm: WASM_BATCH_GATHER,
  },
  {
    name: "UnsortedSegmentSum of rows",
    kernel: tf.UnsortedSegmentSum,
    inputs: [{ shape: [4, 2] }],
    f: (x) => tf.unsortedSegmentSum(x, tf.tensor1d([0, 2, 0, 1], "int32"), 3),
    notOnWasm: "wasm has no UnsortedSegmentSum kernel",
  },
  {
    name: "Select with both branches differentiated",
    kernel: tf.Select,
    inputs: [{ shape: [2, 3] }, { shape: [2, 3] }],
    f: (t, e) =>
      tf.where(
        tf.tensor(
          [
            [true, false, true],
            [false, false, true],
          ],
          [2, 3],
          "bool",
        ),
        t,
        e,
      ),
  },
  {
    name: "Select with a broadcast condition and branch",
    kernel: tf.Select,
    inputs: [{ shape: [2, 3] }, { shape: [3] }],
    f: (t, e) => tf.where(tf.tensor([true, false, true], [3], "bool"), t, e),
  },
];

gradientSuite("indexing gradients", INDEXING_GRADIENTS, cases);

describe("segment sums for the gather gradient", () => {
  it("give the same rows through the one-hot product as through the kernel", () => {
    const values = tf.tensor2d([
      [1, 2],
      [3, 4],
      [5, 6],
      [7, 8],
    ]);
    const ids = int([2, 0, 2, 1]);
    const viaKernel = segmentSumRows(values, ids, 4);
    const viaMatMul = segmentSumRowsByMatMul(values, ids, 4);
    expect(viaMatMul.arraySync()).toEqual([
      [3, 4],
      [7, 8],
      [6, 8],
      [0, 0],
    ]);
    expect(viaMatMul.arraySync()).toEqual(viaKernel.arraySync());
    tf.dispose([values, ids, viaKernel, viaMatMul]);
  });
});
