import { HostArray, TensorDict } from "@tdrl/tensordict";
import { describe, expect, it } from "vitest";
import { countingEnv, expectSpecsPassOnCartPole, withAction } from "../test/env-checks";
import { Select } from "./select";
import { TransformedEnv } from "./transformed-env";

describe("Select", () => {
  it("passes checkEnvSpecs on a single and a batched CartPole", () => {
    expectSpecsPassOnCartPole(() => new Select(["pixels"]), {
      fromPixels: true,
      pixelsOnly: false,
      renderSize: [16, 24],
    });
    expectSpecsPassOnCartPole(() => new Select(["observation"], { keepRewards: false }));
  });

  it("keeps the selected, reward and done keys in records and specs", () => {
    const env = new TransformedEnv(countingEnv(2), new Select(["steps"]));
    expect(env.observationSpec.keys()).toEqual(["steps"]);
    expect(env.reset().keys()).toEqual(["steps", "done", "terminated", "truncated"]);
    const next = env.step(withAction(env.reset(), 1)).get("next") as TensorDict;
    expect(next.keys()).toEqual(["steps", "reward", "done", "terminated", "truncated"]);
    const noReward = new TransformedEnv(countingEnv(2), new Select(["steps"], { keepRewards: false }));
    expect((noReward.step(withAction(noReward.reset(), 1)).get("next") as TensorDict).keys()).toEqual([
      "steps",
      "done",
      "terminated",
      "truncated",
    ]);
  });

  it("selects at both levels of a standalone sample", () => {
    const sample = new TensorDict(
      {
        a: HostArray.zeros("float32", [3, 1]),
        b: HostArray.zeros("float32", [3, 1]),
        next: {
          a: HostArray.zeros("float32", [3, 1]),
          b: HostArray.zeros("float32", [3, 1]),
          reward: HostArray.zeros("float32", [3, 1]),
        },
      },
      [3],
    );
    const out = new Select(["a"]).forward(sample);
    expect(out.keys({ nested: true })).toEqual(["a", "next", "next.a", "next.reward"]);
  });

  it("names a selected key that is missing", () => {
    expect(() => new TransformedEnv(countingEnv(1), new Select(["pixels"]))).toThrow(
      'Select: key "pixels" not found in the observation spec; it has keys: observation, steps',
    );
    expect(() => new Select(["pixels"]).forward(new TensorDict({ x: HostArray.zeros("float32", [1]) }))).toThrow(
      'Select: key "pixels" not found in the record (root or "next"); it has keys: x',
    );
    expect(() => new Select([])).toThrow("Select: give at least one key to keep");
  });
});
