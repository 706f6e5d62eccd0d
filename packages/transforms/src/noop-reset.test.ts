import { CartPoleEnv, SerialEnv, checkEnvSpecs, stepMdp } from "@tdrl/envs";
import { HostArray, Rng, TensorDict } from "@tdrl/tensordict";
import { describe, expect, it } from "vitest";
import { clockEnv } from "../test/clock-env";
import { Compose } from "./compose";
import { NoopReset } from "./noop-reset";
import { StepCounter } from "./step-counter";
import { TransformedEnv } from "./transformed-env";

describe("NoopReset", () => {
  it("steps CartPole 1..noops times with action 0 after the reset, as by hand", () => {
    const env = new TransformedEnv(new CartPoleEnv({ seed: 9 }), new NoopReset({ noops: 5, seed: 3 }));
    const hand = new CartPoleEnv({ seed: 9 });
    const counts = new Rng(3);
    for (let episode = 0; episode < 3; episode++) {
      const td = env.reset();
      let htd = hand.reset();
      const count = counts.int(1, 6);
      for (let i = 0; i < count; i++) htd = stepMdp(hand.step(htd.set("action", HostArray.from("int32", [], [0]))));
      expect(Array.from(td.getHost("observation").data)).toEqual(Array.from(htd.getHost("observation").data));
      expect(td.keys().sort()).toEqual(["done", "observation", "terminated", "truncated"]);
      expect(td.getHost("done").data[0]).toBe(0);
    }
  });

  it("takes exactly noops steps with random: false", () => {
    const env = new TransformedEnv(clockEnv(100), new NoopReset({ noops: 7, random: false }));
    expect(env.reset().getHost("observation").data[0]).toBe(7);
    // The episode goes on from there.
    const td = env.step(env.randAction(env.reset()));
    expect(td.getHost("next.observation").data[0]).toBe(8);
  });

  it("resets and starts over when the episode ends during the no-ops, then gives up after maxTrials", () => {
    // Episodes of 3 steps: a draw of 3..5 no-ops ends the episode; the first draw of 1 or 2 is kept.
    const env = new TransformedEnv(clockEnv(3), new NoopReset({ noops: 5, seed: 1 }));
    const draws = new Rng(1);
    let expected = draws.int(1, 6);
    while (expected >= 3) expected = draws.int(1, 6);
    expect(env.reset().getHost("observation").data[0]).toBe(expected);
    const stuck = new TransformedEnv(clockEnv(3), new NoopReset({ noops: 4, random: false, maxTrials: 2 }));
    expect(() => stuck.reset()).toThrow(
      'NoopReset: the env ended during the no-op steps in 2 trials in a row (noops 4, action "zero"); lower noops or use action "random"',
    );
  });

  it("runs the transforms before it on every no-op step", () => {
    const env = new TransformedEnv(
      clockEnv(100),
      new Compose(new StepCounter(), new NoopReset({ noops: 4, random: false })),
    );
    const td = env.reset();
    expect(td.getHost("step_count").data[0]).toBe(4);
  });

  it("keeps the specs right on a single CartPole and, from inside, on a batched SerialEnv", () => {
    checkEnvSpecs(new TransformedEnv(new CartPoleEnv(), new NoopReset({ noops: 5 })), { steps: 40 });
    checkEnvSpecs(new TransformedEnv(new CartPoleEnv(), new NoopReset({ noops: 30, action: "random" })), { steps: 40 });
    const batched = new SerialEnv(3, () => new TransformedEnv(new CartPoleEnv(), new NoopReset({ noops: 5 })), {
      seed: 4,
    });
    checkEnvSpecs(batched, { steps: 40 });
  });

  it("refuses a batched env below it, and bad options, with errors naming them", () => {
    expect(() => new TransformedEnv(new CartPoleEnv({ batchSize: [2] }), new NoopReset())).toThrow(
      "NoopReset: the env below has batch size [2]; its sub-envs step together, so no-ops for one would move the others. Give each sub-env its own: new SerialEnv(n, () => new TransformedEnv(makeEnv(), new NoopReset()))",
    );
    expect(() => new NoopReset({ noops: 0 })).toThrow("NoopReset: noops must be a positive integer, got 0");
    expect(() => new NoopReset({ action: "left" as never })).toThrow(
      'NoopReset: action must be "zero" or "random", got "left"',
    );
    expect(() => new NoopReset().forward(new TensorDict({}))).toThrow(
      "NoopReset: forward() on a standalone record is not supported",
    );
  });
});
