import { Bounded, HostArray, TensorDict } from "@tdrl/tensordict";
import { describe, expect, it } from "vitest";
import { countingEnv, expectSpecsPassOnCartPole, values } from "../test/env-checks";
import { SignTransform } from "./sign-transform";
import { TransformedEnv } from "./transformed-env";

describe("SignTransform", () => {
  it("passes checkEnvSpecs on a single and a batched CartPole, on the reward and on an observation", () => {
    expectSpecsPassOnCartPole(() => new SignTransform());
    expectSpecsPassOnCartPole(() => new SignTransform({ inKeys: ["observation"] }));
  });

  it("gives -1, 0 or 1 in the input's dtype", () => {
    const td = new TensorDict({
      x: HostArray.from("int32", [4], [-7, 0, 3, 1]),
      next: { reward: HostArray.from("float32", [4], [-0.1, 0, 2, -0]) },
    });
    new SignTransform({ inKeys: ["x", "reward"] }).forward(td);
    expect(values(td, "x")).toEqual([-1, 0, 1, 1]);
    expect(td.getHost("x").dtype).toBe("int32");
    expect(values(td, "next.reward").map((v) => v + 0)).toEqual([-1, 0, 1, 0]);
  });

  it("transforms an observation at reset and step, with a [-1, 1] spec", () => {
    const env = new TransformedEnv(countingEnv(2), new SignTransform({ inKeys: ["observation"] }));
    expect(env.observationSpec.get("observation").toString()).toBe(
      new Bounded({ low: -1, high: 1, shape: [2, 1] }).toString(),
    );
    const root = env.reset();
    const stepped = env.step(root.set("action", HostArray.from("int32", [2], [1, 0])));
    expect(values(stepped, "next.observation")).toEqual([1, 0]);
  });

  it("names a missing observation key at reset", () => {
    const t = new SignTransform({ inKeys: ["observation"] });
    expect(() => t.reset(new TensorDict(), new TensorDict({ pixels: HostArray.zeros("uint8", [1]) }), null)).toThrow(
      'SignTransform: key "observation" not found in the reset record; it has keys: pixels',
    );
  });
});
