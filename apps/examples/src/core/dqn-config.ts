import type { LossFunction } from "@tdrl/losses";
import type { TargetSyncConfig } from "@tdrl/trainers";

/** Everything a flat-replay DQN run is made of; the run's `config.json` holds it verbatim. */
export interface DqnConfig {
  seed: number;
  totalFrames: number;
  numEnvs: number;
  /** Env steps per sub-env between learning phases. */
  stepsPerBatch: number;
  initRandomFrames: number;
  /** Gradient steps per frame. */
  updatesPerFrame: number;
  bufferSize: number;
  batchSize: number;
  numCells: number[];
  lr: number;
  /** Adam's learning rate after the run's last update, reached linearly from `lr`; absent: `lr` throughout. */
  lrEnd?: number;
  gamma: number;
  gradClip: number;
  epsInit: number;
  epsEnd: number;
  epsFrames: number;
  lossFunction: LossFunction;
  target: TargetSyncConfig;
  double: boolean;
  dueling: boolean;
  prioritized: boolean;
  /** Prioritized replay's alpha and beta (used with `prioritized`). */
  alpha: number;
  beta: number;
  nStep: number;
  evalEvery: number;
  evalEpisodes: number;
  checkpointEvery: number;
}
