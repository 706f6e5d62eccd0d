import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { gradientSuite } from "../../test/gradient-test-suite";
import { MATMUL_GRADIENTS } from "./matmul-gradients";
import type { GradientCase, InputSpec } from "../../test/numeric-gradient-check";

const TRANSPOSES = [
  [false, false],
  [false, true],
  [true, false],
  [true, true],
] as const;

/** Operand shapes for op(a) of [m, k] and op(b) of [k, n], stored transposed when the flag is set. */
function operands(
  batchA: number[],
  batchB: number[],
  m: number,
  k: number,
  n: number,
  ta: boolean,
  tb: boolean,
): InputSpec[] {
  return [{ shape: [...batchA, ...(ta ? [k, m] : [m, k])] }, { shape: [...batchB, ...(tb ? [n, k] : [k, n])] }];
}

function matMulCases(): GradientCase[] {
  const out: GradientCase[] = [];
  for (const [ta, tb] of TRANSPOSES) {
    const flags = `transposeA=${ta} transposeB=${tb}`;
    out.push(
      {
        name: `BatchMatMul 2x3·3x4 ${flags}`,
        kernel: tf.BatchMatMul,
        inputs: operands([], [], 2, 3, 4, ta, tb),
        f: (a, b) => tf.matMul(a, b, ta, tb),
      },
      {
        name: `BatchMatMul square 3x3 ${flags}`,
        kernel: tf.BatchMatMul,
        inputs: operands([], [], 3, 3, 3, ta, tb),
        f: (a, b) => tf.matMul(a, b, ta, tb),
      },
      {
        name: `BatchMatMul batched [2] ${flags}`,
        kernel: tf.BatchMatMul,
        inputs: operands([2], [2], 2, 3, 2, ta, tb),
        f: (a, b) => tf.matMul(a, b, ta, tb),
      },
      {
        name: `BatchMatMul broadcast [2]·[] ${flags}`,
        kernel: tf.BatchMatMul,
        inputs: operands([2], [], 2, 3, 2, ta, tb),
        f: (a, b) => tf.matMul(a, b, ta, tb),
      },
    );
  }
  out.push(
    {
      name: "BatchMatMul broadcast []·[2]",
      kernel: tf.BatchMatMul,
      inputs: operands([], [2], 2, 3, 4, false, false),
      f: (a, b) => tf.matMul(a, b),
    },
    // Only one side broadcasts: cpu's BatchMatMul flattens the batch axes and computes wrong values forward when
    // both sides broadcast ([2, 1] against [1, 3]), so such a case cannot be checked there.
    {
      name: "BatchMatMul broadcast [2,2]·[1,1] transposeB",
      kernel: tf.BatchMatMul,
      inputs: operands([2, 2], [1, 1], 2, 2, 3, false, true),
      f: (a, b) => tf.matMul(a, b, false, true),
    },
  );
  return out;
}

type Activation = "linear" | "relu" | "relu6" | "elu" | "sigmoid" | "leakyrelu" | "prelu";

interface FusedOptions {
  readonly activation: Activation;
  readonly bias: boolean;
  readonly prelu?: boolean;
  readonly ta?: boolean;
  readonly tb?: boolean;
  readonly alpha?: number;
}

/** A _FusedMatMul case run through engine().runKernel, with optional inputs left out of the map, not undefined. */
function fused(options: FusedOptions): GradientCase {
  const { activation, bias, prelu = false, ta = false, tb = false, alpha } = options;
  const [aSpec, bSpec] = operands([1], [1], 2, 3, 4, ta, tb);
  const inputs: InputSpec[] = [aSpec ?? { shape: [] }, bSpec ?? { shape: [] }];
  if (bias) inputs.push({ shape: [4] });
  if (prelu) inputs.push({ shape: [4], lo: 0.1, hi: 0.6 });
  const name = `_FusedMatMul ${activation}${bias ? " + bias" : ""}${prelu ? " + prelu weights" : ""}${
    ta ? " transposeA" : ""
  }${tb ? " transposeB" : ""}${alpha === undefined ? "" : ` alpha=${alpha}`}`;
  return {
    name,
    kernel: tf._FusedMatMul,
    inputs,
    ...(bias && (ta || tb)
      ? { notOnWasm: "wasm's _FusedMatMul adds the bias along the wrong axis when an operand is transposed" }
      : {}),
    f: (a, b, ...rest) => {
      const named: tf.NamedTensorMap = { a, b };
      const [first, second] = rest;
      if (bias && first !== undefined) named.bias = first;
      const weights = bias ? second : first;
      if (prelu && weights !== undefined) named.preluActivationWeights = weights;
      const attrs: tf.NamedAttrMap = { transposeA: ta, transposeB: tb, activation };
      if (alpha !== undefined) attrs.leakyreluAlpha = alpha;
      return tf.engine().runKernel<tf.Tensor>(tf._FusedMatMul, named, attrs);
    },
  };
}

const cases: GradientCase[] = [
  ...matMulCases(),
  fused({ activation: "linear", bias: false }),
  fused({ activation: "linear", bias: true }),
  ...TRANSPOSES.map(([ta, tb]) => fused({ activation: "relu", bias: true, ta, tb })),
  fused({ activation: "relu6", bias: true }),
  fused({ activation: "elu", bias: true }),
  fused({ activation: "sigmoid", bias: false }),
  fused({ activation: "leakyrelu", bias: true, alpha: 0.2 }),
  fused({ activation: "leakyrelu", bias: true, alpha: -0.3 }),
  fused({ activation: "prelu", bias: true, prelu: true }),
  fused({ activation: "prelu", bias: false, prelu: true, tb: true }),
];

gradientSuite("matmul gradients", MATMUL_GRADIENTS, cases);

describe("tf.fused.matMul under a tape", () => {
  it("is differentiable with bias and activation through the registered gradients", () => {
    const a = tf.tensor2d([
      [0.5, -1, 2],
      [1.5, 0.3, -0.7],
    ]);
    const b = tf.tensor2d([
      [1, -0.5],
      [0.2, 0.8],
      [-1.2, 0.4],
    ]);
    const bias = tf.tensor1d([0.1, -0.2]);
    const loss = (x: tf.Tensor, w: tf.Tensor, c: tf.Tensor): tf.Tensor =>
      tf.sum(tf.fused.matMul({ a: x, b: w, bias: c, activation: "relu" }));
    const reference = (x: tf.Tensor, w: tf.Tensor, c: tf.Tensor): tf.Tensor =>
      tf.sum(tf.relu(tf.add(tf.matMul(x, w), c)));
    const got = tf.grads(loss)([a, b, bias]);
    const want = tf.grads(reference)([a, b, bias]);
    got.forEach((g, i) => expect(Array.from(g.dataSync())).toEqual(Array.from(want[i]?.dataSync() ?? [])));
    tf.dispose([a, b, bias, ...got, ...want]);
  });
});
