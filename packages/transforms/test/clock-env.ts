import { GymLikeEnv } from "@tdrl/envs";

/**
 * A one-number env for tests whose windows, repeats and no-ops must be predictable: the observation is the
 * step number within the episode (0 at reset), the reward is 1 per step, and episodes end after `length`
 * steps (terminated).
 */
export function clockEnv(length: number): GymLikeEnv {
  let t = 0;
  const clock = {
    observationSpace: { type: "Box" as const, low: 0, high: 1000, shape: [1], dtype: "float32" as const },
    actionSpace: { type: "Discrete" as const, n: 2 },
    reset: () => {
      t = 0;
      return [[t], {}] as [number[], Record<string, unknown>];
    },
    step: () => {
      t += 1;
      return [[t], 1, t >= length, false, {}] as [number[], number, boolean, boolean, Record<string, unknown>];
    },
  };
  return new GymLikeEnv(clock, { name: "Clock", seed: 0 });
}
