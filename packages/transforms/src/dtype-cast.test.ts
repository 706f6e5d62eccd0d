import { Categorical, HostArray, TensorDict, Unbounded } from "@tdrl/tensordict";
import { describe, expect, it } from "vitest";
import { countingEnv, expectSpecsPassOnCartPole, values } from "../test/env-checks";
import { DTypeCast } from "./dtype-cast";
import { TransformedEnv } from "./transformed-env";

describe("DTypeCast", () => {
  it("passes checkEnvSpecs on a single and a batched CartPole, forward and inverse", () => {
    expectSpecsPassOnCartPole(() => new DTypeCast({ dtypeIn: "float32", dtypeOut: "int32", inKeys: ["observation"] }));
    expectSpecsPassOnCartPole(() => new DTypeCast({ dtypeIn: "int32", dtypeOut: "float32", inKeysInv: ["action"] }));
    expectSpecsPassOnCartPole(() => new DTypeCast({ dtypeIn: "uint8", dtypeOut: "float32", inKeys: ["pixels"] }), {
      fromPixels: true,
      renderSize: [16, 24],
    });
  });

  it("truncates toward zero, clamps to the dtype and maps non-zero to true", () => {
    const td = new TensorDict({ x: HostArray.from("float32", [5], [-1.7, -0.2, 2.9, 300, -5]) });
    new DTypeCast({ dtypeIn: "float32", dtypeOut: "uint8", inKeys: ["x"], outKeys: ["u"] }).forward(td);
    expect(values(td, "u")).toEqual([0, 0, 2, 255, 0]);
    new DTypeCast({ dtypeIn: "float32", dtypeOut: "int32", inKeys: ["x"], outKeys: ["i"] }).forward(td);
    expect(values(td, "i")).toEqual([-1, 0, 2, 300, -5]);
    new DTypeCast({ dtypeIn: "float32", dtypeOut: "bool", inKeys: ["x"], outKeys: ["b"] }).forward(td);
    expect(values(td, "b")).toEqual([1, 1, 1, 1, 1]);
    expect(() =>
      new DTypeCast({ dtypeIn: "float32", dtypeOut: "int32", inKeys: ["x"] }).forward(
        new TensorDict({ x: HostArray.from("float32", [2], [1, NaN]) }),
      ),
    ).toThrow('DTypeCast("x"): NaN at flat index 1 cannot be cast to int32');
  });

  it("lets a policy write float32 actions to an int32 env, with a float32 Categorical action spec", () => {
    const env = new TransformedEnv(
      countingEnv(2),
      new DTypeCast({ dtypeIn: "int32", dtypeOut: "float32", inKeysInv: ["action"] }),
    );
    expect(env.actionSpec.get("action").toString()).toBe(
      new Categorical({ n: 2, shape: [2], dtype: "float32" }).toString(),
    );
    const stepped = env.step(env.reset().set("action", HostArray.from("float32", [2], [1, 0])));
    expect(values(stepped, "next.observation")).toEqual([1, 0]);
    expect(stepped.getHost("action").dtype).toBe("float32"); // the caller's record keeps what it wrote
  });

  it("casts observation specs and names wrong dtypes and missing keys", () => {
    const env = new TransformedEnv(
      countingEnv(1),
      new DTypeCast({ dtypeIn: "int32", dtypeOut: "float32", inKeys: ["steps"] }),
    );
    expect(env.observationSpec.get("steps").toString()).toBe(
      new Unbounded({ shape: [1, 1], dtype: "float32" }).toString(),
    );
    expect(
      () =>
        new TransformedEnv(
          countingEnv(1),
          new DTypeCast({ dtypeIn: "int32", dtypeOut: "float32", inKeys: ["observation"] }),
        ),
    ).toThrow('DTypeCast: "observation" in the spec is float32, expected int32');
    expect(() =>
      new DTypeCast({ dtypeIn: "int32", dtypeOut: "float32", inKeys: ["a"] }).forward(
        new TensorDict({ b: HostArray.zeros("int32", [1]) }),
      ),
    ).toThrow('DTypeCast: key "a" not found in the record; it has keys: b');
    expect(() => new DTypeCast({ dtypeIn: "int64" as "int32", dtypeOut: "float32", inKeys: ["a"] })).toThrow(
      'DTypeCast: dtypeIn must be one of float32, int32, uint8, bool; got "int64"',
    );
    const inv = new DTypeCast({ dtypeIn: "int32", dtypeOut: "float32", inKeysInv: ["action"] });
    expect(() => inv.inv(new TensorDict({ act: HostArray.zeros("float32", [1]) }))).toThrow(
      'DTypeCast: key "action" not found in the input record (inv); it has keys: act',
    );
  });
});
