import type { TensorDict } from "@tdrl/tensordict";
import type { EnvBase } from "@tdrl/envs";
import type { QActor } from "./actor";
import { EnvRunner, type Episode } from "./env-runner";

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
 *
 * @example
 * import { Categorical, Rng } from "@tdrl/tensordict";
 * import { CartPoleEnv } from "@tdrl/envs";
 * import { EGreedyModule } from "@tdrl/modules";
 * import { QActor } from "./actor";
 * import { mlpQNetwork } from "./q-network";
 * const qnet = mlpQNetwork({ inFeatures: 4, numActions: 2, numCells: [16], dueling: false, rng: new Rng(0) });
 * const actor = new QActor(qnet, new EGreedyModule({ spec: new Categorical({ n: 2 }) }));
 * const result = evaluateGreedy((n, seed) => new CartPoleEnv({ batchSize: [n], seed }), actor, { episodes: 3, seed: 7, trackInit: false });
 * result.rewards.length; // 3
 */
export function evaluateGreedy(
  makeEnv: (numEnvs: number, seed: number) => EnvBase,
  actor: QActor,
  options: { episodes: number; seed: number; trackInit: boolean; returnScale?: number; maxSteps?: number; onStep?: (root: TensorDict, env: EnvBase) => void },
): Evaluation {
  const { episodes, seed } = options;
  if (!(Number.isInteger(episodes) && episodes >= 1)) throw new Error(`evaluateGreedy: episodes must be a positive integer, got ${String(episodes)}`);
  const env = makeEnv(episodes, seed);
  try {
    const runner = new EnvRunner(env, { trackInit: options.trackInit, returnScale: options.returnScale ?? 1 });
    const rewards = firstEpisodes(runner, (root) => {
      options.onStep?.(root, env);
      return actor.act(root, "greedy");
    }, options.maxSteps ?? 10_000).map((e) => e.reward);
    const mean = rewards.reduce((a, b) => a + b, 0) / rewards.length;
    return { rewards, mean, min: Math.min(...rewards), max: Math.max(...rewards) };
  } finally {
    env.close();
  }
}

/** Steps `runner` until every sub-env has finished one episode; those episodes, in sub-env order. */
function firstEpisodes(runner: EnvRunner, policy: (root: TensorDict) => TensorDict, maxSteps: number): Episode[] {
  const n = runner.numEnvs;
  const first: (Episode | undefined)[] = new Array(n).fill(undefined);
  let left = n;
  for (let t = 0; t < maxSteps && left > 0; t++) {
    runner.collect(1, policy);
    const steps = runner.episodeSteps;
    const ended = runner.takeEpisodes(); // in ascending sub-env order within a step
    let k = 0;
    for (let i = 0; i < n; i++) {
      if (steps[i] !== 0) continue;
      const e = ended[k++]!;
      if (first[i] === undefined) {
        first[i] = e;
        left--;
      }
    }
  }
  if (left > 0) throw new Error(`evaluateGreedy: ${left} of ${n} episodes did not end within ${maxSteps} steps`);
  return first as Episode[];
}
