import {
  Rng,
  decodeTypedArray,
  encodeTypedArray,
  formatShape,
  shapesEqual,
  type EncodedTypedArray,
  type JsonValue,
  type RngState,
} from "@tdrl/tensordict";

/** Bumped when the layout of `EnvState` changes; `loadState` refuses other versions. */
export const ENV_STATE_VERSION = 1;

/**
 * A checkpoint of an env (`EnvBase.state()`): plain JSON, typed arrays as base64 bytes, so
 * `JSON.parse(JSON.stringify(state))` loads back bit for bit. `kind` is the env's name and `env` the
 * subclass's own part.
 */
export type EnvState = {
  kind: string;
  version: number;
  batchSize: number[];
  hasReset: boolean;
  doneFlags: EncodedTypedArray;
  rng: JsonValue;
  actionRng: JsonValue;
  env: JsonValue;
};

/** The base-class part of a state, decoded and checked. */
export interface DecodedEnvBase {
  hasReset: boolean;
  doneFlags: Uint8Array;
  rng: Rng;
  actionRng: Rng;
}

/** An `RngState` as a JSON value (its readonly tuples copied into plain arrays). */
export function rngToJson(rng: Rng): JsonValue {
  const s = rng.state();
  return { algorithm: s.algorithm, words: [...s.words], key: [...s.key], spare: s.spare };
}

/** A saved Rng, validated by `Rng.setState`; `what` names the field. */
export function rngFromJson(value: unknown, what: string): Rng {
  try {
    return Rng.fromState(value as RngState);
  } catch (error) {
    throw new Error(`${what}: ${(error as Error).message}`, { cause: error });
  }
}

export function encodeEnvBase(
  kind: string,
  batchSize: readonly number[],
  base: DecodedEnvBase,
  env: JsonValue,
): EnvState {
  return {
    kind,
    version: ENV_STATE_VERSION,
    batchSize: [...batchSize],
    hasReset: base.hasReset,
    doneFlags: encodeTypedArray(base.doneFlags),
    rng: rngToJson(base.rng),
    actionRng: rngToJson(base.actionRng),
    env,
  };
}

/** Checks kind, version and batch size of `state` and decodes the base part; throws naming the field. */
export function decodeEnvBase(
  state: unknown,
  kind: string,
  batchSize: readonly number[],
  what: string,
): DecodedEnvBase {
  const s = asObject(state, what, "the state");
  if (s.kind !== kind)
    throw new Error(`${what}: "kind" is ${JSON.stringify(s.kind)}, this env is ${JSON.stringify(kind)}`);
  if (s.version !== ENV_STATE_VERSION)
    throw new Error(`${what}: "version" is ${JSON.stringify(s.version)}, expected ${ENV_STATE_VERSION}`);
  if (!Array.isArray(s.batchSize) || !shapesEqual(s.batchSize as number[], batchSize)) {
    throw new Error(`${what}: "batchSize" is ${JSON.stringify(s.batchSize)}, this env has ${formatShape(batchSize)}`);
  }
  if (typeof s.hasReset !== "boolean")
    throw new Error(`${what}: "hasReset" must be a boolean, got ${JSON.stringify(s.hasReset)}`);
  const numEnvs = batchSize.reduce((a, b) => a * b, 1);
  const doneFlags = flagsField(s.doneFlags, `${what}: "doneFlags"`, numEnvs);
  return {
    hasReset: s.hasReset,
    doneFlags,
    rng: rngFromJson(s.rng, `${what}: "rng"`),
    actionRng: rngFromJson(s.actionRng, `${what}: "actionRng"`),
  };
}

/** A uint8 array of `length` 0/1 flags. */
export function flagsField(value: unknown, what: string, length: number): Uint8Array {
  const flags = decodeTypedArray(value, "uint8", what, length);
  const bad = flags.findIndex((f) => f > 1);
  if (bad !== -1) throw new Error(`${what}: holds ${flags[bad]} at index ${bad}, not a flag (0 or 1)`);
  return flags;
}

/** `value` as a plain object, or an error naming `field`. */
export function asObject(value: unknown, what: string, field: string): { [key: string]: unknown } {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Error(
      `${what}: ${field} must be an object, got ${value === null ? "null" : Array.isArray(value) ? "an array" : typeof value}`,
    );
  }
  return value as { [key: string]: unknown };
}

/** `value` as an array of exactly `length` items, or an error naming the field. */
export function arrayField(value: unknown, what: string, length: number): unknown[] {
  if (!Array.isArray(value) || value.length !== length) {
    throw new Error(
      `${what}: expected an array of ${length}, got ${Array.isArray(value) ? `an array of ${value.length}` : JSON.stringify(value)}`,
    );
  }
  return value;
}
