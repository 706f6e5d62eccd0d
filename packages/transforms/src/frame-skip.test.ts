import { CartPoleEnv, checkEnvSpecs, stepMdp } from "@tdrl/envs";
import { Bounded, Composite, HostArray, TensorDict } from "@tdrl/tensordict";
import { describe, expect, it } from "vitest";
import { clockEnv } from "../test/clock-env";
import { FrameSkip } from "./frame-skip";
import { StepCounter } from "./step-counter";
import { TransformedEnv } from "./transformed-env";
import { Compose } from "./compose";

describe("FrameSkip", () => {
  it("repeats the action k times and sums the rewards, like stepping CartPole by hand", () => {
    const env = new TransformedEnv(new CartPoleEnv({ seed: 6 }), new FrameSkip(3));
    const hand = new CartPoleEnv({ seed: 6 });
    let td = env.reset();
    let htd = hand.reset();
    for (let t = 0; t < 3; t++) {
      const action = HostArray.from("int32", [], [t % 2]);
      env.step(td.set("action", action));
      let reward = 0;
      for (let r = 0; r < 3; r++) {
        hand.step(htd.set("action", action));
        reward += htd.getHost("next.reward").data[0]!;
        htd = stepMdp(htd);
      }
      expect(Array.from(td.getHost("next.observation").data)).toEqual(Array.from(htd.getHost("observation").data));
      expect(td.getHost("next.reward").data[0]).toBe(reward);
      td = env.stepMdp(td);
    }
  });

  it("stops repeating at the end of an episode", () => {
    const env = new TransformedEnv(clockEnv(5), new FrameSkip(3));
    let td = env.reset();
    const seen: [number, number, number][] = [];
    for (let t = 0; t < 3; t++) {
      const [stepped, next] = env.stepAndMaybeReset(env.randAction(td));
      seen.push([
        stepped.getHost("next.observation").data[0]!,
        stepped.getHost("next.reward").data[0]!,
        stepped.getHost("next.done").data[0]!,
      ]);
      td = next;
    }
    // 1..3, then 4..5 where the episode ends (2 steps, not 3), then a fresh episode 1..3.
    expect(seen).toEqual([
      [3, 3, 0],
      [5, 2, 1],
      [3, 3, 0],
    ]);
  });

  it("on a batched CartPole stops the batch at the first done and keeps partial resets right", () => {
    const k = 4;
    const env = new TransformedEnv(new CartPoleEnv({ batchSize: [3], seed: 2 }), new FrameSkip(k));
    const hand = new CartPoleEnv({ batchSize: [3], seed: 2 });
    let td = env.reset();
    let htd: TensorDict = hand.reset(); // untyped: it gets "_reset" flags
    let resets = 0;
    for (let t = 0; t < 60; t++) {
      const action = env.randAction(td).getHost("action");
      const [stepped, next] = env.stepAndMaybeReset(td);
      const reward = new Float32Array(3);
      let done: Uint8Array<ArrayBufferLike> = new Uint8Array(3);
      for (let r = 0; r < k && done.indexOf(1) === -1; r++) {
        hand.step(htd.set("action", action));
        const rw = htd.getHost("next.reward").data;
        for (let i = 0; i < 3; i++) reward[i]! += rw[i]!;
        done = htd.getHost("next.done").data as Uint8Array;
        if (r < k - 1 && done.indexOf(1) === -1) htd = stepMdp(htd);
      }
      expect(Array.from(stepped.getHost("next.reward").data)).toEqual(Array.from(reward));
      expect(Array.from(stepped.getHost("next.observation").data)).toEqual(
        Array.from(htd.getHost("next.observation").data),
      );
      htd = stepMdp(htd);
      if (done.indexOf(1) !== -1) {
        resets++;
        htd = hand.reset(htd.set("_reset", new HostArray("bool", [3, 1], done.slice())));
      }
      // The sub-envs a partial reset keeps have their last (skipped-to) observation, not a stale one.
      expect(Array.from(next.getHost("observation").data)).toEqual(Array.from(htd.getHost("observation").data));
      td = next;
    }
    expect(resets).toBeGreaterThan(3);
  });

  it("keeps the specs right on a single and a batched CartPole, after a StepCounter too", () => {
    for (const batchSize of [[], [3]]) {
      checkEnvSpecs(new TransformedEnv(new CartPoleEnv({ batchSize }), new FrameSkip(2)), { steps: 40 });
      checkEnvSpecs(
        new TransformedEnv(
          new CartPoleEnv({ batchSize }),
          new Compose(new FrameSkip(3), new StepCounter({ maxSteps: 5 })),
        ),
        { steps: 40 },
      );
    }
  });

  it("widens a bounded reward spec to the range of a sum of 1..k rewards", () => {
    const spec = new Composite({ reward: new Bounded({ low: -1, high: 2, shape: [1] }) });
    const out = new FrameSkip(3).transformRewardSpec(spec).get("reward") as Bounded;
    expect([out.low.data[0], out.high.data[0]]).toEqual([-3, 6]);
  });

  it("rejects bad input with errors naming it", () => {
    expect(() => new FrameSkip(0)).toThrow("FrameSkip: frameSkip must be a positive integer, got 0");
    expect(() => new FrameSkip(2).forward(new TensorDict({}))).toThrow(
      "FrameSkip: forward() on a standalone record is not supported",
    );
    expect(() => new TransformedEnv(new CartPoleEnv(), new FrameSkip(2, { rewardKey: "score" }))).toThrow(
      'FrameSkip: key "score" not found in the reward spec; it has keys: reward',
    );
  });
});
