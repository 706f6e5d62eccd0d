import { HostArray, TensorDict } from "@tdrl/tensordict";
import { describe, expect, it } from "vitest";
import { countingEnv, expectSpecsPassOnCartPole, resetMask, values, withAction } from "../test/env-checks";
import { Compose } from "./compose";
import { RewardScaling } from "./reward-scaling";
import { RewardSum } from "./reward-sum";
import { TransformedEnv } from "./transformed-env";

describe("RewardSum", () => {
  it("passes checkEnvSpecs on a single and a batched CartPole", () => {
    expectSpecsPassOnCartPole(() => new RewardSum());
  });

  it("sums the rewards of each episode (CountingEnv: the reward is the action)", () => {
    const env = new TransformedEnv(countingEnv(2), new RewardSum());
    let root = env.reset();
    expect(values(root, "episode_reward")).toEqual([0, 0]);
    const actions = [
      [1, 0],
      [1, 1],
      [0, 1],
    ];
    const sums: number[][] = [];
    for (const a of actions) {
      const [stepped, next] = env.stepAndMaybeReset(root.set("action", HostArray.from("int32", [2], a)));
      sums.push(values(stepped, "next.episode_reward"));
      root = next;
    }
    expect(sums).toEqual([
      [1, 0],
      [2, 1],
      [2, 2],
    ]);
  });

  it("sums the transformed reward when it comes after RewardScaling", () => {
    const env = new TransformedEnv(countingEnv(1), new Compose(new RewardScaling(0.5, 2), new RewardSum()));
    let root = env.reset();
    let stepped!: TensorDict;
    for (let t = 0; t < 3; t++) [stepped, root] = env.stepAndMaybeReset(withAction(root, 1));
    expect(values(stepped, "next.reward")).toEqual([2.5]);
    expect(values(stepped, "next.episode_reward")).toEqual([7.5]);
  });

  it("zeroes only the sub-envs a partial reset resets", () => {
    const env = new TransformedEnv(countingEnv(3), new RewardSum());
    let root = env.reset();
    for (let t = 0; t < 2; t++) [, root] = env.stepAndMaybeReset(withAction(root, 1));
    expect(values(root, "episode_reward")).toEqual([2, 2, 2]);
    const after = env.reset(resetMask(root, [1, 0, 0]));
    expect(values(after, "episode_reward")).toEqual([0, 2, 2]);
    expect(values(root, "episode_reward")).toEqual([2, 2, 2]); // the caller's record is not written into
  });

  it("sums a stored trajectory along time, restarting after done", () => {
    const traj = new TensorDict(
      {
        next: {
          reward: HostArray.from("float32", [2, 4, 1], [1, 2, 3, 4, 10, 20, 30, 40]),
          done: HostArray.from("bool", [2, 4, 1], [0, 1, 0, 0, 0, 0, 1, 0]),
        },
      },
      [2, 4],
    );
    new RewardSum().forward(traj);
    expect(values(traj, "next.episode_reward")).toEqual([1, 3, 3, 7, 10, 30, 60, 40]);
  });

  it("names the missing keys", () => {
    const env = new TransformedEnv(countingEnv(2), new RewardSum());
    const root = withAction(env.reset(), 1).exclude("episode_reward");
    expect(() => env.step(root)).toThrow(
      'RewardSum: key "episode_reward" not found in the root record the step was taken from; it has keys: observation, steps, done, terminated, truncated, action',
    );
    expect(() => new TransformedEnv(countingEnv(1), new RewardSum({ inKeys: ["bonus"] }))).toThrow(
      'RewardSum: key "bonus" not found in the reward spec; it has keys: reward',
    );
    expect(() =>
      new RewardSum().forward(new TensorDict({ next: { x: HostArray.zeros("float32", [3, 1]) } }, [3])),
    ).toThrow('RewardSum: key "reward" not found in the record\'s "next"; it has keys: x');
  });
});
