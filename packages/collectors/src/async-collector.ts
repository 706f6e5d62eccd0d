import type { EnvModuleRef } from "@tdrl/envs/node";
import type { PolicyModuleRef } from "./collector-worker-protocol";
import { MultiAsyncDataCollector } from "./multi-async-data-collector";
import type { MultiCollectorOptions } from "./multi-collector";

/** `AsyncCollector`'s options: a `MultiAsyncDataCollector`'s, with one worker. */
export type AsyncCollectorOptions = Omit<MultiCollectorOptions, "numWorkers">;

/**
 * Collects in one worker thread while the main thread trains (TorchRL's `aSyncDataCollector`): the worker
 * collects batch k + 1 while the loop body learns from batch k, so on two cores acting and learning overlap.
 * Push the learner's weights every few updates with `updatePolicyWeights()` (from the `policyWeights`
 * option) or `updatePolicyWeights(module)`; the worker picks them up after the batch it is collecting.
 * Otherwise a `MultiAsyncDataCollector` with `numWorkers: 1`.
 *
 * @example
 * // With a learner: policy from your factory module, options { policyWeights: qNet }, and in the loop
 * // `if (++updates % 10 === 0) await collector.updatePolicyWeights();`.
 * const collector = new AsyncCollector(
 *   { module: "@tdrl/envs", exportName: "CartPoleEnv" },
 *   { module: "@tdrl/collectors", exportName: "randomPolicy" },
 *   { framesPerBatch: 50, totalFrames: 200, seed: 0 },
 * );
 * let frames = 0;
 * for await (const batch of collector) {
 *   frames += batch.batchSize[0]!; // train on `batch` here; the worker is collecting the next one meanwhile
 * }
 * await collector.shutdown();
 * console.log(frames); // 200
 */
export class AsyncCollector<O extends AsyncCollectorOptions = AsyncCollectorOptions> extends MultiAsyncDataCollector<
  O & { numWorkers: 1 }
> {
  constructor(env: EnvModuleRef, policy: PolicyModuleRef, options: O) {
    if (typeof options !== "object" || options === null)
      throw new Error("AsyncCollector: options must be an object with framesPerBatch");
    if ("numWorkers" in options && (options as { numWorkers?: unknown }).numWorkers !== 1) {
      throw new Error(
        `AsyncCollector: it has one worker; got numWorkers ${String((options as { numWorkers?: unknown }).numWorkers)} (use MultiAsyncDataCollector for more)`,
      );
    }
    super(env, policy, { ...options, numWorkers: 1 }, "AsyncCollector");
  }
}
