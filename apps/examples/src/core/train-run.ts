import type * as tf from "@tensorflow/tfjs-core";
import { rmSync } from "node:fs";
import type { Rng, TensorDict } from "@tdrl/tensordict";
import type { EnvBase } from "@tdrl/envs";
import type { JsonValue, ReplayBuffer } from "@tdrl/buffers";
import type { TensorDictModuleBase } from "@tdrl/modules";
import type { LossModule } from "@tdrl/losses";
import { SyncDataCollector } from "@tdrl/collectors";
import type { QActor } from "./actor";
import { EpisodeStats } from "./episode-stats";
import type { Evaluation } from "./evaluate";
import { bestModelDir, findCheckpoint, loadTrainingCheckpoint, readBestModelInfo, saveBestModel, saveTrainingCheckpoint } from "./checkpoint";
import { trainLoop, type Learner, type LoopConfig, type LoopRecord, type LoopResult, type LoopState } from "./train-loop";
import type { RunDirectory } from "../run/run-directory";

/** What every program builds before training: the pieces `trainLoop` and the checkpoints need. */
export interface BuiltRun {
  /** The training env (transforms included); its `state()` goes into checkpoints through the collector. */
  env: EnvBase;
  /** The module whose weights are saved and trained (for recurrent nets, the sequence-mode view). */
  qnet: TensorDictModuleBase;
  actor: QActor;
  loss: LossModule;
  buffer: ReplayBuffer;
  optimizer: tf.Optimizer;
  learner: Learner;
  rngs: Record<string, Rng>;
  /** Greedy evaluation number `k` of the run. */
  evaluate: (k: number) => Evaluation;
  onEpisodes?: (before: number, after: number) => void;
  /** Multiplies the rewards booked into episode returns (see `EpisodeStats`), e.g. 1 / a RewardScaling's scale. */
  returnScale?: number;
  /** See `LoopParts.store`. */
  store?: (batch: TensorDict) => void;
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
  log?: (record: LoopRecord) => void;
  /** See `LoopParts.logEverySeconds`. */
  logEverySeconds?: number;
}

/**
 * Trains a built run with `trainLoop`: builds its `SyncDataCollector` (`stepsPerBatch` steps per sub-env a
 * rollout, random actions for `initRandomFrames` rounded up to whole batches, the actor exploring) and
 * wires the run directory (metrics rows, checkpoints every `checkpointEvery` frames), resuming from its
 * checkpoint when asked. Shared by every program.
 *
 * @example
 * // see dqn-cartpole.ts and flagship.ts, which call it with their built runs.
 * typeof trainRun; // "function"
 */
export async function trainRun(built: BuiltRun, config: LoopConfig & { evalEvery: number }, options: TrainOptions = {}): Promise<LoopResult> {
  const numEnvs = built.env.batchSize.reduce((a, b) => a * b, 1);
  const framesPerBatch = config.stepsPerBatch * numEnvs;
  // The env keeps the seed the program built it with: no `seed` option, which would reseed it.
  const collector = new SyncDataCollector(built.env, built.actor, {
    framesPerBatch,
    initRandomFrames: Math.ceil(config.initRandomFrames / framesPerBatch) * framesPerBatch,
    explorationType: "random",
  });
  const stats = new EpisodeStats(numEnvs, { returnScale: built.returnScale ?? 1 });
  const run = options.run;
  const parts = { qnet: built.qnet, loss: built.loss, optimizer: built.optimizer, buffer: built.buffer };
  let resume: LoopState | undefined;
  if (options.resume === true) {
    if (run === undefined) throw new Error("trainRun: resume needs a run directory");
    if (!findCheckpoint(run.path)) throw new Error(`trainRun: ${run.path} holds no checkpoint to resume from`);
    resume = (loadTrainingCheckpoint(run.path, parts) as unknown as { loop: LoopState }).loop;
    run.truncateMetrics(resume.frames);
    // A best model saved after the checkpoint belongs to frames the resumed run replays (and saves again).
    const best = readBestModelInfo(run.path);
    if (best !== null && best.frames > resume.frames) rmSync(bestModelDir(run.path), { recursive: true, force: true });
  }
  let evalCount = resume === undefined ? 0 : Math.floor(resume.frames / Math.max(1, config.evalEvery));
  return trainLoop(
    config,
    {
      collector,
      stats,
      actor: built.actor,
      buffer: built.buffer,
      learner: built.learner,
      ...(built.store === undefined ? {} : { store: built.store }),
      ...(built.onEpisodes === undefined ? {} : { onEpisodes: built.onEpisodes }),
      evaluate: () => built.evaluate(evalCount++),
      ...(run === undefined ? {} : { onBestEval: (frames: number, e: Evaluation) => saveBestModel(run.path, built.qnet, { frames, evalMean: e.mean }) }),
      rngs: built.rngs,
      log: (record) => {
        options.log?.(record);
        run?.appendMetrics(metricsRow(record));
      },
      ...(run === undefined ? {} : { checkpoint: (loop: LoopState) => saveTrainingCheckpoint(run.path, parts, { loop } as unknown as JsonValue) }),
      ...(options.logEverySeconds === undefined ? {} : { logEverySeconds: options.logEverySeconds }),
      ...(options.solvedAt === undefined ? {} : { solvedAt: options.solvedAt }),
      ...(options.stopWhenSolved === undefined ? {} : { stopWhenSolved: options.stopWhenSolved }),
      ...(options.stopAtFrames === undefined ? {} : { stopAtFrames: options.stopAtFrames }),
    },
    resume,
  );
}

/** A loop record as a flat metrics row (snake_case columns of the run directory's CSV). */
export function metricsRow(r: LoopRecord): Record<string, number | null> {
  const num = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? null : v);
  return {
    frames: r.frames,
    updates: r.updates,
    episodes: r.episodes,
    seconds: r.seconds,
    frames_per_second: num(r.framesPerSecond),
    eps: r.eps,
    train_return: num(r.trainReward),
    loss: num(r.loss),
    eval_return: num(r.evalMean),
  };
}
