import { describe, expect, it } from "vitest";
import { HostArray } from "../host-array";
import { broadcastShapes, broadcastsTo, broadcastValues, readArrayInput } from "./broadcast";

describe("broadcast", () => {
  it("reads scalars, nested arrays and host arrays", () => {
    expect(readArrayInput(3, "low")).toEqual({ shape: [], values: [3] });
    expect(
      readArrayInput(
        [
          [1, 2, 3],
          [4, 5, 6],
        ],
        "low",
      ),
    ).toEqual({ shape: [2, 3], values: [1, 2, 3, 4, 5, 6] });
    expect(readArrayInput(HostArray.from("int32", [2], [7, 8]), "low")).toEqual({ shape: [2], values: [7, 8] });
  });

  it("rejects ragged and non-numeric nested arrays, naming the argument and the position", () => {
    expect(() => readArrayInput([[1, 2], [3]], "Bounded: low")).toThrow(
      "Bounded: low: nested arrays are ragged at [1]; expected 2 entries like the first row",
    );
    expect(() => readArrayInput([1, [2]] as never, "high")).toThrow("high: expected a number at [1], got an array");
    expect(() => readArrayInput("1" as never, "high")).toThrow(
      "high: expected a number, nested number arrays or a HostArray, got string",
    );
  });

  it("follows NumPy broadcasting rules", () => {
    expect(broadcastsTo([], [2, 3])).toBe(true);
    expect(broadcastsTo([3], [2, 3])).toBe(true);
    expect(broadcastsTo([2, 1], [2, 3])).toBe(true);
    expect(broadcastsTo([2], [2, 3])).toBe(false);
    expect(broadcastsTo([1, 2, 3], [2, 3])).toBe(false);
    expect(broadcastShapes([2, 1], [3], "x")).toEqual([2, 3]);
    expect(() => broadcastShapes([2], [3], "Bounded: low and high")).toThrow(
      "Bounded: low and high: shapes [2] and [3] do not broadcast",
    );
  });

  it("repeats values along new and size-1 dims", () => {
    expect(broadcastValues([5], [], [2, 2])).toEqual([5, 5, 5, 5]);
    expect(broadcastValues([1, 2, 3], [3], [2, 3])).toEqual([1, 2, 3, 1, 2, 3]);
    expect(broadcastValues([1, 2], [2, 1], [2, 3])).toEqual([1, 1, 1, 2, 2, 2]);
    expect(broadcastValues([1, 2, 3, 4], [2, 1, 2], [2, 2, 2])).toEqual([1, 2, 1, 2, 3, 4, 3, 4]);
  });
});
