import { Rng, type RngState } from "@tdrl/tensordict";
import type { JsonValue } from "./component-state";
import type { Storage } from "./storage";

/** Options every sampler takes: its random stream (there is no global generator). */
export interface SamplerRngOptions {
  /** The generator the sampler draws from; default `new Rng(0)`. */
  rng?: Rng;
}

/** Throws unless `batchSize` is a positive integer and `storage` holds something; `what` names the caller. */
export function checkSampleArgs(storage: Storage, batchSize: number, what: string): void {
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new Error(`${what}: batchSize must be a positive integer, got ${batchSize}`);
  if (storage.length === 0) throw new Error(`${what}: the storage is empty (maxSize ${storage.maxSize}); extend the buffer before sampling`);
}

/** An Rng state as plain JSON for `ComponentState.meta`. */
export function rngToJson(rng: Rng): JsonValue {
  const s = rng.state();
  return { algorithm: s.algorithm, words: [...s.words], key: [...s.key], spare: s.spare };
}

/** Restores `rng` from `rngToJson` output; `Rng.setState` validates it and names what is wrong. */
export function rngFromJson(rng: Rng, value: JsonValue | undefined, what: string): void {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Error(`${what}.loadState: meta "rng" should be an Rng state object, got ${JSON.stringify(value)}`);
  }
  rng.setState(value as unknown as RngState);
}

/**
 * Checks a batch of priority updates before anything changes (lengths, every index, every priority finite
 * and >= 0) and returns the new running maximum priority.
 */
export function checkPriorityUpdate(
  index: Int32Array,
  priority: Float32Array,
  currentMax: number,
  checkIndex: (i: number, what: string) => number,
  what: string,
): number {
  if (priority.length !== index.length) throw new Error(`${what}: ${index.length} indices but ${priority.length} priorities`);
  let max = currentMax;
  for (let j = 0; j < index.length; j++) {
    checkIndex(index[j]!, what);
    const p = priority[j]!;
    if (!(p >= 0 && Number.isFinite(p))) throw new Error(`${what}: priority ${p} at position ${j} (index ${index[j]}) is not a finite number >= 0`);
    if (p > max) max = p;
  }
  return max;
}
