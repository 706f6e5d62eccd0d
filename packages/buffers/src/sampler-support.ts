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
