/**
 * The flagship (`npm start`): recurrent DQN on pixel CartPole, the pipeline of TorchRL's recurrent-DQN
 * tutorial built from tdrl's packages, with the recipe of `flagship-config.ts` (chosen for 2 CPU cores).
 *
 *   npm start                                   # train with the defaults, writing runs/<name>/
 *   npm start -- train --frames 100000 --seed 1
 *   npm start -- eval --checkpoint runs/<name> --episodes 10
 *
 * `npm start` runs Node with `--single-threaded-gc` (apps/examples/package.json): an update's GCs are
 * triggered by its typed arrays ("external memory pressure"), and V8's parallel GC helper threads then
 * compete with the two learner threads for 2 cores; one GC thread cut an update's process CPU 8-15% on
 * 12-07 (bench/flagship-update-gc.ts; README "The flagship").
 */
import * as tf from "@tensorflow/tfjs-core";
import { Categorical, HostArray, Rng, type TensorDict } from "@tdrl/tensordict";
import { CartPoleEnv, type EnvBase } from "@tdrl/envs";
import { LazyTensorStorage, SliceSampler, TensorDictReplayBuffer } from "@tdrl/buffers";
import { EGreedyModule } from "@tdrl/modules";
import {
  Compose,
  InitTracker,
  ObservationNorm,
  RewardScaling,
  StepCounter,
  TensorDictPrimer,
  ToTensorImage,
  TransformedEnv,
} from "@tdrl/transforms";
import { QActor } from "./core/actor";
import {
  DataParallelLearner,
  DqnLearner,
  TargetSync,
  evaluateGreedy,
  linearLr,
  type Evaluation,
  type TrainerResult,
} from "@tdrl/trainers";
import { totalUpdates } from "./core/build-dqn";
import { PixelReplay } from "./core/pixel-replay";
import { programMain, runIfMain } from "./core/program-cli";
import type { RecurrentQNetwork } from "./core/q-network";
import { trainRun, type BuiltRun, type TrainOptions } from "./core/train-run";
import { FLAGSHIP, type FlagshipConfig } from "./flagship-config";
import { flagshipLoss } from "./flagship-loss";
import { configFlags, FlagError } from "./run/flags";

/** The built flagship: a `BuiltRun` plus the recurrent network's two views and the fitted pixel statistics. */
export interface FlagshipRun extends BuiltRun {
  config: FlagshipConfig;
  net: RecurrentQNetwork;
  carts: CartPoleEnv;
  /** Pixel mean and std fitted by `ObservationNorm.initStats`, reused by evaluation envs. */
  pixelStats: { loc: HostArray<"float32">; scale: HostArray<"float32"> };
  /** Turns a sampled replay batch into the loss's input (8-bit pixels decoded, next.pixels rebuilt); the trainer's "processOptimBatch" hook. */
  processOptimBatch(batch: TensorDict): void;
  /** Greedy episodes on fresh evaluation envs (no reward scaling). */
  evaluateEpisodes(episodes: number, seed: number, onStep?: (root: TensorDict, env: EnvBase) => void): Evaluation;
}

/**
 * The env pipeline: 48x48 grey frames rendered directly -> ToTensorImage -> StepCounter -> InitTracker ->
 * RewardScaling -> ObservationNorm -> the LSTM's primer. Evaluation envs leave out RewardScaling so their
 * returns are CartPole's.
 */
function makeEnv(
  config: FlagshipConfig,
  net: RecurrentQNetwork,
  numEnvs: number,
  seed: number,
  norm: ObservationNorm,
  train: boolean,
): { env: TransformedEnv; carts: CartPoleEnv } {
  const carts = new CartPoleEnv({
    fromPixels: true,
    renderSize: [config.frameSize, config.frameSize],
    grayscale: true,
    batchSize: [numEnvs],
    seed,
  });
  const transforms = [
    new ToTensorImage(),
    new StepCounter(),
    new InitTracker(),
    ...(train ? [new RewardScaling(0, config.rewardScale)] : []),
    norm,
    TensorDictPrimer.fromModule(net.lstm),
  ];
  return { env: new TransformedEnv(carts, new Compose(...transforms)), carts };
}

/** Keys a stored step needs besides pixels: the loss reads is_init, the step-0 recurrent state, action and next's reward and flags (next.pixels is rebuilt). */
const STORED = ["is_init", "recurrent_state_h", "recurrent_state_c", "action"];
const STORED_NEXT = ["reward", "done", "terminated", "is_init"];

export function buildFlagship(config: FlagshipConfig): FlagshipRun {
  // Runs recorded before learnerThreads existed learned on one thread (their config.json has no such key).
  const threads = config.learnerThreads ?? 1;
  if (threads !== 1 && threads !== 2)
    throw new Error(`flagship: learnerThreads must be 1 or 2, got ${String(config.learnerThreads)}`);
  const root = new Rng(config.seed);
  const rngs = { explore: root.spawn(1), sampler: root.spawn(2) };
  const { net, loss } = flagshipLoss(config, root.spawn(0));
  const norm = new ObservationNorm({ standardNormal: true, inKeys: ["pixels"] });
  const { env, carts } = makeEnv(config, net, config.numEnvs, config.seed, norm, true);
  // One mean and std over every pixel of random play, as TorchRL's tutorial (reduce env, time, H, W; keep the channel).
  norm.initStats(config.initStatsFrames, { reduceDim: [0, 1, 2, 3], catDim: 1 });
  const pixelStats = { loc: norm.loc!, scale: norm.scale! };

  const spec = new Categorical({ n: 2 });
  const explore = new EGreedyModule({
    spec,
    epsInit: config.epsInit,
    epsEnd: config.epsEnd,
    annealingNumSteps: config.epsFrames,
    rng: rngs.explore,
  });
  const actor = new QActor(net.acting, explore);
  // Slices run along each env's stream and may cross episode ends (the loss resets at is_init): "env_id" is the trajectory key.
  const sampler = new SliceSampler({ sliceLen: config.sliceLen, trajKey: "env_id", rng: rngs.sampler });
  const buffer = new TensorDictReplayBuffer({
    storage: new LazyTensorStorage(config.bufferSize, { ndim: 2 }),
    sampler,
    batchSize: config.numSlices * config.sliceLen,
  });
  const optimizer = tf.train.adam(config.lr);
  const targetSync = new TargetSync(loss, { kind: "soft", tau: config.tau });
  const replay = new PixelReplay(norm, buffer, {
    numEnvs: config.numEnvs,
    bufferSize: config.bufferSize,
    frameBytes: config.frameSize ** 2,
  });
  const learnerOptions = {
    loss,
    buffer,
    optimizer,
    targetSync,
    gradClip: config.gradClip,
    nStep: 1,
    gamma: config.gamma,
    obsKeys: ["pixels"],
    prioritized: false,
    ...(config.lrEnd === undefined
      ? {}
      : { lrSchedule: linearLr({ from: config.lr, to: config.lrEnd, updates: totalUpdates(config) }) }),
  };
  const learner =
    threads === 2
      ? new DataParallelLearner({
          ...learnerOptions,
          workerLoss: {
            module: new URL("./flagship-loss.ts", import.meta.url),
            exportName: "makeFlagshipLoss",
            args: config,
          },
        })
      : new DqnLearner(learnerOptions);
  const envIds = HostArray.from(
    "int32",
    [config.numEnvs, config.stepsPerBatch],
    Array.from({ length: config.numEnvs * config.stepsPerBatch }, (_, i) => Math.floor(i / config.stepsPerBatch)),
  );
  const evalNorm = () =>
    new ObservationNorm({ standardNormal: true, inKeys: ["pixels"], loc: pixelStats.loc, scale: pixelStats.scale });
  const evaluateEpisodes = (
    episodes: number,
    seed: number,
    onStep?: (root: TensorDict, env: EnvBase) => void,
  ): Evaluation =>
    evaluateGreedy((n, s) => makeEnv(config, net, n, s, evalNorm(), false).env, actor, {
      episodes,
      seed,
      ...(onStep === undefined ? {} : { onStep }),
    });
  return {
    config,
    net,
    carts,
    pixelStats,
    env,
    qnet: net.training,
    actor,
    loss,
    buffer,
    optimizer,
    learner,
    rngs,
    returnScale: 1 / config.rewardScale,
    checkpointExtras: { nextFrames: replay },
    // Only what the loss reads is stored (and env_id, the sampler's trajectory key), each frame once as bytes.
    hooks: (trainer) => replay.register(trainer, { root: STORED, next: STORED_NEXT, extra: { env_id: envIds } }),
    processOptimBatch: (batch) => replay.restore(batch),
    evaluateEpisodes,
    evaluate: (k) => evaluateEpisodes(config.evalEpisodes, 1_000_000 + config.seed * 1000 + k),
    dispose: () => {
      if (learner instanceof DataParallelLearner) learner.dispose();
      loss.dispose();
      for (const v of net.training.parameters().values()) v.dispose();
      optimizer.dispose();
    },
  };
}

/** Trains (or resumes) the flagship; returns the loop's result and the built run (caller disposes). */
export async function trainFlagship(
  config: FlagshipConfig,
  options: TrainOptions = {},
): Promise<{ result: TrainerResult; built: FlagshipRun }> {
  const built = buildFlagship(config);
  const result = await trainRun(built, config, { solvedAt: 195, ...options });
  return { result, built };
}

/** The command line: `train` (default) or `eval`; every train flag sets the `FLAGSHIP` key of its name. */
export const main = programMain({
  name: "flagship",
  invocation: "npm start --",
  description:
    "Recurrent DQN on pixel CartPole (tdrl's flagship). Defaults are the 2-core recipe of src/flagship-config.ts.",
  train: configFlags(FLAGSHIP, {
    frames: { key: "totalFrames", type: "int", positive: true, help: "total env frames" },
    seed: { type: "int", min: 0, help: "seed of envs, network and sampling" },
    numEnvs: { type: "int", positive: true, max: 64, help: "envs stepped together", group: "Collection" },
    frameSize: { type: "int", min: 36, max: 128, help: "side of the square grey frame", group: "Collection" },
    updatesPerFrame: {
      type: "number",
      positive: true,
      max: 4,
      help: "gradient steps per frame (replay ratio)",
      group: "Learning",
    },
    numSlices: { type: "int", positive: true, help: "slices per batch", group: "Learning" },
    sliceLen: { type: "int", min: 2, help: "steps per slice", group: "Learning" },
    burnIn: { type: "int", min: 0, help: "steps per slice that only warm up the LSTM", group: "Learning" },
    lr: { type: "number", positive: true, help: "Adam learning rate", group: "Learning" },
    tau: { type: "number", positive: true, max: 1, help: "soft target update rate", group: "Learning" },
    lstmHidden: { type: "int", positive: true, help: "LSTM hidden size", group: "Network" },
    bufferSize: { type: "int", positive: true, help: "replay capacity in steps", group: "Learning" },
    epsFrames: { type: "int", positive: true, help: "frames epsilon anneals over (1 -> 0.05)", group: "Learning" },
    evalEvery: { type: "int", min: 0, help: "frames between greedy evaluations (0: only at the end)" },
    learnerThreads: {
      type: "int",
      min: 1,
      max: 2,
      help: "threads of the update (2: data-parallel over two halves of the batch)",
      group: "Learning",
    },
  }),
  check: (v) => {
    if (v.burnIn >= v.sliceLen)
      throw new FlagError(`--burn-in ${v.burnIn} must be smaller than --slice-len ${v.sliceLen}`);
  },
  build: buildFlagship,
  run: trainFlagship,
});

runIfMain(import.meta.url, main);
