import * as tf from "@tensorflow/tfjs-core";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Categorical, Rng, type TensorDict } from "@tdrl/tensordict";
import { initBackend } from "@tdrl/backend";
import { CartPoleEnv } from "@tdrl/envs";
import {
  EGreedyModule,
  MLP,
  QValueModule,
  TensorDictModule,
  TensorDictSequential,
  type ExplorationType,
} from "@tdrl/modules";
import { LazyTensorStorage, RandomSampler, TensorDictReplayBuffer } from "@tdrl/buffers";
import { DQNLoss } from "@tdrl/losses";
import { SyncDataCollector } from "@tdrl/collectors";
import { CheckpointManager } from "./checkpoint-manager";
import { DqnLearner } from "./dqn-learner";
import { EpisodeStats } from "./episode-stats";
import { saveAdamState } from "./optimizer-state";
import { seedStreams } from "./seed-streams";
import { TargetSync } from "./target-sync";
import { Trainer, type TrainerState } from "./trainer";

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

/** A small real DQN run (CartPole, MLP, replay, Adam, soft target) with a CheckpointManager in `dir`. */
function dqnRun(dir: string, options: { stopAtFrames?: number } = {}) {
  const rngs = seedStreams(0, { net: 0, explore: 1, sampler: 2 });
  const qnet = new TensorDictModule(new MLP({ inFeatures: 4, outFeatures: 2, numCells: [16], rng: rngs.net }), {
    inKeys: ["observation"],
    outKeys: ["action_value"],
  });
  const greedy = new TensorDictSequential(qnet, new QValueModule({ actionSpace: "categorical" }));
  const explore = new EGreedyModule({ spec: new Categorical({ n: 2 }), annealingNumSteps: 64, rng: rngs.explore });
  const policy = (td: TensorDict, exploration: ExplorationType) => explore.forward(greedy.forward(td), exploration);
  const env = new CartPoleEnv({ batchSize: [2], seed: 0 });
  // The random warm-up (48 frames) is longer than checkpointEvery (16): checkpoints come before any gradient step.
  const config = {
    totalFrames: 128,
    stepsPerBatch: 8,
    initRandomFrames: 48,
    updatesPerFrame: 1 / 4,
    evalEvery: 0,
    checkpointEvery: 16,
  };
  const collector = new SyncDataCollector(env, policy, { framesPerBatch: 16, initRandomFrames: 48 });
  const loss = new DQNLoss(qnet, { doubleDqn: true });
  const buffer = new TensorDictReplayBuffer({
    storage: new LazyTensorStorage(1000, { ndim: 2 }),
    sampler: new RandomSampler({ rng: rngs.sampler }),
    batchSize: 16,
  });
  const optimizer = tf.train.adam(1e-3);
  const learner = new DqnLearner({
    loss,
    buffer,
    optimizer,
    targetSync: new TargetSync(loss, { kind: "soft", tau: 0.1 }),
    gradClip: 10,
    nStep: 1,
    gamma: 0.99,
    obsKeys: ["observation"],
    prioritized: false,
  });
  const trainer = new Trainer(config, {
    collector,
    stats: new EpisodeStats(2),
    buffer,
    learner,
    explore,
    rngs: { explore: rngs.explore, sampler: rngs.sampler },
    ...(options.stopAtFrames === undefined ? {} : { stopAtFrames: options.stopAtFrames }),
  });
  trainer.register("batchProcess", (batch) => batch.exclude("action_value", "chosen_action_value"));
  const manager = new CheckpointManager(
    dir,
    { qnet, target: loss.targetModule(), optimizer, parameters: () => loss.parameterList(), buffer },
    { recipe: config },
  );
  trainer.register("checkpoint", (s) => manager.save(s));
  const weights = () =>
    [...qnet.parameters().values(), ...loss.targetModule().parameters().values()].map((v) =>
      Buffer.from((v.dataSync() as Float32Array).buffer),
    );
  return { trainer, manager, optimizer, weights };
}

describe("CheckpointManager before the first gradient step", () => {
  // Stopped in the middle of the random warm-up (48 frames), and right at its end (no update owed yet).
  it.each([32, 48])(
    "saves and loads a checkpoint of the random warm-up at frame %i (Adam has no moments yet); the resumed run is bit-exact",
    async (stopAt) => {
      const whole = dqnRun(join(root, `whole-${stopAt}`));
      const wholeResult = await whole.trainer.train();
      expect(wholeResult.state.updates).toBe((128 - 48) / 4);

      const first = dqnRun(join(root, `warm-up-${stopAt}`), { stopAtFrames: stopAt });
      const part = await first.trainer.train();
      expect([part.state.frames, part.state.updates]).toEqual([stopAt, 0]);
      const second = dqnRun(join(root, `warm-up-${stopAt}`));
      const loaded = second.manager.load();
      expect([loaded.trainer.frames, loaded.trainer.updates, second.optimizer.iterations]).toEqual([stopAt, 0, 0]);
      const resumed = await second.trainer.train(loaded.trainer);
      expect(resumed.state.updates).toBe(wholeResult.state.updates);
      expect(resumed.state.episodes).toBe(wholeResult.state.episodes);
      expect(second.optimizer.iterations).toBe(whole.optimizer.iterations);
      const [a, b] = [whole.weights(), second.weights()];
      expect(b.length).toBe(a.length);
      for (let i = 0; i < a.length; i++) expect(b[i]!.equals(a[i]!)).toBe(true);
      // The Adam state after the resume is the uninterrupted run's, bit for bit.
      const [adamA, adamB] = [await saveAdamState(whole.optimizer), await saveAdamState(second.optimizer)];
      // (Slot names follow tfjs's variable ids, which differ between the two runs' networks.)
      const shapes = (m: typeof adamA.meta) => ({ ...m, slots: m.slots.map((x) => x.shape) });
      expect(shapes(adamB.meta)).toEqual(shapes(adamA.meta));
      expect(Buffer.from(adamB.data.buffer).equals(Buffer.from(adamA.data.buffer))).toBe(true);
    },
  );
});
