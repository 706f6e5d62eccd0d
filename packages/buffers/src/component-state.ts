import type { JsonValue } from "@tdrl/tensordict";

/** Plain JSON values (`@tdrl/tensordict`'s): what a component's `state().meta` may hold (it is written with `JSON.stringify`). */
export type { JsonValue };

/** Typed arrays a component may put in `state().arrays`; checkpoints write them as raw binary files. */
export type StateArray = Float32Array | Float64Array | Int32Array | Uint32Array | Uint8Array;

/**
 * The checkpoint of a storage, sampler or writer. Large numeric state (priority trees, stored leaves) goes
 * in `arrays`, which checkpoints write as binary files, not as JSON numbers: a 1M-entry sum tree is 8 MB
 * of float64 but ~20 MB of JSON text, and JSON would round float32 values differently on reload.
 *
 * `kind` names the component class; `loadState` refuses a state of another kind, naming both.
 */
export interface ComponentState {
  readonly kind: string;
  readonly meta: { readonly [key: string]: JsonValue };
  readonly arrays: { readonly [name: string]: StateArray };
}

/** Throws unless `state` was made by a component of kind `kind`; `what` names the caller. */
export function assertKind(state: ComponentState, kind: string, what: string): void {
  if (state.kind !== kind)
    throw new Error(
      `${what}.loadState: the state is a ${JSON.stringify(state.kind)} state, expected ${JSON.stringify(kind)}`,
    );
}

/** The array `name` of a state, checked for its class; `what` names the caller. */
export function stateArray<A extends StateArray>(
  state: ComponentState,
  name: string,
  type: { new (n: number): A; name: string },
  what: string,
): A {
  const array = state.arrays[name];
  if (array === undefined)
    throw new Error(
      `${what}.loadState: the state has no array "${name}" (it has: ${Object.keys(state.arrays).join(", ") || "none"})`,
    );
  if (!(array instanceof type))
    throw new Error(`${what}.loadState: array "${name}" is a ${array.constructor.name}, expected a ${type.name}`);
  return array;
}

/** The number at `meta[name]`, checked to be a finite number; `what` names the caller. */
export function metaNumber(state: ComponentState, name: string, what: string): number {
  const value = state.meta[name];
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new Error(`${what}.loadState: meta "${name}" should be a finite number, got ${JSON.stringify(value)}`);
  }
  return value;
}
