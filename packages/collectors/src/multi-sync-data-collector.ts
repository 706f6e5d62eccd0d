import { TensorDict } from "@tdrl/tensordict";
import type { EnvModuleRef } from "@tdrl/envs/node";
import type { PolicyModuleRef } from "./collector-worker-protocol";
import { MultiCollector, type MultiCollectorOptions } from "./multi-collector";
import type { CollectorOutput } from "./sync-data-collector";

/**
 * `numWorkers` copies of an env and a policy, each in its own `worker_thread` running a `SyncDataCollector`,
 * in lockstep (TorchRL's `MultiSyncDataCollector`): every batch asks each worker for
 * `framesPerBatch / numWorkers` frames and waits for all of them, then yields them stacked, batch size
 * `[numWorkers, ...workerEnvBatch, T]`. Weights sent with `updatePolicyWeights` between two batches are in
 * every worker before the next one, so the data is on-policy.
 *
 * Functions cannot cross threads, so the env and the policy come from modules: `env` names an
 * `EnvFactory` (or an `EnvBase` class) as for `ParallelEnv`, `policy` a `PolicyFactory`. Worker `i` is
 * seeded with `seed + i`, so its batches are those of a `SyncDataCollector` over that worker's env and policy
 * with that seed; trajectory ids `k` of worker `i` become `k * numWorkers + i` (unique over the workers,
 * kept across batches; TorchRL re-offsets them per batch, so its ids change at batch boundaries).
 * Each worker inits its own tfjs backend. An error in a worker is rethrown here with its stack (and as
 * `cause`) and ends every worker; `shutdown()` ends them too. Workers never keep the process alive while
 * the collector is not being iterated.
 *
 * @example
 * // Your own factories: { module: new URL("./my-policies.js", import.meta.url), exportName: "makePolicy" }.
 * const env = { module: "@tdrl/envs", exportName: "CartPoleEnv" };
 * const policy = { module: "@tdrl/collectors", exportName: "randomPolicy" };
 * const collector = new MultiSyncDataCollector(env, policy, { numWorkers: 2, framesPerBatch: 200, totalFrames: 1000, seed: 0 });
 * try {
 *   for await (const batch of collector) console.log(batch.batchSize); // [2, 100], five times
 * } finally {
 *   await collector.shutdown();
 * }
 */
export class MultiSyncDataCollector<O extends MultiCollectorOptions = MultiCollectorOptions> extends MultiCollector<O> {
  constructor(env: EnvModuleRef, policy: PolicyModuleRef, options: O) {
    super("MultiSyncDataCollector", env, policy, options, (framesPerBatch, numWorkers) => {
      if (framesPerBatch % numWorkers !== 0) {
        throw new Error(
          `MultiSyncDataCollector: framesPerBatch ${framesPerBatch} is not a multiple of numWorkers ${numWorkers}; use ${Math.ceil(framesPerBatch / numWorkers) * numWorkers}`,
        );
      }
      return framesPerBatch / numWorkers;
    });
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<CollectorOutput<O>, void, undefined> {
    if ((await this.started()) === null) return;
    while (!this.closed && (this.totalFrames === -1 || this.frames < this.totalFrames)) {
      const parts: TensorDict[] = [];
      try {
        for (let w = 0; w < this.numWorkers; w++) this.workers.request(w);
        for (let w = 0; w < this.numWorkers; w++) parts.push(this.globalIds((await this.workers.take(w)).batch, w));
      } catch (error) {
        if (this.closed) return;
        throw error;
      }
      this.frames += this.framesPerBatch;
      this.iterations++;
      yield this.output(TensorDict.stack(parts, 0));
    }
  }
}
