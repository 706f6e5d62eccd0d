import { Bounded, HostArray, TensorDict } from "@tdrl/tensordict";
import { describe, expect, it } from "vitest";
import { countingEnv, expectSpecsPassOnCartPole, values, withAction } from "../test/env-checks";
import { RewardClipping } from "./reward-clipping";
import { TransformedEnv } from "./transformed-env";

describe("RewardClipping", () => {
  it("passes checkEnvSpecs on a single and a batched CartPole", () => {
    expectSpecsPassOnCartPole(() => new RewardClipping(-0.5, 0.5));
  });

  it("clamps into [min, max] and keeps NaN visible", () => {
    const td = new TensorDict({ next: { reward: HostArray.from("float32", [5, 1], [-3, -0.25, 0.75, 9, NaN]) } }, [5]);
    expect(values(new RewardClipping(-1, 0.5).forward(td), "next.reward")).toEqual([-1, -0.25, 0.5, 0.5, NaN]);
  });

  it("declares a Bounded reward spec and clips the env's reward", () => {
    const env = new TransformedEnv(countingEnv(1), new RewardClipping(0, 0.5));
    expect(env.rewardSpec.get("reward").toString()).toBe(new Bounded({ low: 0, high: 0.5, shape: [1, 1] }).toString());
    expect(values(env.step(withAction(env.reset(), 1)), "next.reward")).toEqual([0.5]);
  });

  it("rejects min > max and names a missing key", () => {
    expect(() => new RewardClipping(1, 0)).toThrow("RewardClipping: need clampMin <= clampMax (numbers), got 1 and 0");
    expect(() => new RewardClipping(0, 1).forward(new TensorDict({ obs: HostArray.zeros("float32", [1]) }))).toThrow(
      'RewardClipping: key "reward" not found in the record; it has keys: obs',
    );
  });
});
