import "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { HostArray } from "../host-array";
import type { Leaf } from "../leaf";
import { Bounded } from "./bounded";
import { Categorical } from "./categorical";
import { OneHot } from "./one-hot";
import { castValue, dtypeRange, fitsDType, formatIndex, formatValue, formatValues, roundHalfEven } from "./spec";
import { Unbounded } from "./unbounded";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

describe("spec helpers", () => {
  it("formatIndex gives the row-major multi-index", () => {
    expect(formatIndex([2, 3], 0)).toBe("[0, 0]");
    expect(formatIndex([2, 3], 4)).toBe("[1, 1]");
    expect(formatIndex([2, 3, 4], 23)).toBe("[1, 2, 3]");
    expect(formatIndex([], 0)).toBe("[]");
  });

  it("formatValue writes float32 values as short as they read back", () => {
    expect(formatValue(Math.fround(0.1), "float32")).toBe("0.1");
    expect(formatValue(Math.fround(-2.7), "float32")).toBe("-2.7");
    expect(formatValue(Math.fround(1 / 3), "float32")).toBe("0.33333334");
    expect(formatValue(3, "int32")).toBe("3");
    expect(formatValue(Number.NaN, "float32")).toBe("NaN");
  });

  it("formatValues shows one value when all are equal, and truncates long lists", () => {
    expect(formatValues(new Float32Array([1, 1, 1]), "float32")).toBe("1");
    expect(formatValues(new Int32Array([1, 2]), "int32")).toBe("[1, 2]");
    expect(formatValues(new Int32Array([0, 1, 2, 3, 4, 5, 6, 7]), "int32")).toBe("[0, 1, 2, 3, 4, 5, ... (8 values)]");
  });

  it("roundHalfEven rounds ties to even, like torch.round", () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4, 2.6, -2.6].map(roundHalfEven)).toEqual([
      0, 2, 2, -0, -2, -2, 2, 3, -3,
    ]);
  });

  it("castValue: floats pass, integers round and clamp to the dtype, bools threshold at 0.5", () => {
    expect(castValue(1.7, "float32")).toBe(1.7);
    expect(castValue(2.5, "int32")).toBe(2);
    expect(castValue(1e12, "int32")).toBe(2147483647);
    expect(castValue(-3, "uint8")).toBe(0);
    expect(castValue(300.2, "uint8")).toBe(255);
    expect([0.49, 0.5, -1, 7].map((v) => castValue(v, "bool"))).toEqual([0, 1, 0, 1]);
  });

  it("fitsDType and dtypeRange", () => {
    expect(fitsDType(255, "uint8")).toBe(true);
    expect(fitsDType(256, "uint8")).toBe(false);
    expect(fitsDType(1.5, "int32")).toBe(false);
    expect(fitsDType(2, "bool")).toBe(false);
    expect(fitsDType(0.1, "float32")).toBe(false);
    expect(fitsDType(0.5, "float32")).toBe(true);
    expect(dtypeRange("int32")).toEqual([-2147483648, 2147483647]);
  });
});

describe("TensorSpec checks shared by every leaf spec", () => {
  const spec = new Bounded({ low: 0, high: 1, shape: [2, 2] });

  it("names the key, the expected and the actual shape", () => {
    expect(() => spec.assert(HostArray.zeros("float32", [4]), "obs")).toThrow(
      'Bounded.assert("obs"): expected shape [2, 2], got [4]',
    );
  });

  it("names the expected and actual dtype; without a key the message has no key", () => {
    expect(() => spec.assert(HostArray.zeros("int32", [2, 2]))).toThrow(
      "Bounded.assert: expected dtype float32, got int32",
    );
  });

  it("rejects values that are not leaves", () => {
    expect(() => spec.assert([0, 1] as unknown as Leaf, "x")).toThrow(
      'Bounded.assert("x"): expected a HostArray or a tfjs tensor, got a JS array',
    );
    expect(spec.isInRange(new Float32Array(4) as unknown as Leaf)).toBe(false);
  });

  it("rejects bool data that is not 0 or 1", () => {
    const flags = new Unbounded({ shape: [3], dtype: "bool" });
    expect(() => flags.assert(new HostArray("bool", [3], Uint8Array.from([0, 2, 1])), "done")).toThrow(
      'Unbounded.assert("done"): value 2 at index [1] is not a bool (0 or 1)',
    );
  });

  it("reads tensors with dataSync: values, shape and dtype are checked like host arrays", () => {
    const t = tf.tensor(
      [
        [0, 0.5],
        [2, 1],
      ],
      [2, 2],
      "float32",
    );
    expect(spec.isInRange(t)).toBe(false);
    expect(() => spec.assert(t, "obs")).toThrow(
      'Bounded.assert("obs"): value 2 at index [1, 0] is out of bounds [0, 1]',
    );
    expect(
      spec.isInRange(
        tf.tensor([
          [0, 0.5],
          [1, 1],
        ]),
      ),
    ).toBe(true);
    expect(() =>
      spec.assert(
        tf.tensor(
          [
            [0, 1],
            [1, 0],
          ],
          [2, 2],
          "int32",
        ),
      ),
    ).toThrow("expected dtype float32, got a tensor of dtype int32");
    expect(() => spec.assert(tf.tensor([0, 1, 1, 0]))).toThrow("expected shape [2, 2], got [4]");
  });

  it("a uint8 spec accepts int32 tensors (tfjs has no uint8) whose values fit a byte", () => {
    const pixels = new Unbounded({ shape: [2], dtype: "uint8" });
    expect(pixels.isInRange(tf.tensor([0, 255], [2], "int32"))).toBe(true);
    expect(() => pixels.assert(tf.tensor([3, 300], [2], "int32"), "pixels")).toThrow(
      'Unbounded.assert("pixels"): value 300 at index [1] does not fit uint8 [0, 255]',
    );
    expect(() => pixels.assert(tf.tensor([3, 4], [2], "float32"))).toThrow(
      "expected dtype int32 (tfjs has no uint8), got a tensor of dtype float32",
    );
  });

  it("a bool spec reads bool tensors", () => {
    const flags = new Categorical({ n: 2, shape: [2], dtype: "bool" });
    expect(flags.isInRange(tf.tensor([true, false], [2], "bool"))).toBe(true);
  });

  it("project rejects NaN, other shapes and tensors, naming the problem", () => {
    expect(() => spec.project(HostArray.from("float32", [2, 2], [0, Number.NaN, 0, 0]))).toThrow(
      "Bounded.project: value NaN at index [0, 1] cannot be projected",
    );
    expect(() => spec.project(HostArray.zeros("float32", [4]))).toThrow(
      "Bounded.project: expected shape [2, 2], got [4]",
    );
    expect(() => spec.project(tf.zeros([2, 2]) as unknown as HostArray)).toThrow(
      "Bounded.project: expected a HostArray (read tensors to the host first)",
    );
  });

  it("expand rejects invalid shapes", () => {
    expect(() => spec.expand([-1])).toThrow("Bounded.expand: shape [-1] has an invalid dimension -1");
  });

  it("equals compares kind, shape, dtype and parameters", () => {
    expect(spec.equals(new Bounded({ low: 0, high: 1, shape: [2, 2] }))).toBe(true);
    expect(spec.equals(new Bounded({ low: 0, high: 2, shape: [2, 2] }))).toBe(false);
    expect(spec.equals(new Bounded({ low: 0, high: 1, shape: [4] }))).toBe(false);
    expect(spec.equals(new Bounded({ low: 0, high: 1, shape: [2, 2], dtype: "int32" }))).toBe(false);
    expect(spec.equals(new Unbounded({ shape: [2, 2] }))).toBe(false);
    expect(spec.equals("Bounded")).toBe(false);
  });
});

describe("findMismatch: the problem as data, with mismatch's message", () => {
  it("gives the kind, and the index and value, the shapes or the dtypes involved", () => {
    const bounded = new Bounded({ low: -1, high: 1, shape: [2, 2] });
    expect(bounded.findMismatch(HostArray.from("float32", [2, 2], [0, 0, 0.1, 3]))).toEqual({
      kind: "value",
      index: [1, 1],
      value: "3",
      problem: "is out of bounds [-1, 1]",
      message: "value 3 at index [1, 1] is out of bounds [-1, 1]",
    });
    expect(bounded.findMismatch(HostArray.zeros("float32", [2]))).toEqual({
      kind: "shape",
      expected: [2, 2],
      actual: [2],
      message: "expected shape [2, 2], got [2]",
    });
    expect(bounded.findMismatch(HostArray.zeros("int32", [2, 2]))).toMatchObject({
      kind: "dtype",
      expected: "float32",
      actual: "int32",
    });
    expect(bounded.findMismatch([1, 2] as unknown as Leaf)).toMatchObject({
      kind: "type",
      message: "expected a HostArray or a tfjs tensor, got a JS array of 2 (wrap it in HostArray.from)",
    });
    expect(bounded.findMismatch(HostArray.zeros("float32", [2, 2]))).toBeNull();
  });

  it("reports a OneHot row by its index without the last dim", () => {
    const spec = new OneHot({ n: 3, shape: [2, 3], dtype: "int32" });
    expect(spec.findMismatch(HostArray.from("int32", [2, 3], [0, 1, 0, 0, 0, 0]))).toEqual({
      kind: "row",
      index: [1],
      problem: "has 0 ones, expected exactly one: [0, 0, 0]",
      message: "row at index [1] has 0 ones, expected exactly one: [0, 0, 0]",
    });
  });

  it("is what mismatch and assert say", () => {
    const spec = new Categorical({ n: 2, shape: [3] });
    const bad = HostArray.from("int32", [3], [0, 5, 1]);
    expect(spec.mismatch(bad)).toBe(spec.findMismatch(bad)?.message);
    expect(() => spec.assert(bad, "action")).toThrow(`Categorical.assert("action"): ${spec.mismatch(bad)}`);
  });
});
