import { Bounded, HostArray, TensorDict } from "@tdrl/tensordict";
import { describe, expect, it } from "vitest";
import { countingEnv, expectSpecsPassOnCartPole, withAction } from "../test/env-checks";
import { TransformedEnv } from "./transformed-env";
import { Unsqueeze } from "./unsqueeze";

describe("Unsqueeze", () => {
  it("passes checkEnvSpecs on a single and a batched CartPole", () => {
    expectSpecsPassOnCartPole(() => new Unsqueeze({ dim: 0, inKeys: ["observation"] }));
    expectSpecsPassOnCartPole(() => new Unsqueeze({ dim: -1, inKeys: ["observation", "reward"] }));
  });

  it("counts dims in the event, whatever the batch size", () => {
    const u = new Unsqueeze({ dim: -1, inKeys: ["x"] });
    expect(u.forward(new TensorDict({ x: HostArray.zeros("float32", [4]) })).getHost("x").shape).toEqual([4, 1]);
    expect(u.forward(new TensorDict({ x: HostArray.zeros("float32", [2, 3, 4]) }, [2, 3])).getHost("x").shape).toEqual([
      2, 3, 4, 1,
    ]);
    const td = new TensorDict({ x: HostArray.from("float32", [2, 2], [1, 2, 3, 4]) }, [2]);
    const out = new Unsqueeze({ dim: 0, inKeys: ["x"] }).forward(td).getHost("x");
    expect(out.shape).toEqual([2, 1, 2]);
    expect(Array.from(out.data)).toEqual([1, 2, 3, 4]);
  });

  it("reshapes specs, keeping bounds", () => {
    const env = new TransformedEnv(countingEnv(3), new Unsqueeze({ dim: 0, inKeys: ["observation"] }));
    expect(env.observationSpec.get("observation").toString()).toBe(
      new Bounded({ low: 0, high: 1000, shape: [3, 1, 1] }).toString(),
    );
    expect(env.step(withAction(env.reset(), 1)).getHost("next.observation").shape).toEqual([3, 1, 1]);
  });

  it("rejects an out-of-range dim and names a missing key", () => {
    expect(() =>
      new Unsqueeze({ dim: 2, inKeys: ["x"] }).forward(new TensorDict({ x: HostArray.zeros("float32", [4]) })),
    ).toThrow('Unsqueeze("x"): dim 2 is out of range for an event of rank 2 (dims [-2, 1])');
    expect(() =>
      new Unsqueeze({ dim: 0, inKeys: ["x"] }).forward(new TensorDict({ y: HostArray.zeros("float32", [4]) })),
    ).toThrow('Unsqueeze: key "x" not found in the record; it has keys: y');
  });
});
