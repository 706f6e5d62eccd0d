import * as tf from "@tensorflow/tfjs-core";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import type { HasParameters } from "@tdrl/modules";
import type { LossModule } from "@tdrl/losses";
import { readBestModelInfo, readCheckpoint, type TrainerResult, type TrainerState } from "@tdrl/trainers";
import { RunDirectory } from "@tdrl/record";
import type { TrainOptions } from "../src/core/train-run";

/**
 * Checks a finished run's `best/`: it holds the weights of the first evaluation that scored the run's
 * best greedy mean (later equal scores do not replace it), as the metrics rows record them.
 */
export function expectBestModel(run: RunDirectory): void {
  const evals = run.readMetrics().filter((r) => typeof r.eval_return === "number") as {
    frames: number;
    eval_return: number;
  }[];
  expect(evals.length).toBeGreaterThan(0);
  const best = Math.max(...evals.map((r) => r.eval_return));
  const first = evals.find((r) => r.eval_return === best)!;
  expect(readBestModelInfo(run.path)).toEqual({ frames: first.frames, evalMean: best });
  expect(existsSync(join(run.path, "best", "manifest.json"))).toBe(true);
}

/**
 * Runs a program's smoke config into a fresh run directory and checks what every program must do: the
 * frame count, files written, finite losses, `evals` evaluations of at least `minReturn`, a tensor count
 * that stays put once learning started, and nothing left after `dispose()`.
 */
export async function expectSmokeRun<C extends { totalFrames: number }>(
  root: string,
  program: string,
  config: C,
  train: (config: C, options: TrainOptions) => Promise<{ result: TrainerResult; built: { dispose(): void } }>,
  expected: { evals: number; minReturn: number },
): Promise<RunDirectory> {
  const run = RunDirectory.create({ root, program, config: { ...config } as Record<string, unknown> });
  const before = tf.memory().numTensors;
  const counts: number[] = [];
  const { result, built } = await train(config, {
    run,
    logEverySeconds: 0,
    log: (r) => r.updates > 0 && counts.push(tf.memory().numTensors),
  });
  expect(result.state.frames).toBe(config.totalFrames);
  const rows = run.readMetrics();
  const losses = rows.map((r) => r.loss).filter((l): l is number => typeof l === "number");
  expect(losses.length).toBeGreaterThan(0);
  for (const l of losses) expect(Number.isFinite(l)).toBe(true);
  const evals = rows.map((r) => r.eval_return).filter((e): e is number => typeof e === "number");
  expect(evals.length).toBe(expected.evals);
  for (const e of evals) expect(e).toBeGreaterThanOrEqual(expected.minReturn);
  for (const f of ["config.json", "metrics.jsonl", "metrics.csv", "checkpoint/manifest.json"])
    expect(existsSync(join(run.path, f)), f).toBe(true);
  expectBestModel(run);
  expect(counts.length).toBeGreaterThan(1);
  expect(new Set(counts).size).toBe(1);
  built.dispose();
  expect(tf.memory().numTensors).toBe(before);
  return run;
}

/** Every trained value of a built run: online weights, then the target's (when the loss keeps one). */
function trainedValues(built: { qnet: HasParameters; loss: LossModule }): number[] {
  const values = (params: Map<string, tf.Variable>) => [...params.values()].flatMap((v) => Array.from(v.dataSync()));
  return [...values(built.qnet.parameters()), ...values(built.loss.targetParameters())];
}

/**
 * Trains `config` once uninterrupted and once stopped at `stopAt` frames (a checkpoint) then resumed from
 * the run directory, and checks that both end with the same frames and bit-identical online and target
 * weights. The stop must fall mid-episode (checked), so the env's state and the collector's pending
 * root record are what the resume depends on.
 */
export async function expectExactResume<C extends { totalFrames: number }>(
  root: string,
  program: string,
  config: C,
  train: (
    config: C,
    options: TrainOptions,
  ) => Promise<{ result: TrainerResult; built: { qnet: HasParameters; loss: LossModule; dispose(): void } }>,
  stopAt: number,
): Promise<void> {
  const whole = await train(config, {});
  const expected = trainedValues(whole.built);
  whole.built.dispose();
  const run = RunDirectory.create({
    root,
    program: `${program}-resume`,
    config: { ...config } as Record<string, unknown>,
  });
  const first = await train(config, { run, stopAtFrames: stopAt });
  expect(first.result.state.frames).toBe(stopAt);
  first.built.dispose();
  const saved = (readCheckpoint(join(run.path, "checkpoint")).json("state") as unknown as { trainer: TrainerState })
    .trainer;
  expect(saved.frames).toBe(stopAt);
  expect(saved.collector?.framesCollected).toBe(stopAt);
  // Episodes are in progress at the checkpoint, so the env, its transforms and the pending root must carry over.
  expect(saved.episodeStats.lengths.some((l) => l > 0)).toBe(true);
  const second = await train(config, { run: RunDirectory.open(run.path), resume: true });
  expect(second.result.state.frames).toBe(config.totalFrames);
  expectBestModel(run);
  const got = trainedValues(second.built);
  second.built.dispose();
  expect(got.length).toBe(expected.length);
  expect(got).toEqual(expected);
}
