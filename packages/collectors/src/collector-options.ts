import type { ExplorationType } from "@tdrl/tensordict";
import type { SyncDataCollectorOptions } from "./sync-data-collector";

const EXPLORATION_TYPES: readonly ExplorationType[] = ["random", "deterministic", "mode", "mean"];

/** `SyncDataCollectorOptions`' numbers and exploration type, checked, with their defaults. */
export interface CheckedCollectorOptions {
  framesPerBatch: number;
  totalFrames: number;
  initRandomFrames: number;
  maxFramesPerTraj: number;
  explorationType: ExplorationType;
}

/**
 * Checks every `SyncDataCollectorOptions` value (`what` names the collector in messages). The worker-based
 * collectors run it too, so a bad option throws in the constructor, before any worker is started, rather
 * than from a worker's `SyncDataCollector` once the iteration begins.
 */
export function checkCollectorOptions(o: SyncDataCollectorOptions, what: string): CheckedCollectorOptions {
  const framesPerBatch = o.framesPerBatch;
  if (!(Number.isSafeInteger(framesPerBatch) && framesPerBatch >= 1))
    throw new Error(`${what}: framesPerBatch must be a positive integer, got ${String(framesPerBatch)}`);
  const totalFrames = o.totalFrames ?? -1;
  if (!(totalFrames === -1 || (Number.isSafeInteger(totalFrames) && totalFrames >= 1)))
    throw new Error(`${what}: totalFrames must be -1 (no end) or a positive integer, got ${String(totalFrames)}`);
  const initRandomFrames = o.initRandomFrames ?? 0;
  if (!(Number.isSafeInteger(initRandomFrames) && initRandomFrames >= 0))
    throw new Error(`${what}: initRandomFrames must be a non-negative integer, got ${String(initRandomFrames)}`);
  const maxFramesPerTraj = o.maxFramesPerTraj ?? -1;
  if (!(maxFramesPerTraj === -1 || (Number.isSafeInteger(maxFramesPerTraj) && maxFramesPerTraj >= 1))) {
    throw new Error(
      `${what}: maxFramesPerTraj must be -1 (no limit) or a positive integer, got ${String(maxFramesPerTraj)}`,
    );
  }
  const explorationType = o.explorationType ?? "random";
  if (!EXPLORATION_TYPES.includes(explorationType))
    throw new Error(
      `${what}: explorationType must be one of ${EXPLORATION_TYPES.join(", ")}, got ${JSON.stringify(explorationType)}`,
    );
  if (o.resetAtEachIter !== undefined && typeof o.resetAtEachIter !== "boolean")
    throw new Error(`${what}: resetAtEachIter must be a boolean, got ${String(o.resetAtEachIter)}`);
  if (o.splitTrajs !== undefined && typeof o.splitTrajs !== "boolean")
    throw new Error(`${what}: splitTrajs must be a boolean, got ${String(o.splitTrajs)}`);
  if (o.postproc !== undefined && typeof o.postproc !== "function")
    throw new Error(`${what}: postproc must be a function, got ${typeof o.postproc}`);
  if (o.replayBuffer !== undefined && typeof (o.replayBuffer as { extend?: unknown }).extend !== "function")
    throw new Error(`${what}: replayBuffer must have an extend() method`);
  if (o.seed !== undefined && !Number.isSafeInteger(o.seed))
    throw new Error(`${what}: seed must be a safe integer, got ${String(o.seed)}`);
  return { framesPerBatch, totalFrames, initRandomFrames, maxFramesPerTraj, explorationType };
}
