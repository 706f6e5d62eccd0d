import { HostArray } from "./host-array";
import { isTensor } from "./leaf";
import { formatShape } from "./shape";

// TensorDict is recognised by its brand (see brand.ts) so this file need not import tensordict.ts, which imports it.
const TENSORDICT_BRAND = Symbol.for("tdrl.TensorDict");

/**
 * Short text for an unexpected value in an error message: what it is, with the dtype and shape of an array
 * or tensor, the batch size of a TensorDict, the length of a JS array, or the value itself for a primitive.
 *
 * @example
 * ```ts
 * import { describeValue, HostArray } from "@tdrl/tensordict";
 *
 * describeValue(HostArray.zeros("float32", [2, 3])); // "a host array float32[2, 3]"
 * describeValue([1, 2]); // "a JS array of 2"
 * describeValue({ a: 1 }); // "a plain object"
 * describeValue("yes"); // "string yes"
 * ```
 */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (value instanceof HostArray) return `a host array ${value.dtype}${formatShape(value.shape)}`;
  if (isTensor(value)) return `a tensor ${value.dtype}${formatShape(value.shape)}`;
  if (typeof value !== "object") return `${typeof value} ${String(value)}`;
  if ((value as Record<symbol, unknown>)[TENSORDICT_BRAND] === true) {
    const { batchSize } = value as { batchSize: readonly number[] };
    return `a TensorDict with batch size ${formatShape(batchSize)}`;
  }
  if (Array.isArray(value)) return `a JS array of ${value.length}`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
  const name = value.constructor?.name;
  return name === undefined || name === "Object" ? "a plain object" : `a ${name}`;
}

/** How to turn a JS array or typed array into a leaf, for messages that expected one; "" for anything else. */
export function leafHint(value: unknown): string {
  if (Array.isArray(value)) return " (wrap it in HostArray.from)";
  return ArrayBuffer.isView(value) ? " (wrap it in a HostArray with a shape)" : "";
}
