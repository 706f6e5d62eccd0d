import { decodeTypedArray, encodeTypedArray, type JsonValue, type Rng } from "@tdrl/tensordict";
import { arrayField, asObject, flagsField, rngFromJson, rngToJson } from "../env-state";

/** What a CartPoleEnv keeps between steps: the arrays are its own (loading writes into them). */
export interface CartPoleArrays {
  /** `[x, x_dot, theta, theta_dot]` per cart, float64. */
  physics: Float64Array;
  elapsed: Int32Array;
  lastTerminated: Uint8Array;
  lastTruncated: Uint8Array;
  subRngs: Rng[];
}

/**
 * The `_state` part of a CartPoleEnv. `config` holds the options that change the dynamics or the
 * records, so a state is not loaded into an env built differently (it would step on, but wrongly).
 */
export function encodeCartPole(config: JsonValue, a: CartPoleArrays): JsonValue {
  return {
    config,
    physics: encodeTypedArray(a.physics),
    elapsed: encodeTypedArray(a.elapsed),
    lastTerminated: encodeTypedArray(a.lastTerminated),
    lastTruncated: encodeTypedArray(a.lastTruncated),
    subRngs: a.subRngs.map(rngToJson),
  };
}

/** Checks a saved `_state` part against `into` (same config, same number of carts); returns what writes it. */
export function decodeCartPole(value: JsonValue, config: JsonValue, into: CartPoleArrays, what: string): () => void {
  const s = asObject(value, what, '"env"');
  if (JSON.stringify(s.config) !== JSON.stringify(config)) {
    throw new Error(
      `${what}: "env.config" is ${JSON.stringify(s.config)}, this env was built with ${JSON.stringify(config)}`,
    );
  }
  const n = into.elapsed.length;
  const physics = decodeTypedArray(s.physics, "float64", `${what}: "env.physics"`, 4 * n);
  const bad = physics.findIndex((v) => !Number.isFinite(v));
  if (bad !== -1) throw new Error(`${what}: "env.physics" holds ${physics[bad]} at index ${bad}, not a finite number`);
  const elapsed = decodeTypedArray(s.elapsed, "int32", `${what}: "env.elapsed"`, n);
  const negative = elapsed.findIndex((v) => v < 0);
  if (negative !== -1)
    throw new Error(`${what}: "env.elapsed" holds ${elapsed[negative]} at index ${negative}, not a step count`);
  const lastTerminated = flagsField(s.lastTerminated, `${what}: "env.lastTerminated"`, n);
  const lastTruncated = flagsField(s.lastTruncated, `${what}: "env.lastTruncated"`, n);
  const subRngs = arrayField(s.subRngs, `${what}: "env.subRngs"`, n).map((r, i) =>
    rngFromJson(r, `${what}: "env.subRngs[${i}]"`),
  );
  return () => {
    into.physics.set(physics);
    into.elapsed.set(elapsed);
    into.lastTerminated.set(lastTerminated);
    into.lastTruncated.set(lastTruncated);
    into.subRngs.splice(0, into.subRngs.length, ...subRngs);
  };
}
