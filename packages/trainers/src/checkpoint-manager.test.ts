import * as tf from "@tensorflow/tfjs-core";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Rng } from "@tdrl/tensordict";
import { initBackend } from "@tdrl/backend";
import { MLP } from "@tdrl/modules";
import { CheckpointManager } from "./checkpoint-manager";
import type { TrainerState } from "./trainer";

const root = mkdtempSync(join(tmpdir(), "ckpt-manager-"));
beforeAll(async () => {
  await initBackend({ prefer: "cpu" });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const state = (frames: number): TrainerState => ({
  frames,
  updates: 1,
  episodes: 2,
  bestEval: 3,
  solvedAtFrames: null,
  seconds: 4.5,
  lastEval: { rewards: [7], mean: 7, min: 7, max: 7 },
  rngs: {},
  collector: null,
  episodeStats: { returns: [0.5], lengths: [3] },
  explore: null,
});

function targets(seed: number, extra?: { kept: Uint8Array }) {
  const net = new MLP({ inFeatures: 3, outFeatures: 2, numCells: [4], rng: new Rng(seed) });
  const optimizer = tf.train.adam(1e-3);
  // One step, so Adam has moments to save.
  optimizer.minimize(() => tf.addN([...net.parameters().values()].map((v) => tf.sum(tf.square(v)))) as tf.Scalar);
  return {
    net,
    targets: {
      qnet: net,
      optimizer,
      parameters: () => [...net.parameters().values()],
      ...(extra === undefined
        ? {}
        : {
            extras: {
              frames: {
                state: () => ({ json: { n: extra.kept.length }, arrays: { kept: extra.kept } }),
                loadState: (s: { json: unknown; arrays: Record<string, unknown> }) => {
                  extra.kept = s.arrays.kept as Uint8Array;
                },
              },
            },
          }),
    },
  };
}

describe("CheckpointManager", () => {
  it("restores weights, trainer state and extras; keeps the newest keepLast checkpoints", async () => {
    const dir = join(root, "keep");
    const a = targets(0, { kept: Uint8Array.of(1, 2, 3) });
    const manager = new CheckpointManager(dir, a.targets, { recipe: { lr: 1e-3, totalFrames: 100 }, keepLast: 3 });
    for (const frames of [10, 20, 30, 40]) await manager.save(state(frames), { logger: frames });
    expect(manager.olderCheckpoints()).toEqual([30, 20]);
    expect(readdirSync(dir).sort()).toEqual(["checkpoint", "checkpoint-20", "checkpoint-30"]);
    const extra = { kept: new Uint8Array(0) };
    const b = targets(1, extra);
    const loaded = new CheckpointManager(dir, b.targets, { recipe: { lr: 1e-3, totalFrames: 500 } }).load();
    expect(loaded.trainer).toEqual(state(40));
    expect(loaded.extra).toEqual({ logger: 40 });
    expect(Array.from(extra.kept)).toEqual([1, 2, 3]);
    for (const [k, v] of a.net.parameters())
      expect(Array.from(b.net.parameters().get(k)!.dataSync())).toEqual(Array.from(v.dataSync()));
  });

  it("refuses a checkpoint of another recipe, naming every differing key, and changes nothing", async () => {
    const dir = join(root, "recipe");
    const a = targets(0);
    await new CheckpointManager(dir, a.targets, { recipe: { lr: 1e-3, net: { cells: [64] }, totalFrames: 100 } }).save(
      state(10),
    );
    const b = targets(1);
    const before = Array.from(b.net.parameters().values().next().value!.dataSync());
    expect(() =>
      new CheckpointManager(dir, b.targets, {
        recipe: { lr: 3e-4, net: { cells: [32] }, seed: 1, totalFrames: 900 },
      }).load(),
    ).toThrow(
      `${join(dir, "checkpoint")} is a checkpoint of another recipe: lr (checkpoint 0.001, this run 0.0003), net.cells (checkpoint [64], this run [32]), seed (checkpoint absent, this run 1)`,
    );
    expect(Array.from(b.net.parameters().values().next().value!.dataSync())).toEqual(before);
    expect(existsSync(join(dir, "checkpoint"))).toBe(true);
  });
});
