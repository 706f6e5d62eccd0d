import type * as tf from "@tensorflow/tfjs-core";
import { isHostArray, isTensor, type TensorDict } from "@tdrl/tensordict";
import { keyName, type NestedKey } from "./keys";

/** Whether an RNN module runs one step per call (acting) or whole `[B, T]` sequences (training). */
export type RecurrentMode = "step" | "sequence";

/**
 * `is_init` read on the host as 0/1 per (sample, step): shape `[...lead, T]` or `[...lead, T, 1]` in
 * sequence mode, `[...lead]` or `[...lead, 1]` in step mode; it must be bool (a float or int flag is
 * refused: it is not a flag). Missing means no episode starts; that is refused when `required` (sequence
 * mode, where a missing `is_init` would carry the hidden state across every episode start of the batch).
 */
export function readIsInit(
  td: TensorDict,
  key: NestedKey,
  n: number,
  t: number,
  what: string,
  required: boolean,
): ArrayLike<number> | null {
  if (!td.has(key)) {
    if (!required) return null;
    throw new Error(
      `${what}: "${keyName(key)}" is missing (the batch has ${td.keys({ nested: true, leavesOnly: true }).join(", ") || "no keys"}); sequence mode needs it to reset the hidden state where episodes start (InitTracker writes it)`,
    );
  }
  const entry = td.get(key);
  let values: ArrayLike<number>;
  if (isHostArray(entry)) values = entry.data;
  else if (isTensor(entry)) values = entry.dataSync() as ArrayLike<number>;
  else throw new Error(`${what}: "${keyName(key)}" holds a nested TensorDict, not a bool leaf`);
  if (entry.dtype !== "bool")
    throw new Error(`${what}: "${keyName(key)}" has dtype ${entry.dtype}; it must be bool (episode-start flags)`);
  if (values.length !== n * t) {
    throw new Error(
      `${what}: "${keyName(key)}" has shape [${entry.shape.join(", ")}] (${values.length} values); expected one value per sample and step (${n} x ${t})`,
    );
  }
  return values;
}

/** The leading dims and step count of an RNN input: `[...lead, F]` in step mode, `[...lead, T, F]` in sequence mode. */
export function recurrentLayout(
  x: tf.Tensor,
  mode: RecurrentMode,
  features: number,
  what: string,
  key: NestedKey,
): { lead: number[]; n: number; t: number } {
  const minRank = mode === "step" ? 1 : 2;
  if (x.rank < minRank || x.shape[x.rank - 1] !== features) {
    const want = mode === "step" ? `[..., ${features}]` : `[..., T, ${features}]`;
    throw new Error(`${what}: "${keyName(key)}" has shape [${x.shape.join(", ")}]; ${mode} mode expects ${want}`);
  }
  const lead = x.shape.slice(0, mode === "step" ? -1 : -2);
  const t = mode === "step" ? 1 : x.shape[x.rank - 2]!;
  return { lead, n: lead.reduce((p, d) => p * d, 1), t };
}

/** Checks a recurrent state's shape: `[...lead, L, H]` (step) or `[...lead, T, L, H]` (sequence). */
export function checkStateShape(state: tf.Tensor, expected: readonly number[], what: string, key: NestedKey): void {
  if (state.shape.length !== expected.length || state.shape.some((d, i) => d !== expected[i])) {
    throw new Error(
      `${what}: "${keyName(key)}" has shape [${state.shape.join(", ")}], expected [${expected.join(", ")}] (batch dims, then numLayers and hiddenSize)`,
    );
  }
}
