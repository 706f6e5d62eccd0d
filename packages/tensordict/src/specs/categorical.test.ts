import { describe, expect, it } from "vitest";
import { HostArray } from "../host-array";
import { Rng } from "../rng/rng";
import { Categorical } from "./categorical";

describe("Categorical", () => {
  it("defaults to a scalar int32 index", () => {
    const spec = new Categorical({ n: 4 });
    expect(spec.shape).toEqual([]);
    expect(spec.dtype).toBe("int32");
    expect(spec.n).toBe(4);
  });

  it("rejects a bad n, or an n the dtype cannot hold", () => {
    expect(() => new Categorical({ n: 0 })).toThrow("Categorical: n must be a positive integer, got 0");
    expect(() => new Categorical({ n: 2.5 })).toThrow("got 2.5");
    expect(() => new Categorical({ n: 257, dtype: "uint8" })).toThrow(
      "Categorical: n 257 has categories up to 256, which dtype uint8 cannot hold exactly",
    );
    expect(() => new Categorical({ n: 3, dtype: "bool" })).toThrow("dtype bool cannot hold");
    expect(new Categorical({ n: 2, dtype: "bool" }).n).toBe(2);
  });

  it("rand hits every category, uniformly, and nothing else", () => {
    const spec = new Categorical({ n: 5, shape: [10_000] });
    const x = spec.rand(new Rng(6));
    const counts = [0, 0, 0, 0, 0];
    for (const v of x.data) counts[v]!++;
    expect(counts.reduce((a, b) => a + b, 0)).toBe(10_000);
    const chi2 = counts.reduce((a, c) => a + (c - 2000) ** 2 / 2000, 0);
    expect(chi2).toBeLessThan(18.47); // 4 degrees of freedom, p = 0.001
    expect(spec.isInRange(x)).toBe(true);
    expect([...spec.rand(new Rng(6)).data]).toEqual([...x.data]);
  });

  it("assert rejects out-of-range and non-integer values, naming the key, value and index", () => {
    const spec = new Categorical({ n: 3, shape: [2] });
    expect(() => spec.assert(HostArray.from("int32", [2], [0, 3]), "action")).toThrow(
      'Categorical.assert("action"): value 3 at index [1] is out of range [0, 3)',
    );
    expect(() => spec.assert(HostArray.from("int32", [2], [-1, 0]), "action")).toThrow(
      "value -1 at index [0] is out of range [0, 3)",
    );
    const floats = new Categorical({ n: 3, shape: [2], dtype: "float32" });
    expect(() => floats.assert(HostArray.from("float32", [2], [1, 1.5]), "a")).toThrow(
      'Categorical.assert("a"): value 1.5 at index [1] is not an integer category in [0, 3)',
    );
    expect(floats.isInRange(HostArray.from("float32", [2], [2, 0]))).toBe(true);
  });

  it("project rounds half to even and clamps into [0, n - 1]", () => {
    const spec = new Categorical({ n: 4, shape: [6] });
    const p = spec.project(HostArray.from("float32", [6], [-2, 0.5, 1.5, 2.4, 3.6, 100]));
    expect(p.dtype).toBe("int32");
    expect([...p.data]).toEqual([0, 0, 2, 2, 3, 3]);
  });

  it("zero, expand, clone, equals, toString", () => {
    const spec = new Categorical({ n: 3, shape: [2], dtype: "uint8" });
    expect([...spec.zero().data]).toEqual([0, 0]);
    const big = spec.expand([4, 2]);
    expect(big).toBeInstanceOf(Categorical);
    expect(big.shape).toEqual([4, 2]);
    expect(big.n).toBe(3);
    expect(() => spec.expand([4])).toThrow("Categorical.expand: the new shape [4] must end with the spec's shape [2]");
    expect(new Categorical({ n: 3 }).expand([4]).shape).toEqual([4]);
    expect(spec.clone().equals(spec)).toBe(true);
    expect(spec.equals(new Categorical({ n: 4, shape: [2], dtype: "uint8" }))).toBe(false);
    expect(spec.toString()).toBe("Categorical(n=3, shape=[2], dtype=uint8)");
  });
});
