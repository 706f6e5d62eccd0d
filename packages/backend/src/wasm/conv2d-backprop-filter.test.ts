import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { convCases, type ConvCase } from "../../test/conv-test-cases";
import { onCpu, onWasmNoLeak, relativeError, TestRng, useWasmWithKernels } from "../../test/kernel-test-support";

beforeAll(useWasmWithKernels);

function filterGrad(c: ConvCase, x: Float32Array, dy: Float32Array): tf.Tensor {
  return tf
    .engine()
    .runKernel(tf.Conv2DBackpropFilter, { x: tf.tensor4d(x, c.xShape), dy: tf.tensor4d(dy, c.dyShape) }, {
      strides: c.strides,
      pad: c.pad,
      dataFormat: "NHWC",
      filterShape: c.filterShape,
      ...(c.dimRoundingMode ? { dimRoundingMode: c.dimRoundingMode } : {}),
    } as unknown as tf.NamedAttrMap) as tf.Tensor;
}

describe("Conv2DBackpropFilter on wasm", () => {
  it.each(convCases())("matches the cpu backend: $name", async (c) => {
    const rng = new TestRng(c.name.length * 7919 + c.xShape[1]);
    const x = rng.uniform(tf.util.sizeFromShape(c.xShape));
    const dy = rng.uniform(tf.util.sizeFromShape(c.dyShape));
    const expected = await onCpu(() => filterGrad(c, x, dy));
    const actual = onWasmNoLeak(() => filterGrad(c, x, dy));
    expect(actual.length).toBe(tf.util.sizeFromShape(c.filterShape));
    expect(relativeError(actual, expected)).toBeLessThan(1e-4);
  });

  it("computes a known value: all-ones x and dy give the number of positions each tap saw", () => {
    // 1x4x4x1 input, 2x2 filter, stride 2, valid: every tap is used at 2x2 = 4 output positions.
    const got = onWasmNoLeak(
      () =>
        tf
          .engine()
          .runKernel(
            tf.Conv2DBackpropFilter,
            { x: tf.ones([1, 4, 4, 1]), dy: tf.ones([1, 2, 2, 1]) },
            { strides: 2, pad: "valid", dataFormat: "NHWC", filterShape: [2, 2, 1, 1] },
          ) as tf.Tensor,
    );
    expect(Array.from(got)).toEqual([4, 4, 4, 4]);
  });

  it("rejects NCHW and dilations other than 1, naming the value", () => {
    const x = tf.ones([1, 4, 4, 1]);
    const dy = tf.ones([1, 2, 2, 1]);
    const run = (attrs: Record<string, unknown>) => () =>
      tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy }, {
        strides: 2,
        pad: "valid",
        dataFormat: "NHWC",
        filterShape: [2, 2, 1, 1],
        ...attrs,
      } as tf.NamedAttrMap);
    expect(run({ dataFormat: "NCHW" })).toThrow(/dataFormat 'NCHW' is not supported/);
    expect(run({ dilations: 2 })).toThrow(/dilations \[2, 2\] are not supported/);
    tf.dispose([x, dy]);
  });
});
