import * as tf from "@tensorflow/tfjs-core";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "@tdrl/backend";
import { FLAGSHIP, type FlagshipConfig } from "./flagship-config";
import { buildFlagship, trainFlagship } from "./flagship";
import { DataParallelLearner, DqnLearner } from "@tdrl/trainers";
import { evalCommand } from "./core/program-cli";
import { readGifInfo } from "@tdrl/record";
import { RunDirectory } from "@tdrl/record";
import { expectBestModel, expectExactResume } from "../test/smoke";

const root = mkdtempSync(join(tmpdir(), "flagship-"));
beforeAll(async () => {
  await initBackend({ prefer: "wasm" });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

// The default recipe, shrunk to a couple of thousand frames: a smaller LSTM and batch, frequent checkpoints.
const smoke: FlagshipConfig = {
  ...FLAGSHIP,
  totalFrames: 1536,
  initRandomFrames: 512,
  lstmHidden: 16,
  numSlices: 2,
  sliceLen: 12,
  burnIn: 4,
  updatesPerFrame: 1 / 32,
  bufferSize: 4096,
  initStatsFrames: 64,
  evalEvery: 768,
  evalEpisodes: 2,
  checkpointEvery: 512,
  // The default where there are two cores; spelled out so the test runs the data-parallel update anywhere.
  learnerThreads: 2,
};

describe("flagship smoke run", () => {
  it("trains: files written, metrics finite, no tensor leak; eval plays the checkpoint", async () => {
    const run = RunDirectory.create({ root, program: "flagship", config: { ...smoke } });
    const before = tf.memory().numTensors;
    const counts: number[] = [];
    const { result, built } = await trainFlagship(smoke, {
      run,
      logEverySeconds: 0,
      log: (r) => r.updates > 0 && counts.push(tf.memory().numTensors),
    });
    expect(result.state.frames).toBe(1536);
    expect(result.state.updates).toBe(1536 / 32 - 512 / 32);
    const rows = run.readMetrics();
    for (const r of rows) if (r.loss !== null) expect(Number.isFinite(r.loss)).toBe(true);
    const evals = rows.map((r) => r.eval_return).filter((e): e is number => typeof e === "number");
    expect(evals.length).toBe(2);
    for (const e of evals) expect(e).toBeGreaterThanOrEqual(8); // unscaled CartPole returns
    expect(existsSync(join(run.path, "checkpoint", "manifest.json"))).toBe(true);
    expectBestModel(run);
    expect(counts.length).toBeGreaterThan(1);
    expect(new Set(counts).size).toBe(1);
    built.dispose();
    expect(tf.memory().numTensors).toBe(before);
    const gif = join(root, "episode.gif");
    const played = evalCommand({ checkpoint: run.path, episodes: 2, seed: 5, gif, policy: "best" }, buildFlagship);
    expect(played.rewards.length).toBe(2);
    expect(
      evalCommand({ checkpoint: run.path, episodes: 2, seed: 5, policy: "last" }, buildFlagship).rewards.length,
    ).toBe(2);
    rmSync(join(run.path, "best"), { recursive: true });
    expect(() => evalCommand({ checkpoint: run.path, episodes: 2, seed: 5, policy: "best" }, buildFlagship)).toThrow(
      /has no best model yet .*--policy last/,
    );
    const info = readGifInfo(new Uint8Array(readFileSync(gif)));
    expect(info.frames).toBeGreaterThanOrEqual(8); // one frame per step of a CartPole episode
    expect([info.width, info.height]).toEqual([300, 200]);
    expect(tf.memory().numTensors).toBe(before);
  }, 180_000);

  it("learnerThreads picks the learner; a config.json from before the option means one thread; 3 is refused", () => {
    const { learnerThreads: _, ...old } = smoke;
    for (const [config, kind] of [
      [smoke, DataParallelLearner],
      [{ ...smoke, learnerThreads: 1 }, DqnLearner],
      [old as FlagshipConfig, DqnLearner],
    ] as const) {
      const built = buildFlagship(config);
      expect(built.learner.constructor).toBe(kind);
      built.dispose();
    }
    expect(() => buildFlagship({ ...smoke, learnerThreads: 3 })).toThrow(/learnerThreads must be 1 or 2, got 3/);
  }, 60_000);

  it("lrEnd decays Adam's rate linearly over the run's updates, for both learners; without it the rate stays at lr", () => {
    // smoke: floor(1536 / 32) - floor(512 / 32) = 32 updates.
    for (const learnerThreads of [1, 2]) {
      const built = buildFlagship({ ...smoke, learnerThreads, lr: 1e-3, lrEnd: 1e-4 });
      const schedule = built.learner.options.lrSchedule!;
      expect(schedule(0)).toBe(1e-3);
      expect(schedule(16)).toBeCloseTo(5.5e-4, 12);
      expect(schedule(32)).toBeCloseTo(1e-4, 12);
      expect(schedule(40)).toBeCloseTo(1e-4, 12);
      built.dispose();
    }
    const plain = buildFlagship(smoke);
    expect(plain.learner.options.lrSchedule).toBeUndefined();
    plain.dispose();
  }, 60_000);

  it("a run stopped at a checkpoint and resumed ends with the same weights", async () => {
    // The checkpoint carries the LSTM state of the pending root and the episodes in progress.
    await expectExactResume(root, "flagship", smoke, trainFlagship, 1024);
  }, 240_000);
});
