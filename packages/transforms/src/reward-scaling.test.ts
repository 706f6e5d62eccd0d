import { checkEnvSpecs } from "@tdrl/envs";
import { Bounded, HostArray, TensorDict } from "@tdrl/tensordict";
import { Compose } from "./compose";
import { RewardClipping } from "./reward-clipping";
import { describe, expect, it } from "vitest";
import { countingEnv, expectSpecsPassOnCartPole, values } from "../test/env-checks";
import { RewardScaling } from "./reward-scaling";
import { TransformedEnv } from "./transformed-env";

const rewards = (xs: number[]) =>
  new TensorDict({ next: { reward: HostArray.from("float32", [xs.length, 1], xs) } }, [xs.length]);

describe("RewardScaling", () => {
  it("passes checkEnvSpecs on a single and a batched CartPole", () => {
    expectSpecsPassOnCartPole(() => new RewardScaling(0, 0.1));
    expectSpecsPassOnCartPole(() => new RewardScaling(1, 2, { standardNormal: true }));
  });

  it("computes reward * scale + loc, or (reward - loc) / scale", () => {
    expect(values(new RewardScaling(1, 0.5).forward(rewards([2, -4, 0])), "next.reward")).toEqual([2, -1, 1]);
    expect(
      values(new RewardScaling(1, 0.5, { standardNormal: true }).forward(rewards([2, -4, 0])), "next.reward"),
    ).toEqual([2, -10, -2]);
  });

  it("scales the env's reward and leaves the reset record alone", () => {
    const env = new TransformedEnv(countingEnv(2), new RewardScaling(0, 0.25));
    const root = env.reset();
    expect(root.has("reward")).toBe(false);
    expect(values(env.step(root.set("action", HostArray.from("int32", [2], [1, 0]))), "next.reward")).toEqual([
      0.25, 0,
    ]);
  });

  it("maps bounded reward specs, swapping the bounds for a negative scale", () => {
    const env = new TransformedEnv(countingEnv(1), new Compose(new RewardClipping(0, 0.5), new RewardScaling(1, -2)));
    expect(env.rewardSpec.get("reward").toString()).toBe(new Bounded({ low: 0, high: 1, shape: [1, 1] }).toString());
    expect(() => checkEnvSpecs(env, { steps: 5 })).not.toThrow();
  });

  it("writes a new key standalone, and refuses to add a second reward key inside an env", () => {
    const td = new RewardScaling(0, -2, { outKeys: ["scaled"] }).forward(rewards([1, 3]));
    expect(values(td, "next.reward")).toEqual([1, 3]);
    expect(values(td, "next.scaled")).toEqual([-2, -6]);
    expect(() => new TransformedEnv(countingEnv(1), new RewardScaling(0, -2, { outKeys: ["scaled"] }))).toThrow(
      'RewardScaling: outKey "scaled" for the reward "reward" would add a second reward key',
    );
  });

  it("rejects bad parameters and names a missing reward key", () => {
    expect(() => new RewardScaling(0, 0)).toThrow("RewardScaling: scale must be a finite non-zero number, got 0");
    expect(() => new RewardScaling(NaN, 1)).toThrow("RewardScaling: loc must be a finite number, got NaN");
    expect(() =>
      new RewardScaling(0, 1).forward(new TensorDict({ next: { r: HostArray.zeros("float32", [1]) } })),
    ).toThrow('RewardScaling: key "reward" not found in the record (root or "next"); it has keys: next.r');
    expect(() => new TransformedEnv(countingEnv(1), new RewardScaling(0, 1, { inKeys: ["bonus"] }))).toThrow(
      'RewardScaling: key "bonus" not found in the observation or reward spec; it has keys: observation, steps',
    );
  });
});
