import type { DqnConfig } from "../../examples/src/core/dqn-config";
import { TUNED } from "../../examples/src/dqn-cartpole-config";
import type { PlaygroundSettings } from "./protocol";

/** CartPole-v1 counts as solved at a greedy mean return of 475 (over the recipe's 20 evaluation episodes). */
export const SOLVED_AT = 475;

/** The page's defaults: the tuned state-DQN recipe of apps/examples (solves CartPole within 50k frames in Node). */
export const DEFAULT_SETTINGS: PlaygroundSettings = {
  seed: TUNED.seed,
  lr: TUNED.lr,
  batchSize: TUNED.batchSize,
  gamma: TUNED.gamma,
  hidden: TUNED.numCells[0]!,
  epsFrames: TUNED.epsFrames,
  updatesPerFrame: TUNED.updatesPerFrame,
  backend: "auto",
};

/**
 * The full DQN config of a run: the tuned recipe with the page's settings over it. Bad values are refused
 * with an error naming the field, before anything is built.
 */
export function configFor(settings: PlaygroundSettings): DqnConfig {
  const positive = (name: keyof PlaygroundSettings, v: number, integer: boolean) => {
    if (!(Number.isFinite(v) && v > 0 && (!integer || Number.isInteger(v)))) {
      throw new Error(`settings: ${name} must be a positive ${integer ? "integer" : "number"}, got ${String(v)}`);
    }
  };
  positive("lr", settings.lr, false);
  positive("batchSize", settings.batchSize, true);
  positive("hidden", settings.hidden, true);
  positive("epsFrames", settings.epsFrames, true);
  positive("updatesPerFrame", settings.updatesPerFrame, false);
  if (!(settings.gamma > 0 && settings.gamma <= 1))
    throw new Error(`settings: gamma must be in (0, 1], got ${String(settings.gamma)}`);
  if (!(Number.isInteger(settings.seed) && settings.seed >= 0))
    throw new Error(`settings: seed must be a non-negative integer, got ${String(settings.seed)}`);
  return {
    ...TUNED,
    seed: settings.seed,
    lr: settings.lr,
    batchSize: settings.batchSize,
    gamma: settings.gamma,
    numCells: [settings.hidden, settings.hidden],
    epsFrames: settings.epsFrames,
    updatesPerFrame: settings.updatesPerFrame,
    totalFrames: 100_000,
  };
}

/** What a downloaded weights file says about the network it holds (enough to rebuild it in Node). */
export function weightsMetadata(settings: PlaygroundSettings, frames: number): Record<string, string> {
  return {
    format: "tdrl-playground-cartpole-dqn",
    network: "mlpQNetwork",
    inFeatures: "4",
    numActions: "2",
    numCells: JSON.stringify([settings.hidden, settings.hidden]),
    frames: String(frames),
    seed: String(settings.seed),
  };
}
