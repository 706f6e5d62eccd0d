/**
 * The seeds' state-history DQN: the last 4 CartPole observations (CatFrames) normalized with statistics of
 * random play (ObservationNorm.initStats), and a shaped reward, minus the absolute pole angle and -5 on
 * failure (PoleAngleReward). Evaluation reports CartPole's own returns.
 *
 *   node --import tsx src/history-dqn.ts train [--frames N] [--seed S]
 *   node --import tsx src/history-dqn.ts eval --checkpoint runs/<name>
 */
import type { HostArray } from "@tdrl/tensordict";
import { CartPoleEnv } from "@tdrl/envs";
import { CatFrames, Compose, ObservationNorm, TransformedEnv } from "@tdrl/transforms";
import type { DqnConfig } from "./core/dqn-config";
import { buildDqn, type DqnRun } from "./core/build-dqn";
import { mlpQNetwork } from "./core/q-network";
import { trainRun, type TrainOptions } from "./core/train-run";
import type { TrainerResult } from "@tdrl/trainers";
import { programMain, runIfMain } from "./core/program-cli";
import { TUNED } from "./dqn-cartpole-config";
import { PoleAngleReward } from "./pole-angle-reward";
import { configFlags } from "./run/flags";

// At a constant rate: the figures below were measured before the state recipe's rate decay.
const { lrEnd: _constantRate, ...TUNED_CONSTANT_LR } = TUNED;
/** The tuned state recipe on 16 inputs; shaped rewards are small, so gamma and the schedule carry over. */
export const HISTORY_DQN: DqnConfig & { initStatsFrames: number } = { ...TUNED_CONSTANT_LR, initStatsFrames: 1000 };

function historyEnv(numEnvs: number, seed: number, norm: ObservationNorm, train: boolean): TransformedEnv {
  const carts = new CartPoleEnv({ batchSize: [numEnvs], seed });
  const transforms = [
    ...(train ? [new PoleAngleReward()] : []),
    new CatFrames(4, { dim: -1, inKeys: ["observation"] }),
    norm,
  ];
  return new TransformedEnv(carts, new Compose(...transforms));
}

/** Builds the state-history DQN run (no training step); fits the observation statistics on random play. */
export function buildHistoryDqn(config: DqnConfig & { initStatsFrames: number }): DqnRun {
  const norm = new ObservationNorm({ standardNormal: true, inKeys: ["observation"] });
  const env = historyEnv(config.numEnvs, config.seed, norm, true);
  norm.initStats(config.initStatsFrames, { reduceDim: [0, 1], catDim: 1 }); // rollouts are [numEnvs, T, 16]: one loc/scale per feature
  const stats = { loc: norm.loc as HostArray<"float32">, scale: norm.scale as HostArray<"float32"> };
  return buildDqn(config, {
    env,
    makeEvalEnv: (n, seed) =>
      historyEnv(n, seed, new ObservationNorm({ standardNormal: true, inKeys: ["observation"], ...stats }), false),
    makeQNet: (rng) =>
      mlpQNetwork({ inFeatures: 16, numActions: 2, numCells: config.numCells, dueling: config.dueling, rng }),
    obsKeys: ["observation"],
    lossFunction: config.lossFunction,
  });
}

export async function trainHistoryDqn(
  config: DqnConfig & { initStatsFrames: number },
  options: TrainOptions = {},
): Promise<{ result: TrainerResult; built: DqnRun }> {
  const built = buildHistoryDqn(config);
  return { result: await trainRun(built, config, { solvedAt: 475, ...options }), built };
}

/** The command line: `train` (default) or `eval`; every train flag sets a `HISTORY_DQN` key. */
export const main = programMain({
  name: "history-dqn",
  invocation: "node --import tsx src/history-dqn.ts",
  description:
    "DQN on the last 4 CartPole states, normalized from random play, with a shaped reward (-|angle|, -5 on failure).",
  train: configFlags(HISTORY_DQN, {
    frames: { key: "totalFrames", type: "int", positive: true, help: "total env steps" },
    seed: { type: "int", min: 0, help: "seed of envs, network and sampling" },
    double: { type: "bool", help: "double DQN targets" },
  }),
  build: buildHistoryDqn,
  run: trainHistoryDqn,
});

runIfMain(import.meta.url, main);
