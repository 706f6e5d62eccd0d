import { describe, expect, it } from "vitest";
import { HostArray, resolveReshape } from "./host-array";

describe("HostArray", () => {
  it("holds data row-major and reads elements by multi-index", () => {
    const a = HostArray.from("float32", [2, 3], [0, 1, 2, 3, 4, 5]);
    expect(a.at(1, 2)).toBe(5);
    expect(a.at(0, 1)).toBe(1);
    expect(a.size).toBe(6);
    expect(a.rank).toBe(2);
    expect(a.toNested()).toEqual([
      [0, 1, 2],
      [3, 4, 5],
    ]);
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
    expect(() => new HostArray("float32", [2, 2], new Float32Array(3))).toThrow(
      "shape [2, 2] holds 4 elements, data has 3",
    );
    expect(() => new HostArray("int32", [2], new Float32Array(2) as unknown as Int32Array)).toThrow(
      "needs a Int32Array, got Float32Array",
    );
    expect(() => new HostArray("float64" as "float32", [1])).toThrow('unknown dtype "float64"');
    expect(() => new HostArray("float32", [2, -1])).toThrow("invalid dimension -1");
    expect(() => HostArray.from("float32", [2], [1, 2, 3])).toThrow("holds 2 elements, got 3 values");
    expect(() => HostArray.zeros("float32", [2, 3]).at(2, 0)).toThrow("index 2 is out of range [0, 2) for dimension 0");
    expect(() => resolveReshape([2, 3], [4, -1], "x")).toThrow("cannot reshape [2, 3] (6 elements) to [4, -1]");
    expect(() => resolveReshape([2, 3], [-1, -1], "x")).toThrow("only one dimension may be -1");
  });
});

describe("HostArray.from: values the dtype cannot hold", () => {
  it("refuses them, naming the value, its index and the dtype", () => {
    expect(() => HostArray.from("int32", [2], [1, NaN])).toThrow(
      "HostArray.from: value NaN at index [1] cannot be held by int32 (integers in [-2147483648, 2147483647])",
    );
    expect(() => HostArray.from("int32", [1], [1e12])).toThrow(
      "value 1000000000000 at index [0] cannot be held by int32",
    );
    expect(() => HostArray.from("int32", [1], [1.5])).toThrow("value 1.5 at index [0] cannot be held by int32");
    expect(() => HostArray.from("int32", [1], [Infinity])).toThrow(
      "value Infinity at index [0] cannot be held by int32",
    );
    expect(() => HostArray.from("bool", [2], [5, -1])).toThrow(
      "value 5 at index [0] cannot be held by bool (0, 1, true or false)",
    );
    expect(() => HostArray.from("uint8", [2, 2], [0, 1, 2, 300])).toThrow(
      'value 300 at index [1, 1] cannot be held by uint8 (integers in [0, 255]); pass { onOutOfRange: "wrap" }',
    );
    expect(() => HostArray.from("uint8", [1], [-1])).toThrow("value -1 at index [0] cannot be held by uint8");
    expect(() => HostArray.from("float32", [1], [1e39])).toThrow("value 1e+39 at index [0] cannot be held by float32");
    expect(() => HostArray.from("bool", [1], Uint8Array.from([2]))).toThrow(
      "value 2 at index [0] cannot be held by bool",
    );
    expect(() => HostArray.full("bool", [2], 5)).toThrow("HostArray.full: value 5 cannot be held by bool");
    expect(() => HostArray.full("int32", [2], NaN)).toThrow("HostArray.full: value NaN cannot be held by int32");
    expect(() => HostArray.from("int32", [1], [1], { onOutOfRange: "round" as never })).toThrow(
      'onOutOfRange must be "throw", "wrap" or "clamp", got "round"',
    );
  });

  it("keeps what every dtype holds: float32 NaN and Infinity, -0, booleans, typed arrays of the same kind", () => {
    expect(Array.from(HostArray.from("float32", [3], [NaN, -Infinity, 3.4028235e38]).data)).toEqual([
      NaN,
      -Infinity,
      3.4028234663852886e38,
    ]);
    expect(Array.from(HostArray.from("int32", [3], [-0, 2147483647, -2147483648]).data)).toEqual([
      0, 2147483647, -2147483648,
    ]);
    expect(Array.from(HostArray.from("uint8", [2], [true, 255]).data)).toEqual([1, 255]);
    expect(Array.from(HostArray.from("int32", [2], Int32Array.from([7, -7])).data)).toEqual([7, -7]);
    expect(Array.from(HostArray.from("int32", [2], Float32Array.from([7, -7])).data)).toEqual([7, -7]);
  });

  it("converts on request: wrap as typed arrays do, clamp to the range", () => {
    expect(Array.from(HostArray.from("int32", [2], [NaN, 1e12], { onOutOfRange: "wrap" }).data)).toEqual([
      0, -727379968,
    ]);
    expect(Array.from(HostArray.from("uint8", [2], [300, -1], { onOutOfRange: "wrap" }).data)).toEqual([44, 255]);
    expect(Array.from(HostArray.from("bool", [3], [5, -1, 0], { onOutOfRange: "wrap" }).data)).toEqual([1, 1, 0]);
    expect(Array.from(HostArray.from("uint8", [3], [300, -1, 7.9], { onOutOfRange: "clamp" }).data)).toEqual([
      255, 0, 7,
    ]);
    expect(Array.from(HostArray.from("int32", [2], [1e12, -Infinity], { onOutOfRange: "clamp" }).data)).toEqual([
      2147483647, -2147483648,
    ]);
    expect(Array.from(HostArray.from("bool", [2], [5, -1], { onOutOfRange: "clamp" }).data)).toEqual([1, 0]);
    expect(Array.from(HostArray.from("float32", [1], [1e39], { onOutOfRange: "clamp" }).data)).toEqual([
      3.4028234663852886e38,
    ]);
    expect(() => HostArray.from("int32", [1], [NaN], { onOutOfRange: "clamp" })).toThrow(
      "value NaN at index [0] cannot be clamped into int32",
    );
  });
});
