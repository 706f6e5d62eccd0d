import { describe, expect, it } from "vitest";
import { HostArray, TensorDict } from "@tdrl/tensordict";
import { stackSteps } from "./stack-steps";

describe("stackSteps", () => {
  it("stacks along the time dim and zero-fills keys some steps lack", () => {
    const a = TensorDict.from({ x: HostArray.from("float32", [2], [1, 2]) }, [2]);
    const b = TensorDict.from(
      { x: HostArray.from("float32", [2], [3, 4]), next: { h: HostArray.from("int32", [2, 2], [5, 6, 7, 8]) } },
      [2],
    );
    const out = stackSteps([a, b], 1);
    expect(out.batchSize).toEqual([2, 2]);
    expect(Array.from(out.getHost("x").data)).toEqual([1, 3, 2, 4]);
    expect(out.getHost("next.h").dtype).toBe("int32");
    expect(Array.from(out.getHost("next.h").data)).toEqual([0, 0, 5, 6, 0, 0, 7, 8]);
    expect(a.keys()).toEqual(["x"]); // the inputs are left alone
  });

  it("passes on a stack error that is not about missing keys", () => {
    const a = TensorDict.from({ x: HostArray.zeros("float32", [2]) }, [2]);
    const b = TensorDict.from({ x: HostArray.zeros("float32", [2, 3]) }, [2]);
    expect(() => TensorDict.stack([a, b], 1)).toThrow();
    let plain = "";
    try {
      TensorDict.stack([a, b], 1);
    } catch (e) {
      plain = (e as Error).message;
    }
    expect(() => stackSteps([a, b], 1)).toThrow(plain);
  });
});
