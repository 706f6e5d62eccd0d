import { describe, expect, it } from "vitest";
import { HostArray } from "../host-array";
import { Rng } from "../rng/rng";
import { Binary } from "./binary";

describe("Binary", () => {
  it("takes n or a shape whose last dim is n", () => {
    expect(new Binary({ n: 3 }).shape).toEqual([3]);
    const spec = new Binary({ shape: [2, 4] });
    expect(spec.n).toBe(4);
    expect(spec.dtype).toBe("bool");
    expect(new Binary({ n: 4, shape: [2, 4] }).shape).toEqual([2, 4]);
    expect(() => new Binary({ n: 3, shape: [2, 4] })).toThrow(
      "Binary: the last dim of shape [2, 4] must be n (3), got 4",
    );
    expect(() => new Binary({ shape: [] })).toThrow("Binary: shape must have at least one dim");
    expect(() => new Binary({ n: 0 })).toThrow("Binary: n must be a positive integer, got 0");
    expect(() => new Binary({} as { n: number })).toThrow("Binary: give n or shape");
  });

  it("rand flips fair coins, reproducibly", () => {
    const spec = new Binary({ n: 10_000, dtype: "float32" });
    const x = spec.rand(new Rng(8));
    expect(spec.isInRange(x)).toBe(true);
    const ones = x.data.reduce((a, b) => a + b, 0);
    expect(Math.abs(ones - 5000)).toBeLessThan(250); // sd 50
    expect([...spec.rand(new Rng(8)).data]).toEqual([...x.data]);
  });

  it("assert names the value that is not 0 or 1", () => {
    const spec = new Binary({ shape: [2, 2], dtype: "int32" });
    expect(() => spec.assert(HostArray.from("int32", [2, 2], [0, 1, -1, 1]), "mask")).toThrow(
      'Binary.assert("mask"): value -1 at index [1, 0] is not 0 or 1',
    );
    expect(() => new Binary({ n: 2, dtype: "float32" }).assert(HostArray.from("float32", [2], [0.5, 1]))).toThrow(
      "Binary.assert: value 0.5 at index [0] is not 0 or 1",
    );
  });

  it("project thresholds at 0.5", () => {
    const p = new Binary({ n: 5 }).project(HostArray.from("float32", [5], [-1, 0.49, 0.5, 0.9, 3]));
    expect(p.dtype).toBe("bool");
    expect([...p.data]).toEqual([0, 0, 1, 1, 1]);
  });

  it("zero, expand, clone, equals, toString", () => {
    const spec = new Binary({ n: 2 });
    expect([...spec.zero().data]).toEqual([0, 0]);
    expect(spec.isInRange(spec.zero())).toBe(true);
    const big = spec.expand([3, 2]);
    expect(big).toBeInstanceOf(Binary);
    expect(big.shape).toEqual([3, 2]);
    expect(() => spec.expand([3])).toThrow("Binary.expand: the new shape [3] must end with the spec's shape [2]");
    expect(() => new Binary({ n: 1 }).expand([3])).toThrow(
      "Binary.expand: the new shape [3] must end with the spec's shape [1]",
    );
    expect(spec.clone().equals(spec)).toBe(true);
    expect(spec.equals(new Binary({ n: 3 }))).toBe(false);
    expect(spec.toString()).toBe("Binary(n=2, shape=[2], dtype=bool)");
  });
});
