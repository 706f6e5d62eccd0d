import { HostArray, TensorDict } from "@tdrl/tensordict";
import { describe, expect, it } from "vitest";
import { countingEnv, expectSpecsPassOnCartPole, resetMask, values, withAction } from "../test/env-checks";
import { InitTracker } from "./init-tracker";
import { StepCounter } from "./step-counter";
import { Compose } from "./compose";
import { TransformedEnv } from "./transformed-env";

describe("InitTracker", () => {
  it("passes checkEnvSpecs on a single and a batched CartPole", () => {
    expectSpecsPassOnCartPole(() => new InitTracker());
  });

  it("is true at reset, false after a step, and true again exactly where stepAndMaybeReset reset", () => {
    const env = new TransformedEnv(countingEnv(3), new Compose(new StepCounter({ maxSteps: 2 }), new InitTracker()));
    let root = env.reset();
    expect(values(root, "is_init")).toEqual([1, 1, 1]);
    let stepped: TensorDict;
    [stepped, root] = env.stepAndMaybeReset(withAction(root, 0));
    expect(values(stepped, "next.is_init")).toEqual([0, 0, 0]);
    expect(values(root, "is_init")).toEqual([0, 0, 0]);
    // Reset sub-env 1 by hand: its count restarts, so it truncates one step after the others.
    root = env.reset(resetMask(root, [0, 1, 0]));
    expect(values(root, "is_init")).toEqual([0, 1, 0]);
    [stepped, root] = env.stepAndMaybeReset(withAction(root, 0));
    expect(values(stepped, "next.done")).toEqual([1, 0, 1]);
    expect(values(root, "is_init")).toEqual([1, 0, 1]);
    expect(values(stepped, "is_init")).toEqual([0, 1, 0]);
  });

  it("uses the configured key and refuses standalone forward", () => {
    const env = new TransformedEnv(countingEnv(1), new InitTracker({ initKey: "first" }));
    expect(values(env.reset(), "first")).toEqual([1]);
    expect(() => new InitTracker().forward(new TensorDict({ x: HostArray.zeros("float32", [1]) }))).toThrow(
      "InitTracker: forward() on a standalone record is not supported",
    );
  });
});
