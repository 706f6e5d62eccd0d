import { HostArray, type TensorDict } from "@tdrl/tensordict";
import { describe, expect, it } from "vitest";
import { CartPoleEnv } from "./cartpole/cartpole-env";
import { GymLikeEnv } from "./gym-like-env";

const pushRight = (td: TensorDict) => td.set("action", HostArray.from("int32", [2], [1, 1]));
const observations = (td: TensorDict) => Array.from(td.getHost("next.observation").data);

describe("rollout's arguments, positional or as TorchRL's keywords", () => {
  it("gives the same rollout for (n, policy, options), (n, { policy, ...options }) and ({ maxSteps, policy, ...options })", () => {
    const env = () => new CartPoleEnv({ batchSize: [2], seed: 3 });
    const positional = env().rollout(30, pushRight, { breakWhenAnyDone: false });
    const second = env().rollout(30, { policy: pushRight, breakWhenAnyDone: false });
    const single = env().rollout({ maxSteps: 30, policy: pushRight, breakWhenAnyDone: false });
    expect(positional.batchSize).toEqual([2, 30]);
    expect(second.batchSize).toEqual([2, 30]);
    expect(observations(second)).toEqual(observations(positional));
    expect(observations(single)).toEqual(observations(positional));
    const random = env().rollout(30, { breakWhenAnyDone: false });
    expect(observations(random)).toEqual(observations(env().rollout(30, undefined, { breakWhenAnyDone: false })));
  });

  it("rejects an unknown option, a policy or a step count given twice, naming them", () => {
    const env = new CartPoleEnv();
    expect(() => env.rollout(5, { breakWhenAnyDOne: false } as never)).toThrow(
      'CartPoleEnv.rollout(): unknown option "breakWhenAnyDOne"',
    );
    expect(() => env.rollout(5, pushRight, { policy: pushRight } as never)).toThrow("the policy is given twice");
    expect(() => env.rollout(5, { maxSteps: 5 } as never)).toThrow("maxSteps is given twice");
    expect(() => env.rollout({ maxSteps: 0 })).toThrow("maxSteps must be a positive integer, got 0");
    expect(() => env.rollout(5, 3 as never)).toThrow(
      "policy must be a function or a module with forward(td), got number 3",
    );
  });

  it("rolloutAsync takes the same spellings", async () => {
    const walk = {
      x: 0,
      observationSpace: { type: "Box", low: -3, high: 3, shape: [1] },
      actionSpace: { type: "Discrete", n: 2 },
      reset() {
        this.x = 0;
        return [[this.x], {}];
      },
      step(action: number) {
        this.x += action === 1 ? 1 : -1;
        return [[this.x], -1, Math.abs(this.x) >= 3, false, {}];
      },
    };
    const env = new GymLikeEnv(walk as never, { name: "Walk" });
    const a = await env.rolloutAsync({ maxSteps: 6, breakWhenAnyDone: false });
    const b = await env.rolloutAsync(6, { breakWhenAnyDone: false });
    expect(a.batchSize).toEqual([6]);
    expect(b.batchSize).toEqual([6]);
  });
});
