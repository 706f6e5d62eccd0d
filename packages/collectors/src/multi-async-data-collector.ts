import type { EnvModuleRef } from "@tdrl/envs/node";
import type { PolicyModuleRef } from "./collector-worker-protocol";
import type { ArrivedBatch } from "./collector-workers";
import { MultiCollector, type MultiCollectorOptions } from "./multi-collector";
import type { CollectorOutput } from "./sync-data-collector";

/**
 * `numWorkers` copies of an env and a policy in `worker_threads`, collecting independently (TorchRL's
 * `MultiaSyncDataCollector`): each yielded batch is one worker's `framesPerBatch` frames (batch size
 * `[...workerEnvBatch, T]`), from whichever worker is ready first, and that worker starts its next batch
 * before the batch is yielded, so collection overlaps with whatever the loop body does. The price is a lag:
 * a weights update reaches a worker after the batch it is collecting, so batches can be one update behind.
 *
 * Same module references, seeding, trajectory ids, errors and shutdown as `MultiSyncDataCollector`;
 * each worker's batches are those of a `SyncDataCollector` with seed `seed + i`, only the order in which
 * workers' batches interleave depends on timing. Exactly `ceil(totalFrames / framesPerBatch)` batches are
 * collected: no worker is asked for a batch that would not be yielded.
 *
 * @example
 * const env = { module: "@tdrl/envs", exportName: "CartPoleEnv" };
 * const policy = { module: "@tdrl/collectors", exportName: "randomPolicy" };
 * const collector = new MultiAsyncDataCollector(env, policy, { numWorkers: 2, framesPerBatch: 100, totalFrames: 1000 });
 * try {
 *   for await (const batch of collector) console.log(batch.batchSize); // [100], ten times
 * } finally {
 *   await collector.shutdown();
 * }
 */
export class MultiAsyncDataCollector<
  O extends MultiCollectorOptions = MultiCollectorOptions,
> extends MultiCollector<O> {
  /** Batches asked of the workers so far (yielded, or on the way). */
  private requested = 0;

  constructor(env: EnvModuleRef, policy: PolicyModuleRef, options: O, what = "MultiAsyncDataCollector") {
    super(what, env, policy, options, (framesPerBatch) => framesPerBatch);
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<CollectorOutput<O>, void, undefined> {
    if ((await this.started()) === null) return;
    const batches = this.totalFrames === -1 ? Infinity : Math.ceil(this.totalFrames / this.framesPerBatch);
    const ask = (worker: number) => {
      if (this.requested >= batches) return;
      this.workers.request(worker);
      this.requested++;
    };
    // Workers still busy from an earlier loop that ended early (break) deliver into this one.
    for (let w = 0; w < this.numWorkers; w++) if (!this.workers.busy(w)) ask(w);
    while (!this.closed && this.iterations < batches) {
      let arrived: ArrivedBatch;
      try {
        arrived = await this.workers.take(null);
        ask(arrived.worker);
      } catch (error) {
        if (this.closed) return;
        throw error;
      }
      this.frames += this.framesPerBatch;
      this.iterations++;
      yield this.output(this.globalIds(arrived.batch, arrived.worker));
    }
  }

  protected override afterLoadState(): void {
    this.requested = this.iterations;
  }
}
