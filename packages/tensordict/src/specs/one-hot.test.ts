import { describe, expect, it } from "vitest";
import { HostArray } from "../host-array";
import { Rng } from "../rng/rng";
import { OneHot } from "./one-hot";

describe("OneHot", () => {
  it("defaults to shape [n] and dtype bool; the last dim must be n", () => {
    const spec = new OneHot({ n: 3 });
    expect(spec.shape).toEqual([3]);
    expect(spec.dtype).toBe("bool");
    expect(new OneHot({ n: 3, shape: [2, 3] }).shape).toEqual([2, 3]);
    expect(() => new OneHot({ n: 3, shape: [3, 2] })).toThrow("OneHot: the last dim of shape [3, 2] must be n (3)");
    expect(() => new OneHot({ n: 3, shape: [] })).toThrow("OneHot: the last dim of shape [] must be n (3)");
    expect(() => new OneHot({ n: -1 })).toThrow("OneHot: n must be a positive integer, got -1");
  });

  it("rand gives exactly one 1 per row, every category equally often", () => {
    const spec = new OneHot({ n: 4, shape: [8000, 4] });
    const x = spec.rand(new Rng(7));
    expect(spec.isInRange(x)).toBe(true);
    const counts = [0, 0, 0, 0];
    for (let row = 0; row < 8000; row++) for (let j = 0; j < 4; j++) counts[j]! += x.data[row * 4 + j]!;
    expect(counts.reduce((a, b) => a + b, 0)).toBe(8000);
    expect(counts.reduce((a, c) => a + (c - 2000) ** 2 / 2000, 0)).toBeLessThan(16.27); // 3 dof, p = 0.001
    expect([...spec.rand(new Rng(7)).data]).toEqual([...x.data]);
  });

  it("assert names the row with no or several ones, and values that are not 0 or 1", () => {
    const spec = new OneHot({ n: 3, shape: [2, 3], dtype: "int32" });
    expect(() => spec.assert(HostArray.from("int32", [2, 3], [0, 1, 0, 1, 1, 0]), "action")).toThrow(
      'OneHot.assert("action"): row at index [1] has 2 ones, expected exactly one: [1, 1, 0]',
    );
    expect(() => spec.assert(HostArray.from("int32", [2, 3], [0, 0, 0, 1, 0, 0]), "action")).toThrow(
      "row at index [0] has 0 ones",
    );
    expect(() => spec.assert(HostArray.from("int32", [2, 3], [0, 2, 0, 1, 0, 0]), "action")).toThrow(
      "value 2 at index [0, 1] is not 0 or 1",
    );
    expect(spec.isInRange(HostArray.from("int32", [2, 3], [0, 0, 1, 1, 0, 0]))).toBe(true);
  });

  it("zero is all zeros (not a valid one-hot, as in TorchRL)", () => {
    const spec = new OneHot({ n: 2 });
    expect([...spec.zero().data]).toEqual([0, 0]);
    expect(spec.isInRange(spec.zero())).toBe(false);
  });

  it("project puts the 1 at each row's argmax, the first one on ties", () => {
    const spec = new OneHot({ n: 3, shape: [3, 3] });
    const p = spec.project(HostArray.from("float32", [3, 3], [0.1, 0.7, 0.2, 5, 5, 1, -3, -1, -2]));
    expect(p.dtype).toBe("bool");
    expect([...p.data]).toEqual([0, 1, 0, 1, 0, 0, 0, 1, 0]);
  });

  it("toCategorical / fromCategorical convert both ways for any leading shape", () => {
    const spec = new OneHot({ n: 4 });
    const idx = HostArray.from("int32", [2, 3], [0, 3, 1, 2, 2, 0]);
    const hot = spec.fromCategorical(idx);
    expect(hot.shape).toEqual([2, 3, 4]);
    expect(hot.dtype).toBe("bool");
    expect([...hot.data.slice(4, 8)]).toEqual([0, 0, 0, 1]);
    const back = spec.toCategorical(hot);
    expect(back.dtype).toBe("int32");
    expect(back.shape).toEqual([2, 3]);
    expect([...back.data]).toEqual([0, 3, 1, 2, 2, 0]);
    expect([...spec.toCategorical(HostArray.from("bool", [4], [0, 0, 1, 0])).data]).toEqual([2]);
  });

  it("the conversions reject invalid input, naming it", () => {
    const spec = new OneHot({ n: 3 });
    expect(() => spec.fromCategorical(HostArray.from("int32", [2], [1, 3]))).toThrow(
      "OneHot.fromCategorical: index 3 at [1] is out of range [0, 3)",
    );
    expect(() => spec.fromCategorical(HostArray.from("float32", [1], [0.5]))).toThrow(
      "index 0.5 at [0] is out of range",
    );
    expect(() => spec.toCategorical(HostArray.from("bool", [2], [1, 0]))).toThrow(
      "OneHot.toCategorical: the last dim of shape [2] must be n (3)",
    );
    expect(() => spec.toCategorical(HostArray.from("bool", [3], [1, 0, 1]))).toThrow(
      "OneHot.toCategorical: row at index [] has 2 ones",
    );
  });

  it("expand, clone, equals, toString", () => {
    const spec = new OneHot({ n: 5, dtype: "uint8" });
    const big = spec.expand([2, 5]);
    expect(big).toBeInstanceOf(OneHot);
    expect(big.shape).toEqual([2, 5]);
    expect(big.n).toBe(5);
    expect(() => spec.expand([2])).toThrow("OneHot.expand: the new shape [2] must end with the spec's shape [5]");
    // The last dim is n: it never grows, not even from 1.
    expect(() => new OneHot({ n: 1 }).expand([3])).toThrow(
      "OneHot.expand: the new shape [3] must end with the spec's shape [1]",
    );
    expect(spec.clone().equals(spec)).toBe(true);
    expect(spec.equals(new OneHot({ n: 4, dtype: "uint8" }))).toBe(false);
    expect(spec.toString()).toBe("OneHot(n=5, shape=[5], dtype=uint8)");
  });
});
