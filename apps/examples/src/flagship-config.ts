import { availableParallelism } from "node:os";
import type { LstmRecurrence } from "@tdrl/modules";

/**
 * The flagship's recipe: recurrent DQN on pixel CartPole, chosen for 2 CPU cores. Why each default:
 *
 * - **Frames 48x48 grey, rendered directly** (`renderSize`, `grayscale`: the env's fast path replaces
 *   GrayScale + Resize and costs ~4 µs a frame). CartPole needs the cart's position and the pole's angle,
 *   not texture: at 48x48 the pole is still a clear anti-aliased line, and every conv layer costs 3x less
 *   than at 84x84.
 * - **Conv trunk 16 8x8/4 -> 32 4x4/2 (512 features)** instead of the TorchRL tutorial's 3x3 stride-1
 *   stack (about 25x the Nature trunk per frame) or the Nature CNN itself: ~0.3 M multiply-adds a frame
 *   against 5.3 M for Nature at 84x84, so an update is dominated by the LSTM, not the convolutions.
 * - **LSTM 128**: velocities are not in a single frame; the LSTM integrates them (no frame stacking).
 * - **8 slices x 32 steps, burn-in 8** (R2D2): the first 8 steps only rebuild the hidden state (the stored
 *   state is stale once the network has moved), the other 24 are learned from. Slices may cross episode
 *   ends: the loss resets the state at every `is_init` and does not bootstrap through `terminated`.
 * - **One update per 16 frames** (4 envs x 4 steps): each stored step is replayed ~12 times, 3x the
 *   PyTorch reference's rate, which learned too slowly (eval 80 after 30 min).
 * - **Double DQN, soft target (tau 0.02), Adam 3e-4, gradient clip 10, smooth L1**: the stable DQN
 *   defaults; rewards scaled by 0.1 (RewardScaling) keep Q-values near 10 instead of 100.
 *   The rate stays constant (`lrEnd` absent): a linear decay to 0 over the run, which steadied the state
 *   DQN, learned more slowly here (12-07, seed 0: evaluations 58-139 from 200k to 260k frames against
 *   92-268 at the constant rate; the run was stopped there). The flagship is still learning at 400k
 *   frames, so a smaller rate late costs more progress than it buys steadiness.
 *   Tau 0.005 (a slower target) swung less but learned less on the same seed (best 254.1 against 427).
 * - **Epsilon 1 -> 0.05 over 40k frames**, 2000 random frames first.
 * - **Replay of 40k steps**: each 48x48 frame stored once as bytes (BytePixels, NextFrames) with the LSTM
 *   state is ~3.3 KB a step, so ~134 MB (float32 frames with `next` were ~19 KB a step, ~0.75 GB); at the
 *   default rate that is the last ~7 minutes of play.
 * - **Two learner threads where there are two cores** (`learnerThreads`, `--learner-threads 1` for one):
 *   an update is ~10x the acting between two updates, so the second core helps the update: a
 *   `DataParallelLearner` splits each batch into two halves of 4 slices, one computed in a worker thread
 *   (its own wasm instance) while the main thread computes the other, and averages their gradients
 *   before clipping and Adam. Half a batch costs ~half as much (4 slices took 0.49x the CPU of 8, on
 *   12-07). The average equals the one-thread gradient up to float rounding, so a two-thread run repeats
 *   itself exactly (and resumes exactly) but is not bit-identical to a one-thread run of the same seed.
 *   Halves, not more for the worker: tried on 12-07 (seed 1), the worker on 5 of 8 slices evened the
 *   threads' CPU (each ~75% busy, against ~80% main and ~61% worker with halves) but not the frames/s (204
 *   both, frames 4k-40k), so the split is not what bounds a cycle; the main thread's other work (acting,
 *   sampling, pixel decoding, Adam), during which the worker waits, is the next thing to overlap.
 */
export interface FlagshipConfig {
  seed: number;
  totalFrames: number;
  numEnvs: number;
  frameSize: number;
  conv: { channels: number[]; kernels: number[]; strides: number[] };
  lstmHidden: number;
  headCells: number[];
  stepsPerBatch: number;
  initRandomFrames: number;
  updatesPerFrame: number;
  bufferSize: number;
  numSlices: number;
  sliceLen: number;
  burnIn: number;
  lr: number;
  /** Adam's rate decays linearly from `lr` to this over the run's updates; absent: `lr` throughout. */
  lrEnd?: number;
  gamma: number;
  tau: number;
  gradClip: number;
  rewardScale: number;
  epsInit: number;
  epsEnd: number;
  epsFrames: number;
  /** Frames of random play `ObservationNorm.initStats` fits the pixel mean and std on. */
  initStatsFrames: number;
  evalEvery: number;
  evalEpisodes: number;
  checkpointEvery: number;
  /** 2: the update is data-parallel over two threads (`DataParallelLearner`); 1: `DqnLearner` on this thread. */
  learnerThreads: number;
  /** How the LSTM runs its recurrence; absent: "auto" (the fused kernel on wasm). "per-step" for before/after measurements. */
  lstmRecurrence?: LstmRecurrence;
}

export const FLAGSHIP: FlagshipConfig = {
  seed: 0,
  totalFrames: 400_000,
  numEnvs: 4,
  frameSize: 48,
  conv: { channels: [16, 32], kernels: [8, 4], strides: [4, 2] },
  lstmHidden: 128,
  headCells: [],
  stepsPerBatch: 4,
  initRandomFrames: 2000,
  updatesPerFrame: 1 / 16,
  bufferSize: 40_000,
  numSlices: 8,
  sliceLen: 32,
  burnIn: 8,
  lr: 3e-4,
  gamma: 0.99,
  tau: 0.02,
  gradClip: 10,
  rewardScale: 0.1,
  epsInit: 1,
  epsEnd: 0.05,
  epsFrames: 40_000,
  initStatsFrames: 1000,
  evalEvery: 10_000,
  evalEpisodes: 10,
  checkpointEvery: 20_000,
  learnerThreads: availableParallelism() >= 2 ? 2 : 1,
};
