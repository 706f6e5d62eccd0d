import type { TensorDict } from "@tdrl/tensordict";
import type { EnvBase } from "@tdrl/envs";
import type { ExplorationType } from "@tdrl/modules";
import { SyncDataCollector, type ExplorationPolicy, type PolicyFn } from "@tdrl/collectors";
import { EpisodeStats } from "./episode-stats";

/** Summary of a greedy evaluation. */
export interface Evaluation {
  rewards: number[];
  mean: number;
  min: number;
  max: number;
}

/**
 * Plays `episodes` episodes with a policy in its deterministic mode (greedy), all at once on a batched env made for it (`makeEnv(episodes, seed)`),
 * so evaluation never touches the training env's random streams. Each sub-env counts its first episode.
 * The env is stepped by a `SyncDataCollector` (one step per rollout, deterministic exploration).
 *
 * @example
 * import { HostArray, type TensorDict } from "@tdrl/tensordict";
 * import { CartPoleEnv } from "@tdrl/envs";
 * // A fixed policy: push towards the side the pole leans to.
 * const lean = (td: TensorDict) => {
 *   const obs = td.getHost("observation").data;
 *   td.set("action", HostArray.from("int32", [obs.length / 4], Array.from({ length: obs.length / 4 }, (_, i) => (obs[4 * i + 2]! > 0 ? 1 : 0))));
 *   return td;
 * };
 * const result = evaluateGreedy((n, seed) => new CartPoleEnv({ batchSize: [n], seed }), lean, { episodes: 3, seed: 7 });
 * result.rewards.length; // 3
 */
export function evaluateGreedy(
  makeEnv: (numEnvs: number, seed: number) => EnvBase,
  actor: PolicyFn | ExplorationPolicy,
  options: {
    episodes: number;
    seed: number;
    returnScale?: number;
    maxSteps?: number;
    onStep?: (root: TensorDict, env: EnvBase) => void;
  },
): Evaluation {
  const { episodes, seed } = options;
  if (!(Number.isInteger(episodes) && episodes >= 1))
    throw new Error(`evaluateGreedy: episodes must be a positive integer, got ${String(episodes)}`);
  const maxSteps = options.maxSteps ?? 10_000;
  const env = makeEnv(episodes, seed);
  try {
    const onStep = options.onStep;
    const policy = (root: TensorDict, exploration: ExplorationType) => {
      onStep?.(root, env);
      return typeof actor === "function" ? actor(root, exploration) : actor.forward(root, exploration);
    };
    // One step per batch, so the last episode's end stops the play at once.
    const collector = new SyncDataCollector(env, policy, {
      framesPerBatch: episodes,
      explorationType: "deterministic",
    });
    const stats = new EpisodeStats(episodes, { returnScale: options.returnScale ?? 1 });
    const first: (number | undefined)[] = new Array(episodes).fill(undefined);
    let left = episodes;
    for (let t = 0; t < maxSteps && left > 0; t++) {
      stats.add(collector.rollout());
      const steps = stats.episodeSteps;
      const ended = stats.takeEpisodes(); // in ascending sub-env order within a step
      let k = 0;
      for (let i = 0; i < episodes; i++) {
        if (steps[i] !== 0) continue;
        const e = ended[k++]!;
        if (first[i] === undefined) {
          first[i] = e.reward;
          left--;
        }
      }
    }
    if (left > 0)
      throw new Error(`evaluateGreedy: ${left} of ${episodes} episodes did not end within ${maxSteps} steps`);
    const rewards = first as number[];
    const mean = rewards.reduce((a, b) => a + b, 0) / rewards.length;
    return { rewards, mean, min: Math.min(...rewards), max: Math.max(...rewards) };
  } finally {
    env.close();
  }
}
