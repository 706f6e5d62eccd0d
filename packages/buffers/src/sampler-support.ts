import type { Rng, RngState } from "@tdrl/tensordict";
import type { JsonValue } from "./component-state";
import type { Storage } from "./storage";

/** Options every sampler takes: its random stream (there is no global generator). */
export interface SamplerRngOptions {
  /** The generator the sampler draws from; default `new Rng(0)`. */
  rng?: Rng;
}

/** Throws unless `batchSize` is a positive integer and `storage` holds something; `what` names the caller. */
export function checkSampleArgs(storage: Storage, batchSize: number, what: string): void {
  if (!Number.isSafeInteger(batchSize) || batchSize < 1)
    throw new Error(`${what}: batchSize must be a positive integer, got ${batchSize}`);
  if (storage.length === 0)
    throw new Error(`${what}: the storage is empty (maxSize ${storage.maxSize}); extend the buffer before sampling`);
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
  if (priority.length !== index.length)
    throw new Error(`${what}: ${index.length} indices but ${priority.length} priorities`);
  let max = currentMax;
  for (let j = 0; j < index.length; j++) {
    checkIndex(index[j]!, what);
    const p = priority[j]!;
    if (!(p >= 0 && Number.isFinite(p)))
      throw new Error(`${what}: priority ${p} at position ${j} (index ${index[j]}) is not a finite number >= 0`);
    if (p > max) max = p;
  }
  return max;
}

/**
 * Checks an index given to `updatePriority`: inside `[0, maxCapacity)` and holding an element (below
 * `length`, the stored length the sampler has seen through `extend`). A priority on an empty slot would
 * draw that slot (clamped to the last stored element) and skew every importance weight.
 */
export function checkStoredIndex(i: number, length: number, maxCapacity: number, what: string): number {
  if (!(i >= 0 && i < maxCapacity && Number.isInteger(i)))
    throw new Error(`${what}: index ${i} is out of range [0, ${maxCapacity}) (maxCapacity)`);
  if (i >= length) {
    throw new Error(
      `${what}: index ${i} holds nothing yet: the buffer has stored ${length} element${length === 1 ? "" : "s"} (indices below ${length}); set priorities only for stored elements`,
    );
  }
  return i;
}

/** The stored length implied by priority leaves of an older state without "length": one past the last non-zero leaf. */
export function lengthFromLeaves(leaves: Float64Array): number {
  for (let i = leaves.length - 1; i >= 0; i--) if (leaves[i] !== 0) return i + 1;
  return 0;
}

/** The "length" meta of a prioritized sampler's state (or `fallback` for states written before it existed), range-checked. */
export function metaLength(
  meta: { readonly [key: string]: JsonValue },
  maxCapacity: number,
  fallback: () => number,
  what: string,
): number {
  const value = meta.length;
  if (value === undefined) return fallback();
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0 || value > maxCapacity) {
    throw new Error(
      `${what}.loadState: meta "length" should be an integer in [0, ${maxCapacity}] (maxCapacity), got ${JSON.stringify(value)}`,
    );
  }
  return value;
}
