/**
 * DQN on state CartPole-v1: the classic recipe and a tuned one (`dqn-cartpole-config.ts`), with double
 * DQN, dueling heads, prioritized replay and n-step returns as flags.
 *
 *   node --import tsx src/dqn-cartpole.ts train --preset tuned --double
 *   node --import tsx src/dqn-cartpole.ts eval --checkpoint runs/<name>
 */
import { CartPoleEnv } from "@tdrl/envs";
import type { TrainerResult } from "@tdrl/trainers";
import { programMain, runIfMain } from "./core/program-cli";
import { trainRun, type TrainOptions } from "./core/train-run";
import { buildDqn, type DqnRun } from "./core/build-dqn";
import { mlpQNetwork } from "./core/q-network";
import { PRESETS, type DqnCartPoleConfig } from "./dqn-cartpole-config";
import { defineFlags, type FlagValues } from "./run/flags";

/** Builds env, Q-network, exploration, loss, buffer and learner from a config (no training step). */
export function buildDqnCartPole(config: DqnCartPoleConfig): DqnRun {
  return buildDqn(config, {
    env: new CartPoleEnv({ batchSize: [config.numEnvs], seed: config.seed }),
    makeEvalEnv: (n, seed) => new CartPoleEnv({ batchSize: [n], seed }),
    makeQNet: (rng) =>
      mlpQNetwork({ inFeatures: 4, numActions: 2, numCells: config.numCells, dueling: config.dueling, rng }),
    obsKeys: ["observation"],
    lossFunction: config.lossFunction,
  });
}

/** Trains (or resumes) a state-CartPole DQN; returns the loop's result and the built run (caller disposes). */
export async function trainDqnCartPole(
  config: DqnCartPoleConfig,
  options: TrainOptions = {},
): Promise<{ result: TrainerResult; built: DqnRun }> {
  const built = buildDqnCartPole(config);
  const result = await trainRun(built, config, { solvedAt: 475, ...options });
  return { result, built };
}

// Not bound to one config (`configFlags`): the base is the chosen preset, so a flag's 0 or "off" means the preset's value.
const TRAIN_FLAGS = defineFlags({
  preset: {
    type: "enum",
    values: ["tuned", "classic"],
    default: "tuned",
    help: "base recipe (dqn-cartpole-config.ts)",
  },
  seed: { type: "int", default: 0, min: 0, help: "seed of env, network and sampling" },
  frames: { type: "int", default: 0, min: 0, help: "total env steps (0: the preset's)" },
  double: { type: "bool", default: false, help: "double DQN targets (on in the tuned preset)", group: "Variants" },
  dueling: { type: "bool", default: false, help: "dueling head", group: "Variants" },
  prioritized: { type: "bool", default: false, help: "prioritized replay (alpha 0.6, beta 0.4)", group: "Variants" },
  nStep: {
    type: "int",
    default: 0,
    min: 0,
    max: 20,
    help: "n of n-step returns (0: the preset's; tuned 3, classic 1)",
    group: "Variants",
  },
  lr: { type: "number", default: 0, min: 0, help: "Adam learning rate (0: the preset's)" },
  batchSize: { type: "int", default: 0, min: 0, help: "replay batch size (0: the preset's)" },
});

/** The config a `train` command line describes. */
export function configFromFlags(v: FlagValues<typeof TRAIN_FLAGS>): DqnCartPoleConfig {
  const base = PRESETS[v.preset];
  return {
    ...base,
    seed: v.seed,
    totalFrames: v.frames > 0 ? v.frames : base.totalFrames,
    double: v.double || base.double,
    dueling: v.dueling || base.dueling,
    prioritized: v.prioritized || base.prioritized,
    nStep: v.nStep > 0 ? v.nStep : base.nStep,
    lr: v.lr > 0 ? v.lr : base.lr,
    batchSize: v.batchSize > 0 ? v.batchSize : base.batchSize,
  };
}

/** The command line: `train` (default) or `eval`. */
export const main = programMain({
  name: "dqn-cartpole",
  invocation: "node --import tsx src/dqn-cartpole.ts",
  description: "DQN on state CartPole-v1 (classic and tuned recipes; double, dueling, prioritized, n-step variants).",
  train: { flags: TRAIN_FLAGS, config: configFromFlags },
  build: buildDqnCartPole,
  run: trainDqnCartPole,
});

runIfMain(import.meta.url, main);
