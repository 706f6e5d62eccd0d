import type * as tf from "@tensorflow/tfjs-core";
import { isHostArray, isTensor, type AnyPath, type TensorDict } from "@tdrl/tensordict";

/** A key of a TensorDict entry: a dotted string (`"next.reward"`) or a tuple (`["next", "reward"]`). */
export type NestedKey = AnyPath;

/** `"a.b"` for messages, whichever form the key was given in. */
export function keyName(key: NestedKey): string {
  return typeof key === "string" ? key : key.join(".");
}

export function sameKey(a: NestedKey, b: NestedKey): boolean {
  return keyName(a) === keyName(b);
}

/**
 * The entries at `keys` as tensors: tensor leaves as they are, host leaves moved to the backend in one
 * `toTensors` call. `release()` frees only what was moved here. Throws naming the module and the missing key.
 */
export function readTensors(
  td: TensorDict,
  keys: readonly NestedKey[],
  what: string,
): { tensors: tf.Tensor[]; release: () => void } {
  const hostKeys: NestedKey[] = [];
  for (const key of keys) {
    if (!td.has(key)) {
      throw new Error(
        `${what}: input key "${keyName(key)}" is missing from the TensorDict (it has ${td.keys({ nested: true, leavesOnly: true }).join(", ") || "no keys"})`,
      );
    }
    const entry = td.get(key);
    if (!isTensor(entry) && !isHostArray(entry))
      throw new Error(`${what}: input key "${keyName(key)}" holds a nested TensorDict, not a leaf`);
    if (!isTensor(entry)) hostKeys.push(key);
  }
  const moved = hostKeys.length > 0 ? td.toTensors(hostKeys) : undefined;
  const tensors = keys.map((key) =>
    moved !== undefined && hostKeys.includes(key) ? moved.getTensor(key) : td.getTensor(key),
  );
  return { tensors, release: () => moved?.dispose() };
}

/**
 * Writes `tensors` under `keys`, naming the module and key when the TensorDict refuses one (e.g. a
 * batch-size mismatch); a refused write puts back what the earlier keys held. A tensor leaf written over is
 * freed (the TensorDict owned it), unless it is still held: written again here, or stored under another key.
 */
export function writeTensors(
  td: TensorDict,
  keys: readonly NestedKey[],
  tensors: readonly tf.Tensor[],
  what: string,
): void {
  if (tensors.length !== keys.length) {
    throw new Error(
      `${what}: produced ${tensors.length} output(s) for ${keys.length} out key(s) (${keys.map(keyName).join(", ")})`,
    );
  }
  const before: unknown[] = [];
  keys.forEach((key, i) => {
    const old = td.has(key) ? td.get(key) : undefined;
    try {
      td.set(key, tensors[i]!);
    } catch (e) {
      for (let j = i - 1; j >= 0; j--) {
        if (before[j] === undefined) td.delete(keys[j]!);
        else td.set(keys[j]!, before[j] as Parameters<TensorDict["set"]>[1]);
      }
      throw new Error(`${what}: cannot write out key "${keyName(key)}": ${(e as Error).message}`);
    }
    before.push(old);
  });
  disposeUnheld(td, before);
}

/**
 * Frees the tensors among `entries` that `td` no longer holds under any key: the ownership rule for
 * tensors a module writes over or drops (the same tensor may sit under two keys; freeing it there would
 * free a live leaf).
 */
export function disposeUnheld(td: TensorDict, entries: readonly unknown[]): void {
  const gone = entries.filter((e): e is tf.Tensor => isTensor(e));
  if (gone.length === 0) return;
  const held = new Set<unknown>();
  for (const [, leaf] of td.leaves()) held.add(leaf);
  for (const t of new Set(gone)) if (!held.has(t)) t.dispose();
}

/**
 * A module's forward pass on a TensorDict: reads `inKeys` as tensors (`readTensors`), computes the outputs,
 * frees what the read moved, then writes the outputs at `outKeys` (`writeTensors`, which frees the tensors they
 * replace), freeing the outputs if the write fails.
 */
export function forwardTensors(
  td: TensorDict,
  inKeys: readonly NestedKey[],
  outKeys: readonly NestedKey[],
  what: string,
  compute: (tensors: tf.Tensor[]) => tf.Tensor[],
): TensorDict {
  const { tensors, release } = readTensors(td, inKeys, what);
  let outputs: tf.Tensor[];
  try {
    outputs = compute(tensors);
  } finally {
    release();
  }
  try {
    writeTensors(td, outKeys, outputs, what);
  } catch (e) {
    disposeUnheld(td, outputs);
    throw e;
  }
  return td;
}
