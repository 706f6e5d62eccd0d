import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { onCpu, onWasmNoLeak, useWasmWithKernels } from "../../test/kernel-test-support";

beforeAll(useWasmWithKernels);

describe("OneHot on wasm with a dtype", () => {
  for (const dtype of ["float32", "int32", "bool"] as const) {
    it(`matches the cpu backend for ${dtype}`, async () => {
      const make = () => tf.cast(tf.oneHot(tf.tensor1d([2, 0, 1, -1], "int32"), 3, 5, -2, dtype), "float32");
      const expected = await onCpu(() => make());
      expect(Array.from(onWasmNoLeak(make))).toEqual(Array.from(expected));
    });
  }
});
