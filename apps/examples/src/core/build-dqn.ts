import * as tf from "@tensorflow/tfjs-core";
import { Categorical, Rng, type TensorDict } from "@tdrl/tensordict";
import type { EnvBase } from "@tdrl/envs";
import { LazyTensorStorage, PrioritizedSampler, RandomSampler, TensorDictReplayBuffer } from "@tdrl/buffers";
import { EGreedyModule, type TensorDictModuleBase } from "@tdrl/modules";
import { DQNLoss, TD0Estimator } from "@tdrl/losses";
import { QActor } from "./actor";
import { DqnLearner, TargetSync, evaluateGreedy, linearLr, type Evaluation } from "@tdrl/trainers";
import type { BuiltRun } from "./train-run";
import type { DqnConfig } from "./dqn-config";

/** The gradient steps a run takes (the `Trainer` owes `floor(frames * updatesPerFrame)` minus those of the random frames). */
export function totalUpdates(config: Pick<DqnConfig, "totalFrames" | "updatesPerFrame" | "initRandomFrames">): number {
  const owed = (frames: number) => Math.floor(frames * config.updatesPerFrame);
  return Math.max(1, owed(config.totalFrames) - owed(config.initRandomFrames));
}

/** What a flat-replay DQN program supplies: its envs and its network. */
export interface DqnPieces {
  /** The training env, seeded; it must support `state()` (checkpoints hold it through the collector). */
  env: EnvBase;
  /** A batched evaluation env reporting CartPole's own returns. */
  makeEvalEnv: (numEnvs: number, seed: number) => EnvBase;
  /** Built from the run's network RNG. */
  makeQNet: (rng: Rng) => TensorDictModuleBase;
  /** Observation keys the network reads (moved along by n-step returns). */
  obsKeys: readonly string[];
  /** Huber/smooth-L1 or squared error. */
  lossFunction: "l2" | "smoothL1" | "huber";
}

/** A built flat-replay DQN run. */
export interface DqnRun extends BuiltRun {
  loss: DQNLoss;
  buffer: TensorDictReplayBuffer;
  learner: DqnLearner;
  targetSync: TargetSync;
  evaluateEpisodes(episodes: number, seed: number, onStep?: (root: TensorDict, env: EnvBase) => void): Evaluation;
}

/**
 * Builds everything of a DQN run with a flat replay buffer from a config and the program's env and
 * network: epsilon-greedy actor, `DQNLoss` (double DQN, n-step discount), random or prioritized sampler,
 * Adam, target sync. The state, pixel and state-history programs differ only in `pieces`.
 *
 * @example
 * import { CartPoleEnv } from "@tdrl/envs";
 * import { CLASSIC } from "../dqn-cartpole-config";
 * import { mlpQNetwork } from "./q-network";
 * const env = new CartPoleEnv({ batchSize: [1], seed: 0 });
 * const run = buildDqn(CLASSIC, { env, makeEvalEnv: (n, seed) => new CartPoleEnv({ batchSize: [n], seed }),
 *   makeQNet: (rng) => mlpQNetwork({ inFeatures: 4, numActions: 2, numCells: [16], dueling: false, rng }), obsKeys: ["observation"], lossFunction: "smoothL1" });
 * run.dispose();
 */
export function buildDqn(config: DqnConfig, pieces: DqnPieces): DqnRun {
  const root = new Rng(config.seed);
  const rngs = { explore: root.spawn(1), sampler: root.spawn(2) };
  const { env } = pieces;
  if (env.batchSize[0] !== config.numEnvs)
    throw new Error(
      `buildDqn: the env has batch size [${env.batchSize.join(", ")}], the config says numEnvs ${config.numEnvs}`,
    );
  const qnet = pieces.makeQNet(root.spawn(0));
  const explore = new EGreedyModule({
    spec: new Categorical({ n: 2 }),
    epsInit: config.epsInit,
    epsEnd: config.epsEnd,
    annealingNumSteps: config.epsFrames,
    rng: rngs.explore,
  });
  const actor = new QActor(qnet, explore);
  const loss = new DQNLoss(qnet, {
    lossFunction: pieces.lossFunction,
    doubleDqn: config.double,
    // n-step sums are built at sample time (nStepTransitions in @tdrl/trainers); the bootstrap is then discounted by gamma^n.
    valueEstimator: new TD0Estimator({ gamma: config.gamma ** config.nStep }),
  });
  const sampler = config.prioritized
    ? new PrioritizedSampler({
        maxCapacity: config.bufferSize,
        alpha: config.alpha,
        beta: config.beta,
        rng: rngs.sampler,
      })
    : new RandomSampler({ rng: rngs.sampler });
  const buffer = new TensorDictReplayBuffer({
    storage: new LazyTensorStorage(config.bufferSize, { ndim: 2 }),
    sampler,
    batchSize: config.batchSize,
  });
  const optimizer = tf.train.adam(config.lr);
  const targetSync = new TargetSync(loss, config.target);
  const learner = new DqnLearner({
    loss,
    buffer,
    optimizer,
    targetSync,
    gradClip: config.gradClip,
    nStep: config.nStep,
    gamma: config.gamma,
    obsKeys: pieces.obsKeys,
    prioritized: config.prioritized,
    ...(config.lrEnd === undefined
      ? {}
      : { lrSchedule: linearLr({ from: config.lr, to: config.lrEnd, updates: totalUpdates(config) }) }),
  });
  const evaluateEpisodes = (episodes: number, seed: number, onStep?: (root: TensorDict, env: EnvBase) => void) =>
    evaluateGreedy(pieces.makeEvalEnv, actor, { episodes, seed, ...(onStep === undefined ? {} : { onStep }) });
  return {
    env,
    qnet,
    actor,
    loss,
    buffer,
    optimizer,
    learner,
    targetSync,
    rngs,
    evaluateEpisodes,
    evaluate: (k) => evaluateEpisodes(config.evalEpisodes, 1_000_000 + config.seed * 1000 + k),
    hooks: (trainer) =>
      trainer.register(
        "postEpisodes",
        (ended, state) => void targetSync.afterEpisodes(state.episodes - ended.length, state.episodes),
      ),
    dispose: () => {
      loss.dispose();
      for (const v of qnet.parameters().values()) v.dispose();
      optimizer.dispose();
    },
  };
}
