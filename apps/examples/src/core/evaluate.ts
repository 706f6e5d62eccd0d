import type { TensorDict } from "@tdrl/tensordict";
import type { EnvBase } from "@tdrl/envs";
import type { ExplorationType } from "@tdrl/modules";
import { SyncDataCollector } from "@tdrl/collectors";
import type { QActor } from "./actor";
import { EpisodeStats } from "./episode-stats";

/** Summary of a greedy evaluation. */
export interface Evaluation {
  rewards: number[];
  mean: number;
  min: number;
  max: number;
}

/**
 * Plays `episodes` episodes greedily, all at once on a batched env made for it (`makeEnv(episodes, seed)`),
 * so evaluation never touches the training env's random streams. Each sub-env counts its first episode.
 * The env is stepped by a `SyncDataCollector` (one step per rollout, deterministic exploration).
 *
 * @example
 * import { Categorical, Rng } from "@tdrl/tensordict";
 * import { CartPoleEnv } from "@tdrl/envs";
 * import { EGreedyModule } from "@tdrl/modules";
 * import { QActor } from "./actor";
 * import { mlpQNetwork } from "./q-network";
 * const qnet = mlpQNetwork({ inFeatures: 4, numActions: 2, numCells: [16], dueling: false, rng: new Rng(0) });
 * const actor = new QActor(qnet, new EGreedyModule({ spec: new Categorical({ n: 2 }) }));
 * const result = evaluateGreedy((n, seed) => new CartPoleEnv({ batchSize: [n], seed }), actor, { episodes: 3, seed: 7 });
 * result.rewards.length; // 3
 */
export function evaluateGreedy(
  makeEnv: (numEnvs: number, seed: number) => EnvBase,
  actor: QActor,
  options: { episodes: number; seed: number; returnScale?: number; maxSteps?: number; onStep?: (root: TensorDict, env: EnvBase) => void },
): Evaluation {
  const { episodes, seed } = options;
  if (!(Number.isInteger(episodes) && episodes >= 1)) throw new Error(`evaluateGreedy: episodes must be a positive integer, got ${String(episodes)}`);
  const maxSteps = options.maxSteps ?? 10_000;
  const env = makeEnv(episodes, seed);
  try {
    const onStep = options.onStep;
    const policy = (root: TensorDict, exploration: ExplorationType) => {
      onStep?.(root, env);
      return actor.forward(root, exploration);
    };
    // One step per batch, so the last episode's end stops the play at once.
    const collector = new SyncDataCollector(env, policy, { framesPerBatch: episodes, explorationType: "deterministic" });
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
    if (left > 0) throw new Error(`evaluateGreedy: ${left} of ${episodes} episodes did not end within ${maxSteps} steps`);
    const rewards = first as number[];
    const mean = rewards.reduce((a, b) => a + b, 0) / rewards.length;
    return { rewards, mean, min: Math.min(...rewards), max: Math.max(...rewards) };
  } finally {
    env.close();
  }
}
