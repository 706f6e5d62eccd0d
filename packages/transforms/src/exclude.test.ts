import { HostArray, TensorDict } from "@tdrl/tensordict";
import { describe, expect, it } from "vitest";
import { countingEnv, expectSpecsPassOnCartPole, withAction } from "../test/env-checks";
import { Exclude } from "./exclude";
import { TransformedEnv } from "./transformed-env";

describe("Exclude", () => {
  it("passes checkEnvSpecs on a single and a batched CartPole", () => {
    expectSpecsPassOnCartPole(() => new Exclude(["observation"]), {
      fromPixels: true,
      pixelsOnly: false,
      renderSize: [16, 24],
    });
  });

  it("drops the keys from records and specs", () => {
    const env = new TransformedEnv(countingEnv(2), new Exclude(["steps"]));
    expect(env.observationSpec.keys()).toEqual(["observation"]);
    expect(env.reset().keys()).toEqual(["observation", "done", "terminated", "truncated"]);
    const next = env.step(withAction(env.reset(), 1)).get("next") as TensorDict;
    expect(next.keys()).toEqual(["observation", "done", "terminated", "truncated", "reward"]);
    const sample = new TensorDict({
      steps: HostArray.zeros("int32", [1]),
      next: { steps: HostArray.zeros("int32", [1]), x: HostArray.zeros("int32", [1]) },
    });
    expect(new Exclude(["steps"]).forward(sample).keys({ nested: true })).toEqual(["next", "next.x"]);
  });

  it("names a key that is not an observation", () => {
    expect(() => new TransformedEnv(countingEnv(1), new Exclude(["pixels"]))).toThrow(
      'Exclude: key "pixels" not found in the observation spec; it has keys: observation, steps',
    );
    expect(() => new TransformedEnv(countingEnv(1), new Exclude(["done"]))).toThrow(
      'Exclude: "done" is a done key; only observation keys can be excluded',
    );
  });
});
