// The playground's benchmark cases, run the same way in Node (bench/run.ts) and in a browser (bench.html):
// one state-DQN gradient step of the tuned recipe, and CartPole env steps, on one backend.
import * as tf from "@tensorflow/tfjs-core";
import type { BackendPreference, BackendReport, InitBackendOptions } from "@tdrl/backend";
import { CartPoleEnv } from "@tdrl/envs";
import { SyncDataCollector } from "@tdrl/collectors";
import { buildDqn } from "../../examples/src/core/build-dqn";
import { mlpQNetwork } from "../../examples/src/core/q-network";
import { TUNED } from "../../examples/src/dqn-cartpole-config";

/** One measured figure: median over rounds, with the spread. */
export interface BenchFigure {
  name: string;
  perSecond: number;
  medianMs: number;
  p10Ms: number;
  p90Ms: number;
  rounds: number;
  callsPerRound: number;
}

export interface BackendBench {
  backend: string;
  report: string;
  figures: BenchFigure[];
  /** tf.memory().numTensors after the cases minus before (0: nothing leaked). */
  leakedTensors: number;
}

/** Times `fn` in `rounds` rounds of `calls` calls after a warm-up; per-call median and spread. */
export function timeCalls(
  name: string,
  fn: () => unknown,
  calls: number,
  rounds = 7,
  warmup = Math.max(1, Math.floor(calls / 4)),
): BenchFigure {
  for (let i = 0; i < warmup; i++) fn();
  const perCall: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const start = performance.now();
    for (let i = 0; i < calls; i++) fn();
    perCall.push((performance.now() - start) / calls);
  }
  perCall.sort((a, b) => a - b);
  const at = (q: number) => perCall[Math.min(perCall.length - 1, Math.floor(q * perCall.length))]!;
  const median = at(0.5);
  return {
    name,
    perSecond: 1000 / median,
    medianMs: median,
    p10Ms: at(0.1),
    p90Ms: at(0.9),
    rounds,
    callsPerRound: calls,
  };
}

/**
 * Runs the cases on `prefer` (initialized with the given `initBackend`, Node's or the browser's):
 * - `dqn update`: one gradient step of the tuned state-DQN recipe (MLP 256-256, batch 64, double DQN, 3-step
 *   returns, Adam, grad clip 10) on a buffer of 2048 collected frames;
 * - `cartpole step`: one step of a single CartPoleEnv with a random action (`stepAndMaybeReset`);
 * - `cartpole collect`: one frame of the SyncDataCollector with random actions (env + collector bookkeeping).
 */
export async function benchBackend(
  prefer: BackendPreference,
  init: (options: InitBackendOptions) => Promise<BackendReport>,
  describe: (report: BackendReport) => string,
  options: InitBackendOptions = {},
): Promise<BackendBench> {
  const report = await init({ ...options, prefer });
  const before = tf.memory().numTensors;
  const config = { ...TUNED, initRandomFrames: 0 };
  const built = buildDqn(config, {
    env: new CartPoleEnv({ batchSize: [1], seed: 0 }),
    makeEvalEnv: (n, seed) => new CartPoleEnv({ batchSize: [n], seed }),
    makeQNet: (rng) => mlpQNetwork({ inFeatures: 4, numActions: 2, numCells: config.numCells, dueling: false, rng }),
    obsKeys: ["observation"],
    lossFunction: config.lossFunction,
  });
  const collector = new SyncDataCollector(built.env, built.actor, {
    framesPerBatch: 256,
    initRandomFrames: 1 << 30,
    explorationType: "random",
  });
  for (let i = 0; i < 8; i++) built.buffer.extend(collector.rollout());
  const figures: BenchFigure[] = [];
  figures.push(timeCalls("dqn update", () => built.learner.update(), 20));
  const env = new CartPoleEnv({ batchSize: [1], seed: 1 });
  let td = env.reset();
  figures.push(
    timeCalls(
      "cartpole step",
      () => {
        [, td] = env.stepAndMaybeReset(env.randAction(td));
      },
      5000,
    ),
  );
  figures.push({
    ...timeCalls("cartpole collect (256 frames)", () => collector.rollout(), 4),
    name: "cartpole collect",
  });
  const collect = figures[figures.length - 1]!;
  collect.perSecond *= 256;
  env.close();
  await collector.shutdown();
  built.dispose();
  return { backend: report.backend, report: describe(report), figures, leakedTensors: tf.memory().numTensors - before };
}
