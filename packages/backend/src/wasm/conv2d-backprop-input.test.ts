import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { convCases, type ConvCase } from "../../test/conv-test-cases";
import { onCpu, onWasmNoLeak, relativeError, TestRng, useWasmWithKernels } from "../../test/kernel-test-support";

beforeAll(useWasmWithKernels);

function inputGrad(c: ConvCase, dy: Float32Array, filter: Float32Array): tf.Tensor {
  return tf
    .engine()
    .runKernel(tf.Conv2DBackpropInput, { dy: tf.tensor4d(dy, c.dyShape), filter: tf.tensor4d(filter, c.filterShape) }, {
      strides: c.strides,
      pad: c.pad,
      dataFormat: "NHWC",
      inputShape: c.xShape,
      ...(c.dimRoundingMode ? { dimRoundingMode: c.dimRoundingMode } : {}),
    } as unknown as tf.NamedAttrMap) as tf.Tensor;
}

describe("Conv2DBackpropInput on wasm", () => {
  it.each(convCases())("matches the cpu backend: $name", async (c) => {
    const rng = new TestRng(c.name.length * 104729 + c.xShape[2]);
    const dy = rng.uniform(tf.util.sizeFromShape(c.dyShape));
    const filter = rng.uniform(tf.util.sizeFromShape(c.filterShape));
    const expected = await onCpu(() => inputGrad(c, dy, filter));
    const actual = onWasmNoLeak(() => inputGrad(c, dy, filter));
    expect(actual.length).toBe(tf.util.sizeFromShape(c.xShape));
    expect(relativeError(actual, expected)).toBeLessThan(1e-4);
  });

  it("computes a known value: a single dy entry spreads the filter at its stride offset", () => {
    // dy is 1 at output (1, 0) of a stride-2 valid conv on 1x5x4x1 with a 2x2 filter [1 2; 3 4]:
    // dx rows 2-3, columns 0-1 receive the filter, everything else 0.
    const dy = tf.tensor4d([0, 0, 1, 0], [1, 2, 2, 1]);
    const got = onWasmNoLeak(
      () =>
        tf
          .engine()
          .runKernel(
            tf.Conv2DBackpropInput,
            { dy, filter: tf.tensor4d([1, 2, 3, 4], [2, 2, 1, 1]) },
            { strides: 2, pad: "valid", dataFormat: "NHWC", inputShape: [1, 5, 4, 1] },
          ) as tf.Tensor,
    );
    expect(Array.from(got)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 0, 0, 3, 4, 0, 0, 0, 0, 0, 0]);
    dy.dispose();
  });

  it("rejects NCHW, naming the value", () => {
    const dy = tf.ones([1, 2, 2, 1]);
    const filter = tf.ones([2, 2, 1, 1]);
    expect(() =>
      tf.engine().runKernel(
        tf.Conv2DBackpropInput,
        { dy, filter },
        {
          strides: 2,
          pad: "valid",
          dataFormat: "NCHW",
          inputShape: [1, 1, 4, 4],
        },
      ),
    ).toThrow(/dataFormat 'NCHW' is not supported/);
    tf.dispose([dy, filter]);
  });
});
