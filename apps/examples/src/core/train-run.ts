import type * as tf from "@tensorflow/tfjs-core";
import { rmSync } from "node:fs";
import type { Rng } from "@tdrl/tensordict";
import type { EnvBase } from "@tdrl/envs";
import type { ReplayBuffer } from "@tdrl/buffers";
import type { TensorDictModuleBase } from "@tdrl/modules";
import type { LossModule } from "@tdrl/losses";
import { SyncDataCollector } from "@tdrl/collectors";
import {
  CheckpointManager,
  EpisodeStats,
  Trainer,
  bestModelDir,
  readBestModelInfo,
  saveBestModel,
  type Checkpointable,
  type Evaluation,
  type DqnLearner,
  type TrainerConfig,
  type TrainerRecord,
  type TrainerResult,
  type TrainerState,
} from "@tdrl/trainers";
import { metricsRow, type RunDirectory } from "@tdrl/record";
import type { QActor } from "./actor";

/** What every program builds before training: the pieces the `Trainer` and the checkpoints need. */
export interface BuiltRun {
  /** The training env (transforms included); its `state()` goes into checkpoints through the collector. */
  env: EnvBase;
  /** The module whose weights are saved and trained (for recurrent nets, the sequence-mode view). */
  qnet: TensorDictModuleBase;
  actor: QActor;
  loss: LossModule;
  buffer: ReplayBuffer;
  optimizer: tf.Optimizer;
  /** Every program's learner is a DqnLearner (or its data-parallel subclass); benches call `update` directly. */
  learner: DqnLearner;
  rngs: Record<string, Rng>;
  /** Greedy evaluation number `k` of the run. */
  evaluate: (k: number) => Evaluation;
  /** Registers the program's own hooks (e.g. a target sync every k episodes, what is stored of a batch). */
  hooks?: (trainer: Trainer) => void;
  /** More state for checkpoints (see `CheckpointTargets.extras`). */
  checkpointExtras?: Record<string, Checkpointable>;
  /** Multiplies the rewards booked into episode returns (see `EpisodeStats`), e.g. 1 / a RewardScaling's scale. */
  returnScale?: number;
  dispose(): void;
}

export interface TrainOptions {
  /** Run directory (config.json, metrics, checkpoints); none: nothing is written. */
  run?: RunDirectory;
  /** Continue from the run directory's checkpoint. */
  resume?: boolean;
  stopAtFrames?: number;
  stopWhenSolved?: boolean;
  /** Evaluation mean counted as solved. */
  solvedAt?: number;
  log?: (record: TrainerRecord) => void;
  /** See `TrainerParts.logEverySeconds`. */
  logEverySeconds?: number;
}

/**
 * Trains a built run with a `Trainer`: builds its `SyncDataCollector` (`stepsPerBatch` steps per sub-env
 * a rollout, random actions for `initRandomFrames` rounded up to whole batches, the actor exploring) and
 * wires the run directory (metrics rows, best model, a `CheckpointManager` every `checkpointEvery`
 * frames), resuming from its checkpoint when asked. Shared by every program.
 *
 * @example
 * // see dqn-cartpole.ts and flagship.ts, which call it with their built runs.
 * typeof trainRun; // "function"
 */
export async function trainRun(
  built: BuiltRun,
  config: TrainerConfig,
  options: TrainOptions = {},
): Promise<TrainerResult> {
  const numEnvs = built.env.batchSize.reduce((a, b) => a * b, 1);
  const framesPerBatch = config.stepsPerBatch * numEnvs;
  // The env keeps the seed the program built it with: no `seed` option, which would reseed it.
  const collector = new SyncDataCollector(built.env, built.actor, {
    framesPerBatch,
    initRandomFrames: Math.ceil(config.initRandomFrames / framesPerBatch) * framesPerBatch,
    explorationType: "random",
  });
  const run = options.run;
  const checkpoints =
    run === undefined
      ? undefined
      : new CheckpointManager(
          run.path,
          {
            qnet: built.qnet,
            target: built.loss.targetModule(),
            optimizer: built.optimizer,
            parameters: () => built.loss.parameterList(),
            buffer: built.buffer,
            ...(built.checkpointExtras === undefined ? {} : { extras: built.checkpointExtras }),
          },
          { recipe: { ...config } },
        );
  let resume: TrainerState | undefined;
  if (options.resume === true) {
    if (run === undefined || checkpoints === undefined) throw new Error("trainRun: resume needs a run directory");
    if (!checkpoints.exists()) throw new Error(`trainRun: ${run.path} holds no checkpoint to resume from`);
    resume = checkpoints.load().trainer;
    run.truncateMetrics(resume.frames);
    // A best model saved after the checkpoint belongs to frames the resumed run replays (and saves again).
    const best = readBestModelInfo(run.path);
    if (best !== null && best.frames > resume.frames) rmSync(bestModelDir(run.path), { recursive: true, force: true });
  }
  let evalCount = resume === undefined ? 0 : Math.floor(resume.frames / Math.max(1, config.evalEvery));
  const trainer = new Trainer(config, {
    collector,
    stats: new EpisodeStats(numEnvs, { returnScale: built.returnScale ?? 1 }),
    buffer: built.buffer,
    learner: built.learner,
    explore: built.actor.explore,
    evaluate: () => built.evaluate(evalCount++),
    rngs: built.rngs,
    ...(options.logEverySeconds === undefined ? {} : { logEverySeconds: options.logEverySeconds }),
    ...(options.solvedAt === undefined ? {} : { solvedAt: options.solvedAt }),
    ...(options.stopWhenSolved === undefined ? {} : { stopWhenSolved: options.stopWhenSolved }),
    ...(options.stopAtFrames === undefined ? {} : { stopAtFrames: options.stopAtFrames }),
  });
  built.hooks?.(trainer);
  trainer.register("log", (record) => {
    options.log?.(record);
    run?.appendMetrics(metricsRow(record));
  });
  if (run !== undefined && checkpoints !== undefined) {
    trainer.register("postEval", (e, state, best) => {
      if (best) saveBestModel(run.path, built.qnet, { frames: state.frames, evalMean: e.mean });
    });
    trainer.register("checkpoint", (state) => checkpoints.save(state));
  }
  return trainer.train(resume);
}
