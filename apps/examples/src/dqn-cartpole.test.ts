import * as tf from "@tensorflow/tfjs-core";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { initBackend } from "@tdrl/backend";
import { TUNED, type DqnCartPoleConfig } from "./dqn-cartpole-config";
import { buildDqnCartPole, configFromFlags, main, trainDqnCartPole } from "./dqn-cartpole";
import { RunDirectory } from "@tdrl/record";
import { expectBestModel, expectExactResume } from "../test/smoke";

const root = mkdtempSync(join(tmpdir(), "dqn-cartpole-"));
beforeAll(async () => {
  await initBackend({ prefer: "wasm" });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

// A few thousand frames of the tuned recipe, scaled down so a smoke run takes seconds.
const smoke: DqnCartPoleConfig = {
  ...TUNED,
  double: false,
  nStep: 1,
  totalFrames: 3072,
  stepsPerBatch: 128,
  initRandomFrames: 512,
  numCells: [32, 32],
  batchSize: 32,
  evalEvery: 1536,
  evalEpisodes: 4,
  checkpointEvery: 1024,
  epsFrames: 1000,
};

describe("dqn-cartpole smoke runs", () => {
  for (const variant of [
    {},
    { double: true, dueling: true },
    { prioritized: true, nStep: 3 },
    { target: { kind: "hardEpisodes" as const, everyEpisodes: 5 } },
  ]) {
    it(`trains ${JSON.stringify(variant)}: files written, metrics finite, no tensor leak`, async () => {
      const config = { ...smoke, ...variant };
      const run = RunDirectory.create({ root, program: "dqn-cartpole", config: { ...config } });
      const before = tf.memory().numTensors;
      const counts: number[] = [];
      const { result, built } = await trainDqnCartPole(config, {
        run,
        logEverySeconds: 0,
        log: (r) => r.updates > 0 && counts.push(tf.memory().numTensors),
      });
      expect(result.state.frames).toBe(3072);
      expect(result.state.updates).toBe(Math.floor(3072 * 0.5) - 256);
      const rows = run.readMetrics();
      expect(rows.length).toBeGreaterThan(2);
      const losses = rows.map((r) => r.loss).filter((l): l is number => typeof l === "number");
      expect(losses.length).toBeGreaterThan(0);
      for (const l of losses) expect(Number.isFinite(l)).toBe(true);
      const evals = rows.map((r) => r.eval_return).filter((e): e is number => typeof e === "number");
      expect(evals.length).toBe(2);
      for (const e of evals) expect(e).toBeGreaterThanOrEqual(8); // CartPole episodes last at least 8 steps
      for (const f of ["config.json", "metrics.jsonl", "metrics.csv", "checkpoint/manifest.json"]) {
        expect(existsSync(join(run.path, f)), f).toBe(true);
      }
      expectBestModel(run);
      // Once Adam has its slots, the tensor count stays put; disposing the run frees everything it made.
      expect(counts.length).toBeGreaterThan(2);
      expect(new Set(counts).size).toBe(1);
      built.dispose();
      expect(tf.memory().numTensors).toBe(before);
    }, 120_000);
  }

  it("a run stopped at a checkpoint and resumed ends with the same weights as an uninterrupted one", async () => {
    // Stopped mid-episode (the collector's pending root and the episode sums cross the checkpoint).
    await expectExactResume(
      root,
      "dqn-cartpole",
      { ...smoke, prioritized: true, nStep: 2, double: true },
      trainDqnCartPole,
      2048,
    );
  }, 180_000);
});

describe("dqn-cartpole flags", () => {
  it("refuses a mistyped or out-of-range flag, naming it, before building anything", async () => {
    await expect(main(["train", "--n-stepp", "3"])).rejects.toThrow("unknown flag --n-stepp (did you mean --n-step?)");
    await expect(main(["train", "--n-step", "50"])).rejects.toThrow(/--n-step/);
    await expect(main(["eval"])).rejects.toThrow("eval needs --checkpoint runs/<name>");
  });

  it("maps flags onto the preset, 0 meaning the preset's value", () => {
    const c = configFromFlags({
      preset: "classic",
      seed: 3,
      frames: 0,
      double: true,
      dueling: false,
      prioritized: true,
      nStep: 3,
      lr: 0,
      batchSize: 64,
    });
    expect(c).toMatchObject({
      seed: 3,
      totalFrames: 100_000,
      double: true,
      prioritized: true,
      nStep: 3,
      lr: 5e-4,
      batchSize: 64,
      gamma: 0.98,
    });
    expect(c.target).toEqual({ kind: "hardEpisodes", everyEpisodes: 20 });
  });
});

describe("dqn-cartpole learning-rate schedule", () => {
  it("decays Adam's rate linearly from lr to lrEnd over the run's updates; without lrEnd it stays at lr", () => {
    const config = { ...TUNED, lr: 2e-3, lrEnd: 1e-4 };
    const built = buildDqnCartPole(config);
    const schedule = built.learner.options.lrSchedule!;
    const total = Math.floor(config.totalFrames * 0.5) - Math.floor(config.initRandomFrames * 0.5); // 24,500
    expect(schedule(0)).toBe(2e-3);
    expect(schedule(total / 2)).toBeCloseTo(1.05e-3, 12);
    expect(schedule(total)).toBeCloseTo(1e-4, 12);
    expect(schedule(total + 300)).toBeCloseTo(1e-4, 12); // the last batch's few extra updates
    built.dispose();
    const { lrEnd: _, ...constant } = config;
    const plain = buildDqnCartPole(constant);
    expect(plain.learner.options.lrSchedule).toBeUndefined();
    plain.dispose();
  });
});

describe("dqn-cartpole command line", () => {
  /** The report's headline figures, by label. */
  const summary = (dir: string): Record<string, string> =>
    Object.fromEntries(
      [
        ...readFileSync(join(dir, "report.html"), "utf8").matchAll(
          /<div class="value">([^<]*)<\/div><div class="label">([^<]*)<\/div>/g,
        ),
      ].map((m) => [m[2]!, m[1]!]),
    );

  it("train, resume (totals kept in the report), and resume with --frames to extend the run", async () => {
    const cwd = process.cwd();
    const saved = process.env.INIT_CWD;
    delete process.env.INIT_CWD;
    const dir = mkdtempSync(join(root, "cli-"));
    vi.spyOn(console, "log").mockImplementation(() => {});
    try {
      process.chdir(dir);
      await main(["--frames", "1536", "--name", "cli"]);
      const run = join(dir, "runs", "cli");
      const first = summary(run);
      expect(first["last eval return"]).not.toBe("none");
      const firstSeconds = Number(first["wall time (s)"]!.replace(/,/g, ""));
      // Resuming a finished run trains nothing; its report still has the run's wall time and last evaluation.
      await main(["--resume", "runs/cli"]);
      const again = summary(run);
      expect(again["last eval return"]).toBe(first["last eval return"]);
      expect(Number(again["wall time (s)"]!.replace(/,/g, ""))).toBeGreaterThanOrEqual(firstSeconds);
      expect(again.frames).toBe("1,536");
      await main(["--resume", "runs/cli", "--frames", "2048"]);
      const extended = RunDirectory.open(run);
      expect(extended.config.totalFrames).toBe(2048);
      expect(extended.readMetrics().at(-1)!.frames).toBe(2048);
      expect(summary(run).frames).toBe("2,048");
      expect(readFileSync(join(run, "report.html"), "utf8")).toContain('<table id="environment">');
      for (const plot of ["reward-curve.png", "loss.png", "epsilon.png", "frames-per-second.png"])
        expect(existsSync(join(run, plot)), plot).toBe(true);
    } finally {
      process.chdir(cwd);
      if (saved !== undefined) process.env.INIT_CWD = saved;
      vi.restoreAllMocks();
    }
  }, 240_000);
});
