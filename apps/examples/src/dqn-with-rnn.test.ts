import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "@tdrl/backend";
import { dqnWithRnn } from "./dqn-with-rnn";

beforeAll(async () => {
  await initBackend({ prefer: "wasm" });
});

// The tutorial's own run length (200 frames, 4 batches of 50) with one update per batch instead of 16: on
// 2 shared cores a batch with its 84x84 conv updates and evaluation rollout takes ~40 s, so 10k frames
// (200 batches) is a run of hours, not a test (`npm run dqn-with-rnn -- --frames 10000`).
describe("dqn-with-rnn (TorchRL's recurrent-DQN tutorial)", () => {
  it("collects, trains, evaluates on the collector's env between batches, with tf.memory().numTensors flat", async () => {
    const { trajLens, numTensors } = await dqnWithRnn({ totalFrames: 200, utd: 1, seed: 0 });
    expect(trajLens).toHaveLength(4);
    for (const n of trajLens) expect(n).toBeGreaterThan(0);
    // After the first batch (optimizer slots, cached constants), every batch ends with the same tensor count.
    const after = numTensors.slice(1);
    expect(after).toHaveLength(3);
    expect(Math.max(...after) - Math.min(...after)).toBe(0);
  }, 900_000);
});
