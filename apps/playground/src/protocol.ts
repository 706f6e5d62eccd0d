// The messages between the page (main.ts) and the training worker (worker.ts).
import type { BackendPreference, BackendReport } from "@tdrl/backend";

/** The hyperparameters the page lets a user change; the rest come from the tuned state-DQN recipe. */
export interface PlaygroundSettings {
  seed: number;
  lr: number;
  batchSize: number;
  gamma: number;
  /** Hidden layer width (two layers). */
  hidden: number;
  /** Frames over which epsilon anneals from 1 to its final value. */
  epsFrames: number;
  /** Gradient steps per collected frame. */
  updatesPerFrame: number;
  backend: BackendPreference;
}

export type ToWorker =
  | { kind: "start"; settings: PlaygroundSettings }
  | { kind: "pause" }
  | { kind: "reset" }
  | { kind: "weights" };

/** A cart state to draw: position and pole angle. */
export interface CartFrame {
  x: number;
  theta: number;
}

export interface Progress {
  kind: "progress";
  frames: number;
  updates: number;
  episodes: number;
  /** Returns of the training episodes that ended since the last message. */
  returns: number[];
  eps: number;
  loss: number;
  /** Env frames per second of training over the last batch (collection and updates). */
  framesPerSecond: number;
  /** A greedy evaluation (mean return of 10 episodes), when one ran. */
  evalMean?: number;
  /** Frames at which the greedy mean first reached 475, once it has. */
  solvedAtFrames?: number;
  /** Seconds of training (excluding pauses) when it was solved. */
  solvedAtSeconds?: number;
}

export type FromWorker =
  | { kind: "ready"; backend: BackendReport; summary: string }
  | Progress
  | { kind: "cart"; frames: CartFrame[] }
  | { kind: "state"; running: boolean }
  | { kind: "weights"; bytes: Uint8Array; frames: number }
  | { kind: "error"; message: string };
