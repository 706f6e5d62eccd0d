/**
 * The seeds' pixel DQN, without recurrence: 84x84 grey frames (the env's fast path, which is grayscale +
 * resize in one rasterization), 4 stacked with CatFrames, rewards clipped to [-1, 1], the Nature CNN and a
 * Huber loss.
 *
 *   node --import tsx src/pixel-dqn.ts train [--frames N] [--seed S]
 *   node --import tsx src/pixel-dqn.ts eval --checkpoint runs/<name>
 */
import { CartPoleEnv } from "@tdrl/envs";
import { CatFrames, Compose, RewardClipping, TransformedEnv } from "@tdrl/transforms";
import type { DqnConfig } from "./core/dqn-config";
import { buildDqn, type DqnRun } from "./core/build-dqn";
import { convQNetwork } from "./core/q-network";
import { trainRun, type TrainOptions } from "./core/train-run";
import type { TrainerResult } from "@tdrl/trainers";
import { programMain, runIfMain } from "./core/program-cli";
import { configFlags } from "./run/flags";

/**
 * Seed-style defaults (not tuned here: a Nature-CNN update of batch 32 costs ~80 ms on this machine, so
 * the schedule is the classic Atari one scaled to CartPole): 4 envs, one update per 8 frames, a 10k-step
 * buffer of uint8 stacks (~56 KB a step with next), hard target copy every 1000 updates.
 */
export const PIXEL_DQN: DqnConfig = {
  seed: 0,
  totalFrames: 200_000,
  numEnvs: 4,
  stepsPerBatch: 8,
  initRandomFrames: 5000,
  updatesPerFrame: 1 / 8,
  bufferSize: 10_000,
  batchSize: 32,
  numCells: [512],
  lr: 1e-4,
  gamma: 0.99,
  gradClip: 10,
  epsInit: 1,
  epsEnd: 0.05,
  epsFrames: 50_000,
  lossFunction: "huber",
  target: { kind: "hard", everyUpdates: 1000 },
  double: false,
  dueling: false,
  prioritized: false,
  alpha: 0.6,
  beta: 0.4,
  nStep: 1,
  evalEvery: 20_000,
  evalEpisodes: 10,
  checkpointEvery: 20_000,
};

function pixelEnv(numEnvs: number, seed: number, train: boolean): TransformedEnv {
  const carts = new CartPoleEnv({
    fromPixels: true,
    renderSize: [84, 84],
    grayscale: true,
    batchSize: [numEnvs],
    seed,
  });
  const stack = new CatFrames(4, { dim: -1, inKeys: ["pixels"] });
  return new TransformedEnv(carts, new Compose(...(train ? [new RewardClipping(-1, 1)] : []), stack));
}

/** Builds the pixel DQN run (no training step). */
export function buildPixelDqn(config: DqnConfig): DqnRun {
  return buildDqn(config, {
    env: pixelEnv(config.numEnvs, config.seed, true),
    makeEvalEnv: (n, seed) => pixelEnv(n, seed, false),
    makeQNet: (rng) => convQNetwork({ inChannels: 4, numActions: 2, headCells: config.numCells, rng }),
    obsKeys: ["pixels"],
    lossFunction: config.lossFunction,
  });
}

export async function trainPixelDqn(
  config: DqnConfig,
  options: TrainOptions = {},
): Promise<{ result: TrainerResult; built: DqnRun }> {
  const built = buildPixelDqn(config);
  return { result: await trainRun(built, config, { solvedAt: 195, ...options }), built };
}

/** The command line: `train` (default) or `eval`; every train flag sets a `PIXEL_DQN` key. */
export const main = programMain({
  name: "pixel-dqn",
  invocation: "node --import tsx src/pixel-dqn.ts",
  description:
    "Seed-style DQN on pixel CartPole: 4 stacked 84x84 grey frames, clipped rewards, Nature CNN, Huber loss.",
  train: configFlags(PIXEL_DQN, {
    frames: { key: "totalFrames", type: "int", positive: true, help: "total env frames" },
    seed: { type: "int", min: 0, help: "seed of envs, network and sampling" },
    lr: { type: "number", positive: true, help: "Adam learning rate" },
    double: { type: "bool", help: "double DQN targets" },
  }),
  build: buildPixelDqn,
  run: trainPixelDqn,
});

runIfMain(import.meta.url, main);
