import * as tf from "@tensorflow/tfjs-core";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import type { LoopResult } from "./core/train-loop";
import type { TrainOptions } from "./core/train-run";
import { RunDirectory } from "./run/run-directory";

/**
 * Runs a program's smoke config into a fresh run directory and checks what every program must do: the
 * frame count, files written, finite losses, `evals` evaluations of at least `minReturn`, a tensor count
 * that stays put once learning started, and nothing left after `dispose()`.
 */
export async function expectSmokeRun<C extends { totalFrames: number }>(
  root: string,
  program: string,
  config: C,
  train: (config: C, options: TrainOptions) => Promise<{ result: LoopResult; built: { dispose(): void } }>,
  expected: { evals: number; minReturn: number },
): Promise<RunDirectory> {
  const run = RunDirectory.create({ root, program, config: { ...config } as Record<string, unknown> });
  const before = tf.memory().numTensors;
  const counts: number[] = [];
  const { result, built } = await train(config, { run, logEverySeconds: 0, log: (r) => r.updates > 0 && counts.push(tf.memory().numTensors) });
  expect(result.state.frames).toBe(config.totalFrames);
  const rows = run.readMetrics();
  const losses = rows.map((r) => r.loss).filter((l): l is number => typeof l === "number");
  expect(losses.length).toBeGreaterThan(0);
  for (const l of losses) expect(Number.isFinite(l)).toBe(true);
  const evals = rows.map((r) => r.eval_return).filter((e): e is number => typeof e === "number");
  expect(evals.length).toBe(expected.evals);
  for (const e of evals) expect(e).toBeGreaterThanOrEqual(expected.minReturn);
  for (const f of ["config.json", "metrics.jsonl", "metrics.csv", "checkpoint/manifest.json"]) expect(existsSync(join(run.path, f)), f).toBe(true);
  expect(counts.length).toBeGreaterThan(1);
  expect(new Set(counts).size).toBe(1);
  built.dispose();
  expect(tf.memory().numTensors).toBe(before);
  return run;
}
