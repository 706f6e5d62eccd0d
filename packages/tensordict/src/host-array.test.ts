import { describe, expect, it } from "vitest";
import { HostArray, resolveReshape } from "./host-array";

describe("HostArray", () => {
  it("holds data row-major and reads elements by multi-index", () => {
    const a = HostArray.from("float32", [2, 3], [0, 1, 2, 3, 4, 5]);
    expect(a.at(1, 2)).toBe(5);
    expect(a.at(0, 1)).toBe(1);
    expect(a.size).toBe(6);
    expect(a.rank).toBe(2);
    expect(a.toNested()).toEqual([[0, 1, 2], [3, 4, 5]]);
  });

  it("stores bools as bytes and reports them as booleans", () => {
    const b = HostArray.from("bool", [3], [true, false, true]);
    expect(b.data).toBeInstanceOf(Uint8Array);
    expect(Array.from(b.data)).toEqual([1, 0, 1]);
    expect(b.toNested()).toEqual([true, false, true]);
  });

  it("reshape shares memory, clone does not", () => {
    const a = HostArray.from("int32", [2, 2], [1, 2, 3, 4]);
    const r = a.reshape([4]);
    const c = a.clone();
    r.data[0] = 9;
    expect(a.at(0, 0)).toBe(9);
    expect(c.at(0, 0)).toBe(1);
    expect(a.reshape([-1, 1]).shape).toEqual([4, 1]);
  });

  it("rejects bad input with the values named", () => {
    expect(() => new HostArray("float32", [2, 2], new Float32Array(3))).toThrow("shape [2, 2] holds 4 elements, data has 3");
    expect(() => new HostArray("int32", [2], new Float32Array(2) as unknown as Int32Array)).toThrow("needs a Int32Array, got Float32Array");
    expect(() => new HostArray("float64" as "float32", [1])).toThrow('unknown dtype "float64"');
    expect(() => new HostArray("float32", [2, -1])).toThrow("invalid dimension -1");
    expect(() => HostArray.from("float32", [2], [1, 2, 3])).toThrow("holds 2 elements, got 3 values");
    expect(() => HostArray.zeros("float32", [2, 3]).at(2, 0)).toThrow("index 2 is out of range [0, 2) for dimension 0");
    expect(() => resolveReshape([2, 3], [4, -1], "x")).toThrow("cannot reshape [2, 3] (6 elements) to [4, -1]");
    expect(() => resolveReshape([2, 3], [-1, -1], "x")).toThrow("only one dimension may be -1");
  });
});
