/**
 * The seeds' pixel DQN, without recurrence: 84x84 grey frames (the env's fast path, which is grayscale +
 * resize in one rasterization), 4 stacked with CatFrames, rewards clipped to [-1, 1], the Nature CNN and a
 * Huber loss.
 *
 *   node --import tsx src/pixel-dqn.ts train [--frames N] [--seed S]
 *   node --import tsx src/pixel-dqn.ts eval --checkpoint runs/<name>
 */
import { initBackend } from "@tdrl/tensordict";
import { CartPoleEnv } from "@tdrl/envs";
import { CatFrames, Compose, RewardClipping, TransformedEnv } from "@tdrl/transforms";
import type { DqnConfig } from "./core/dqn-config";
import { buildDqn, type DqnRun } from "./core/build-dqn";
import { convQNetwork } from "./core/q-network";
import { trainRun, type TrainOptions } from "./core/train-run";
import type { LoopResult } from "./core/train-loop";
import { EVAL_FLAGS, RUN_FLAGS, evalCommand, runIfMain, trainCommand } from "./core/program-cli";
import { defineFlags, parseCommandLine } from "./run/flags";

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

function pixelEnv(numEnvs: number, seed: number, train: boolean): { env: TransformedEnv; carts: CartPoleEnv } {
  const carts = new CartPoleEnv({ fromPixels: true, renderSize: [84, 84], grayscale: true, batchSize: [numEnvs], seed });
  const stack = new CatFrames(4, { dim: -1, inKeys: ["pixels"] });
  return { env: new TransformedEnv(carts, new Compose(...(train ? [new RewardClipping(-1, 1)] : []), stack)), carts };
}

/** Builds the pixel DQN run (no training step). */
export function buildPixelDqn(config: DqnConfig): DqnRun {
  const { env, carts } = pixelEnv(config.numEnvs, config.seed, true);
  return buildDqn(config, {
    env,
    carts,
    makeEvalEnv: (n, seed) => pixelEnv(n, seed, false).env,
    makeQNet: (rng) => convQNetwork({ inChannels: 4, numActions: 2, headCells: config.numCells, rng }),
    obsKeys: ["pixels"],
    lossFunction: config.lossFunction,
  });
}

export async function trainPixelDqn(config: DqnConfig, options: TrainOptions = {}): Promise<{ result: LoopResult; built: DqnRun }> {
  const built = buildPixelDqn(config);
  return { result: await trainRun(built, config, { solvedAt: 195, ...options }), built };
}

const program = {
  program: "node --import tsx src/pixel-dqn.ts",
  description: "Seed-style DQN on pixel CartPole: 4 stacked 84x84 grey frames, clipped rewards, Nature CNN, Huber loss.",
  defaultCommand: "train",
  commands: {
    train: {
      summary: "train an agent, writing runs/<name>/",
      flags: defineFlags({
        frames: { type: "int", default: PIXEL_DQN.totalFrames, positive: true, help: "total env frames" },
        seed: { type: "int", default: 0, min: 0, help: "seed of envs, network and sampling" },
        lr: { type: "number", default: PIXEL_DQN.lr, positive: true, help: "Adam learning rate" },
        double: { type: "bool", default: false, help: "double DQN targets" },
        ...RUN_FLAGS,
      }),
    },
    eval: { summary: "play a run's checkpoint greedily and print the returns", flags: EVAL_FLAGS },
  },
} as const;

export async function main(argv: readonly string[]): Promise<void> {
  const parsed = parseCommandLine(program, argv);
  if (parsed.kind === "help") return void console.log(parsed.text);
  await initBackend();
  if (parsed.command === "eval") return void evalCommand(parsed.values, buildPixelDqn);
  const v = parsed.values;
  await trainCommand("pixel-dqn", v, { ...PIXEL_DQN, totalFrames: v.frames, seed: v.seed, lr: v.lr, double: v.double }, trainPixelDqn);
}

runIfMain(import.meta.url, main);
