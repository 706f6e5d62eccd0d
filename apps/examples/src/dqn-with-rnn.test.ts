import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "@tdrl/backend";
import { dqnWithRnn } from "./dqn-with-rnn";

beforeAll(async () => {
  await initBackend({ prefer: "wasm" });
});

describe("dqn-with-rnn (TorchRL's recurrent-DQN tutorial)", () => {
  // 10k frames (200 batches of 50) through the tutorial's pipeline: real updates, real greedy evaluation
  // rollouts on the collector's env. The tutorial's 84x84 frames and 32-32-64 convs cost ~40 s a batch on 2
  // shared cores, so the frames are rendered at 40x60 and resized to 16x16, the convs are 8-8-16, one update
  // a batch and an evaluation every 10th batch; everything else is the program's default.
  it("trains 10k frames, evaluating on the collector's env, with tf.memory().numTensors flat after warm-up", async () => {
    const evalEvery = 10;
    const { trajLens, numTensors } = await dqnWithRnn({
      totalFrames: 10_000,
      utd: 1,
      seed: 0,
      imageSize: 16,
      renderSize: [40, 60],
      numCells: [8, 8, 16],
      evalEvery,
    });
    expect(numTensors).toHaveLength(200);
    expect(trajLens).toHaveLength(200 / evalEvery);
    for (const n of trajLens) expect(n).toBeGreaterThan(0);
    // The warm-up (the optimizer's slots, made by the first update) is over before the first batch's count is
    // taken, and the evaluation rollouts cache no tensors, so every batch, evaluated or not, ends with the
    // same count: one tensor leaked per batch, per update or per evaluation fails this.
    expect(new Set(numTensors), `numTensors after each batch: ${numTensors.join(",")}`).toEqual(
      new Set([numTensors[0]]),
    );
  }, 600_000);

  it("refuses bad size options, naming the option and the value", async () => {
    await expect(dqnWithRnn({ imageSize: 6 })).rejects.toThrow("dqnWithRnn: imageSize must be an integer >= 7, got 6");
    await expect(dqnWithRnn({ numCells: [8, 0] })).rejects.toThrow(
      "dqnWithRnn: numCells must be a non-empty list of positive integers, got [8,0]",
    );
    await expect(dqnWithRnn({ renderSize: [40, 1.5] })).rejects.toThrow(
      "dqnWithRnn: renderSize must be [height, width] with positive integers, got [40,1.5]",
    );
    await expect(dqnWithRnn({ evalEvery: 0 })).rejects.toThrow("dqnWithRnn: evalEvery must be an integer >= 1, got 0");
    await expect(dqnWithRnn({ utd: -1 })).rejects.toThrow("dqnWithRnn: utd must be an integer >= 0, got -1");
  });
});
