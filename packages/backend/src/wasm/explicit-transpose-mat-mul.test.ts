import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { onCpu, onWasmNoLeak, relativeError, TestRng, useWasmWithKernels } from "../../test/kernel-test-support";

beforeAll(useWasmWithKernels);

interface MatMulCase {
  name: string;
  batchA: number[];
  batchB: number[];
  m: number;
  k: number;
  n: number;
}

const cases: MatMulCase[] = [
  { name: "2-D", batchA: [], batchB: [], m: 3, k: 5, n: 4 },
  { name: "batched 3-D", batchA: [2], batchB: [2], m: 4, k: 3, n: 6 },
  { name: "broadcast batch", batchA: [1], batchB: [3], m: 2, k: 7, n: 3 },
  { name: "batched a, shared b", batchA: [3], batchB: [1], m: 2, k: 4, n: 5 },
  { name: "rank 4", batchA: [2, 2], batchB: [2, 2], m: 3, k: 2, n: 5 },
  { name: "vector times matrix", batchA: [], batchB: [], m: 1, k: 64, n: 33 },
  { name: "DQN dense sizes", batchA: [], batchB: [], m: 32, k: 196, n: 51 },
];
const flagSets = [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
] as const;

function operandShapes(c: MatMulCase, transposeA: boolean, transposeB: boolean): [number[], number[]] {
  return [
    [...c.batchA, ...(transposeA ? [c.k, c.m] : [c.m, c.k])],
    [...c.batchB, ...(transposeB ? [c.n, c.k] : [c.k, c.n])],
  ];
}

describe("BatchMatMul on wasm with explicit transposes", () => {
  for (const c of cases) {
    for (const [transposeA, transposeB] of flagSets) {
      it(`matches the cpu backend: ${c.name}, transposeA=${transposeA}, transposeB=${transposeB}`, async () => {
        const [shapeA, shapeB] = operandShapes(c, transposeA, transposeB);
        const rng = new TestRng(c.m * 31 + c.k * 7 + c.n + (transposeA ? 100 : 0) + (transposeB ? 1000 : 0));
        const a = rng.uniform(tf.util.sizeFromShape(shapeA));
        const b = rng.uniform(tf.util.sizeFromShape(shapeB));
        const run = () => tf.matMul(tf.tensor(a, shapeA), tf.tensor(b, shapeB), transposeA, transposeB);
        const expected = await onCpu(run);
        expect(relativeError(onWasmNoLeak(run), expected)).toBeLessThan(1e-5);
      });
    }
  }
});

describe("_FusedMatMul on wasm with explicit transposes", () => {
  const activations = [
    { activation: "relu" as const },
    { activation: "leakyrelu" as const, leakyreluAlpha: 0.3 },
    { activation: "prelu" as const },
    { activation: "linear" as const },
  ];
  for (const c of cases.slice(0, 4)) {
    for (const [transposeA, transposeB] of flagSets) {
      for (const act of activations) {
        for (const withBias of [true, false]) {
          it(`matches the cpu backend: ${c.name}, ${act.activation}, ${
            withBias ? "bias" : "no bias"
          }, transposeA=${transposeA}, transposeB=${transposeB}`, async () => {
            const [shapeA, shapeB] = operandShapes(c, transposeA, transposeB);
            const rng = new TestRng(
              c.m * 17 + c.n + act.activation.length + (transposeA ? 50 : 0) + (transposeB ? 500 : 0),
            );
            const a = rng.uniform(tf.util.sizeFromShape(shapeA));
            const b = rng.uniform(tf.util.sizeFromShape(shapeB));
            const bias = rng.uniform(c.n);
            const alpha = rng.uniform(c.n);
            const run = () =>
              tf.fused.matMul({
                a: tf.tensor(a, shapeA),
                b: tf.tensor(b, shapeB),
                transposeA,
                transposeB,
                ...(withBias ? { bias: tf.tensor1d(bias) } : {}),
                ...act,
                ...(act.activation === "prelu" ? { preluActivationWeights: tf.tensor1d(alpha) } : {}),
              });
            const expected = await onCpu(run);
            expect(relativeError(onWasmNoLeak(run), expected)).toBeLessThan(1e-5);
          });
        }
      }
    }
  }
});
