import { describe, expect, it } from "vitest";
import { HostArray } from "../host-array";
import { Rng } from "../rng/rng";
import { Unbounded } from "./unbounded";

describe("Unbounded", () => {
  it("defaults to float32 and keeps shape and dtype", () => {
    const spec = new Unbounded({ shape: [2, 3] });
    expect(spec.dtype).toBe("float32");
    expect(spec.shape).toEqual([2, 3]);
    expect(new Unbounded({ shape: [], dtype: "int32" }).dtype).toBe("int32");
  });

  it("rejects bad shapes and dtypes, naming the value", () => {
    expect(() => new Unbounded({ shape: [2, -1] })).toThrow("Unbounded: shape [2, -1] has an invalid dimension -1");
    expect(() => new Unbounded({ shape: [1], dtype: "float64" as "float32" })).toThrow(
      'Unbounded: unknown dtype "float64"',
    );
  });

  it("zero is all zeros of the shape and dtype", () => {
    const z = new Unbounded({ shape: [2, 2], dtype: "int32" }).zero();
    expect(z.dtype).toBe("int32");
    expect(z.shape).toEqual([2, 2]);
    expect([...z.data]).toEqual([0, 0, 0, 0]);
  });

  it("rand draws standard normals for float32, reproducibly from the rng", () => {
    const spec = new Unbounded({ shape: [20_000] });
    const x = spec.rand(new Rng(1));
    const mean = x.data.reduce((a, b) => a + b, 0) / x.size;
    const std = Math.sqrt(x.data.reduce((a, b) => a + (b - mean) ** 2, 0) / x.size);
    expect(Math.abs(mean)).toBeLessThan(0.04);
    expect(Math.abs(std - 1)).toBeLessThan(0.03);
    expect([...spec.rand(new Rng(1)).data]).toEqual([...x.data]);
    expect([...spec.rand(new Rng(2)).data]).not.toEqual([...x.data]);
    expect(spec.isInRange(x)).toBe(true);
  });

  it("rand draws integers in [-100, 100] for int32, bytes for uint8, 0/1 for bool", () => {
    const rng = new Rng(3);
    const ints = new Unbounded({ shape: [5000], dtype: "int32" }).rand(rng);
    expect(Math.min(...ints.data)).toBe(-100);
    expect(Math.max(...ints.data)).toBe(100);
    const bytes = new Unbounded({ shape: [5000], dtype: "uint8" }).rand(rng);
    expect(Math.min(...bytes.data)).toBe(0);
    expect(Math.max(...bytes.data)).toBe(255);
    const flags = new Unbounded({ shape: [1000], dtype: "bool" }).rand(rng);
    expect(new Set(flags.data)).toEqual(new Set([0, 1]));
  });

  it("accepts any value of the dtype, and checks only shape and dtype", () => {
    const spec = new Unbounded({ shape: [3] });
    expect(spec.isInRange(HostArray.from("float32", [3], [-1e30, 0, Number.POSITIVE_INFINITY]))).toBe(true);
    expect(spec.isInRange(HostArray.zeros("float32", [4]))).toBe(false);
    expect(spec.isInRange(HostArray.zeros("int32", [3]))).toBe(false);
    expect(() => spec.assert(HostArray.zeros("float32", [1, 3]), "obs")).toThrow(
      'Unbounded.assert("obs"): expected shape [3], got [1, 3]',
    );
  });

  it("project converts into the dtype", () => {
    const ints = new Unbounded({ shape: [4], dtype: "int32" }).project(
      HostArray.from("float32", [4], [1.5, 2.5, -0.6, 3e10]),
    );
    expect(ints.dtype).toBe("int32");
    expect([...ints.data]).toEqual([2, 2, -1, 2147483647]);
    const flags = new Unbounded({ shape: [3], dtype: "bool" }).project(HostArray.from("float32", [3], [0.2, 0.5, 3]));
    expect([...flags.data]).toEqual([0, 1, 1]);
    const src = HostArray.from("float32", [2], [1.25, -7]);
    const same = new Unbounded({ shape: [2] }).project(src);
    expect([...same.data]).toEqual([1.25, -7]);
    expect(same).not.toBe(src);
  });

  it("expand takes the whole new shape (TorchRL's); clone and equals; toString", () => {
    const spec = new Unbounded({ shape: [4], dtype: "uint8" });
    const big = spec.expand([2, 3, 4]);
    expect(big).toBeInstanceOf(Unbounded);
    expect(big.shape).toEqual([2, 3, 4]);
    expect(big.dtype).toBe("uint8");
    expect(spec.expand([4]).equals(spec)).toBe(true);
    expect(new Unbounded({ shape: [1] }).expand([8, 3]).shape).toEqual([8, 3]);
    // The batch-dims-only call of tdrl < 0.2 fails loudly, naming both shapes and the call that means it.
    expect(() => spec.expand([2, 3])).toThrow(
      "Unbounded.expand: the new shape [2, 3] must end with the spec's shape [4] (the whole new shape, as TorchRL's expand: to add batch dims [2, 3], give [2, 3, 4])",
    );
    expect(() => spec.expand([])).toThrow("Unbounded.expand: the new shape [] must end with the spec's shape [4]");
    expect(() => spec.expand([8, 4, 4])).not.toThrow();
    const copy = spec.clone();
    expect(copy).not.toBe(spec);
    expect(copy.equals(spec)).toBe(true);
    expect(spec.toString()).toBe("Unbounded(shape=[4], dtype=uint8)");
  });
});
