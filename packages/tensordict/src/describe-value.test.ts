import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { beforeAll, describe, expect, it } from "vitest";
import { describeValue, leafHint } from "./describe-value";
import { HostArray } from "./host-array";
import { TensorDict } from "./tensordict";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

describe("describeValue", () => {
  it("names arrays, tensors and TensorDicts with their dtype and shape", () => {
    expect(describeValue(HostArray.zeros("float32", [2, 3]))).toBe("a host array float32[2, 3]");
    const t = tf.zeros([4], "int32");
    expect(describeValue(t)).toBe("a tensor int32[4]");
    t.dispose();
    expect(describeValue(new TensorDict({}, [5]))).toBe("a TensorDict with batch size [5]");
  });

  it("names JS values by kind, and primitives by value", () => {
    expect(describeValue([1, 2])).toBe("a JS array of 2");
    expect(describeValue(new Float32Array(3))).toBe("a Float32Array");
    expect(describeValue({ a: 1 })).toBe("a plain object");
    expect(describeValue(Object.create(null))).toBe("a plain object");
    expect(describeValue(new Map())).toBe("a Map");
    expect(describeValue("yes")).toBe("string yes");
    expect(describeValue(Number.NaN)).toBe("number NaN");
    expect(describeValue(null)).toBe("null");
    expect(describeValue(undefined)).toBe("undefined");
  });

  it("hints how to make a leaf only of JS arrays and typed arrays", () => {
    expect(leafHint([1])).toBe(" (wrap it in HostArray.from)");
    expect(leafHint(new Uint8Array(1))).toBe(" (wrap it in a HostArray with a shape)");
    expect(leafHint({})).toBe("");
  });
});
