import { describe, expect, it } from "vitest";
import { HostArray } from "../host-array";
import { Rng } from "../rng/rng";
import { Bounded } from "./bounded";

describe("Bounded", () => {
  it("expands scalar bounds to the shape, in the spec's dtype", () => {
    const spec = new Bounded({ low: -1, high: 1, shape: [2, 2] });
    expect(spec.low.dtype).toBe("float32");
    expect(spec.low.shape).toEqual([2, 2]);
    expect([...spec.low.data]).toEqual([-1, -1, -1, -1]);
    expect([...spec.high.data]).toEqual([1, 1, 1, 1]);
  });

  it("broadcasts array bounds, and infers the shape from them when it is not given", () => {
    const spec = new Bounded({ low: [[0], [4]], high: [5, 6, 7] });
    expect(spec.shape).toEqual([2, 3]);
    expect([...spec.low.data]).toEqual([0, 0, 0, 4, 4, 4]);
    expect([...spec.high.data]).toEqual([5, 6, 7, 5, 6, 7]);
    const fromHost = new Bounded({ low: HostArray.from("float32", [2], [0, 1]), high: 2, shape: [3, 2] });
    expect([...fromHost.low.data]).toEqual([0, 1, 0, 1, 0, 1]);
  });

  it("rejects low > high naming both and the index, and bounds that do not broadcast", () => {
    expect(() => new Bounded({ low: 2, high: 1, shape: [] })).toThrow(
      "Bounded: low 2 is greater than high 1 at index []",
    );
    expect(() => new Bounded({ low: [0, 3], high: [1, 2] })).toThrow(
      "Bounded: low 3 is greater than high 2 at index [1]",
    );
    expect(() => new Bounded({ low: [0, 0, 0], high: 1, shape: [2] })).toThrow(
      "Bounded: low of shape [3] does not broadcast to the spec's shape [2]",
    );
    expect(() => new Bounded({ low: [0, 0], high: [1, 1, 1] })).toThrow(
      "Bounded: low and high: shapes [2] and [3] do not broadcast",
    );
  });

  it("rejects non-finite bounds and bounds the dtype cannot hold", () => {
    expect(() => new Bounded({ low: Number.NEGATIVE_INFINITY, high: 1 })).toThrow(
      "Bounded: low -Infinity at index [] is not finite; use Unbounded for an open range",
    );
    expect(() => new Bounded({ low: 0, high: [1, Number.NaN] })).toThrow(
      "Bounded: high NaN at index [1] is not finite",
    );
    expect(() => new Bounded({ low: 0.5, high: 3, dtype: "int32" })).toThrow(
      "Bounded: low 0.5 at index [] is not a int32 value",
    );
    expect(() => new Bounded({ low: 0, high: 256, dtype: "uint8" })).toThrow(
      "Bounded: high 256 at index [] is not a uint8 value",
    );
  });

  it("rand is uniform within each element's bounds and covers them", () => {
    const spec = new Bounded({ low: [-1, 10], high: [1, 20], shape: [5000, 2] });
    const x = spec.rand(new Rng(4));
    expect(spec.isInRange(x)).toBe(true);
    const col = (j: number) => Array.from({ length: 5000 }, (_, i) => x.data[2 * i + j]!);
    const [a, b] = [col(0), col(1)];
    expect(Math.min(...a)).toBeLessThan(-0.99);
    expect(Math.max(...a)).toBeGreaterThan(0.99);
    expect(Math.min(...b)).toBeLessThan(10.02);
    expect(Math.max(...b)).toBeGreaterThan(19.98);
    expect(Math.abs(b.reduce((s, v) => s + v, 0) / 5000 - 15)).toBeLessThan(0.25); // se 0.041
  });

  it("rand on integer dtypes includes both ends, uniformly", () => {
    const spec = new Bounded({ low: 2, high: 5, shape: [8000], dtype: "int32" });
    const x = spec.rand(new Rng(5));
    const counts = [0, 0, 0, 0];
    for (const v of x.data) counts[v - 2]!++;
    expect(counts.every((c) => Math.abs(c - 2000) < 200)).toBe(true);
    expect(spec.rand(new Rng(5)).data).toEqual(x.data);
    const point = new Bounded({ low: 3, high: 3, shape: [2] }).rand(new Rng(0));
    expect([...point.data]).toEqual([3, 3]);
  });

  it("assert names the key, the value, its index and its bounds", () => {
    const spec = new Bounded({ low: [0, 0], high: [1, 0.5] });
    expect(() => spec.assert(HostArray.from("float32", [2], [1, 0.7]), "action")).toThrow(
      'Bounded.assert("action"): value 0.7 at index [1] is out of bounds [0, 0.5]',
    );
    expect(() => spec.assert(HostArray.from("float32", [2], [Number.NaN, 0]), "action")).toThrow(
      "value NaN at index [0] is out of bounds [0, 1]",
    );
    expect(spec.isInRange(HostArray.from("float32", [2], [1, 0.5]))).toBe(true);
    const grid = new Bounded({ low: 0, high: 3, shape: [2, 2], dtype: "int32" });
    expect(() => grid.assert(HostArray.from("int32", [2, 2], [0, 1, 2, 4]), "cell")).toThrow(
      'Bounded.assert("cell"): value 4 at index [1, 1] is out of bounds [0, 3]',
    );
  });

  it("zero is zeros even when 0 is out of bounds (TorchRL semantics)", () => {
    const spec = new Bounded({ low: 1, high: 2, shape: [2] });
    expect([...spec.zero().data]).toEqual([0, 0]);
    expect(spec.isInRange(spec.zero())).toBe(false);
  });

  it("project clamps floats, and rounds half to even then clamps for integer dtypes", () => {
    const spec = new Bounded({ low: [-1, 0, 0], high: [1, 2, 2] });
    expect([...spec.project(HostArray.from("float32", [3], [-3, 1.5, 7])).data]).toEqual([-1, 1.5, 2]);
    const ints = new Bounded({ low: 0, high: 4, shape: [5], dtype: "int32" });
    const p = ints.project(HostArray.from("float32", [5], [-0.4, 0.5, 1.5, 2.6, 9]));
    expect(p.dtype).toBe("int32");
    expect([...p.data]).toEqual([0, 0, 2, 3, 4]);
    expect(ints.isInRange(p)).toBe(true);
  });

  it("expand tiles the bounds; clone copies them", () => {
    const spec = new Bounded({ low: [0, 1], high: [2, 3] });
    const big = spec.expand([3, 2]);
    expect(big).toBeInstanceOf(Bounded);
    expect(big.shape).toEqual([3, 2]);
    expect([...big.low.data]).toEqual([0, 1, 0, 1, 0, 1]);
    expect([...big.high.data]).toEqual([2, 3, 2, 3, 2, 3]);
    // A dim of 1 grows, as in torch.expand: the bounds repeat along it.
    const column = new Bounded({ low: [[0], [1]], high: [[5], [6]] }).expand([2, 3]);
    expect(column.shape).toEqual([2, 3]);
    expect([...column.low.data]).toEqual([0, 0, 0, 1, 1, 1]);
    expect(() => spec.expand([3])).toThrow(
      "Bounded.expand: the new shape [3] must end with the spec's shape [2] (the whole new shape, as TorchRL's expand: to add batch dims [3], give [3, 2])",
    );
    const copy = spec.clone();
    expect(copy.equals(spec)).toBe(true);
    copy.low.data[0] = -5;
    expect(spec.low.data[0]).toBe(0);
    expect(copy.equals(spec)).toBe(false);
  });

  it("toString shows one bound when all are equal, the list otherwise", () => {
    expect(new Bounded({ low: -0.1, high: 0.1, shape: [3] }).toString()).toBe(
      "Bounded(shape=[3], dtype=float32, low=-0.1, high=0.1)",
    );
    expect(new Bounded({ low: [0, 1], high: 5, dtype: "int32" }).toString()).toBe(
      "Bounded(shape=[2], dtype=int32, low=[0, 1], high=5)",
    );
  });
});
