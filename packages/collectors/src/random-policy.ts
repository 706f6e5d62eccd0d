import type { PolicyFactory } from "./collector-worker-protocol";

/**
 * A `PolicyFactory` for a policy that takes uniformly random actions from the worker env's action spec
 * (`env.randAction`, drawn from the env's seeded generator, so runs repeat): a baseline, a benchmark
 * policy, or the warm-up actor of an off-policy run. Use it as `{ module: "@tdrl/collectors", exportName: "randomPolicy" }`.
 *
 * @example
 * const collector = new MultiSyncDataCollector(
 *   { module: "@tdrl/envs", exportName: "CartPoleEnv" },
 *   { module: "@tdrl/collectors", exportName: "randomPolicy" },
 *   { numWorkers: 2, framesPerBatch: 20, totalFrames: 40, seed: 0 },
 * );
 * for await (const batch of collector) console.log(batch.batchSize); // [2, 10], twice
 * await collector.shutdown();
 */
export const randomPolicy: PolicyFactory<unknown> =
  (_index, _args, { env }) =>
  (td) =>
    env.randAction(td);
