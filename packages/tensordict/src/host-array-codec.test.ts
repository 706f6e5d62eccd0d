import { describe, expect, it } from "vitest";
import {
  decodeHostArray,
  decodeTensorDict,
  decodeTypedArray,
  encodeHostArray,
  encodeTensorDict,
  encodeTypedArray,
} from "./host-array-codec";
import { HostArray } from "./host-array";
import { TensorDict } from "./tensordict";

const roundTrip = <T>(value: T): unknown => JSON.parse(JSON.stringify(value));

describe("host-array codec", () => {
  it("round-trips float64 bit for bit through JSON, -0, NaN, subnormals and odd byte counts included", () => {
    const values = new Float64Array([0.1, -0, Number.NaN, 5e-324, -1.7976931348623157e308, 1 / 3]);
    const back = decodeTypedArray(roundTrip(encodeTypedArray(values)), "float64", "t", 6);
    expect(new Uint8Array(back.buffer)).toEqual(new Uint8Array(values.buffer));
    for (const n of [0, 1, 2, 3, 4, 5]) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => 250 - 37 * i);
      expect(decodeTypedArray(roundTrip(encodeTypedArray(bytes)), "uint8", "t")).toEqual(bytes);
    }
  });

  it("encodes a subarray view's own bytes only", () => {
    const whole = new Float32Array([1, 2, 3, 4]);
    expect(Array.from(decodeTypedArray(encodeTypedArray(whole.subarray(1, 3)), "float32", "t"))).toEqual([2, 3]);
  });

  it("round-trips host arrays and nested TensorDicts", () => {
    const td = new TensorDict(
      {
        observation: HostArray.from("float32", [2, 2], [0.1, -2.5, Math.PI, 7]),
        next: {
          done: HostArray.from("bool", [2, 1], [1, 0]),
          pixels: HostArray.from("uint8", [2, 1, 2], [0, 255, 17, 3]),
        },
        count: HostArray.from("int32", [2], [-5, 2147483647]),
      },
      [2],
    );
    const back = decodeTensorDict(roundTrip(encodeTensorDict(td)), "td");
    expect(back.batchSize).toEqual([2]);
    expect(back.keys({ nested: true }).sort()).toEqual(td.keys({ nested: true }).sort());
    for (const [key, leaf] of td.leaves()) {
      const got = back.getHost(key);
      expect(got.dtype).toBe((leaf as HostArray).dtype);
      expect(got.shape).toEqual((leaf as HostArray).shape);
      expect(got.data).toEqual((leaf as HostArray).data);
    }
  });

  it("names the field and the problem on bad input", () => {
    const good = encodeHostArray(HostArray.from("float32", [2], [1, 2]));
    expect(() => decodeHostArray({ ...good, shape: [3] }, 'S: "x"')).toThrow(
      'S: "x": 8 bytes do not hold a float32[3] array',
    );
    expect(() => decodeHostArray({ ...good, base64: "!!!!!!!!!!!!" }, "S")).toThrow("invalid base64 character");
    expect(() => decodeHostArray({ dtype: "bool", shape: [1], base64: "Ag==" }, "S")).toThrow("bool array holds 2");
    expect(() => decodeTypedArray(encodeTypedArray(new Float64Array(2)), "float64", "S: physics", 3)).toThrow(
      "S: physics: expected 3 elements, got 2",
    );
    expect(() => decodeTypedArray(encodeTypedArray(new Int32Array(2)), "float64", "S")).toThrow(
      'expected a float64 array, got "int32"',
    );
    expect(() => decodeTensorDict({ batchSize: [3], entries: { a: good } }, "S")).toThrow(/^S: /);
    expect(() => encodeTensorDict(new TensorDict({ a: { shape: [1] } as never }))).toThrow();
  });
});
