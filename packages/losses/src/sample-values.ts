import { isHostArray, isTensor, type TensorDict } from "@tdrl/tensordict";
import { keyName, type NestedKey } from "@tdrl/modules";

/**
 * One number per sample read on the host from `td[key]`, whose shape must be the batch size, optionally with
 * a trailing 1 (`[...B]` or `[...B, 1]`). Targets need no gradient, so they are built on the host.
 */
export function readSampleValues(td: TensorDict, key: NestedKey, what: string): Float32Array {
  if (!td.has(key)) {
    throw new Error(
      `${what}: key "${keyName(key)}" is missing from the TensorDict (it has ${td.keys({ nested: true, leavesOnly: true }).join(", ") || "no keys"})`,
    );
  }
  const entry = td.get(key);
  if (!isHostArray(entry) && !isTensor(entry))
    throw new Error(`${what}: key "${keyName(key)}" holds a nested TensorDict, not a leaf`);
  const n = td.numel;
  const shape = entry.shape;
  const b = td.batchSize;
  const ok =
    (shape.length === b.length || (shape.length === b.length + 1 && shape[shape.length - 1] === 1)) &&
    b.every((d, i) => shape[i] === d);
  if (!ok)
    throw new Error(
      `${what}: key "${keyName(key)}" has shape [${shape.join(", ")}]; expected [${b.join(", ")}] or [${[...b, 1].join(", ")}]`,
    );
  const data = isHostArray(entry) ? entry.data : (entry.dataSync() as ArrayLike<number>);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Number(data[i]);
  return out;
}
