import { HostArray, type TensorDict, formatShape, type Shape } from "@tdrl/tensordict";
import { missingKeyError } from "./transform";

/** One row per sub-env: the number of elements of the record's batch. */
export function rowsOf(record: TensorDict): number {
  return record.numel;
}

/**
 * Memo of `rowShape`. Keyed by the batch-size array itself: records of one env share one frozen batch
 * size, so each step finds its shape here instead of building and freezing a new array per flag.
 */
const ROW_SHAPES = new WeakMap<Shape, Shape>();

/** `[...batchSize, 1]`, frozen (HostArray then keeps it as is), made once per batch-size array. */
export function rowShape(batchSize: Shape): Shape {
  let shape = ROW_SHAPES.get(batchSize);
  if (shape === undefined) {
    shape = Object.freeze([...batchSize, 1]);
    if (Object.isFrozen(batchSize)) ROW_SHAPES.set(batchSize, shape);
  }
  return shape;
}

/** A bool `[...batch, 1]` flag array over `data` (one byte per sub-env). */
export function batchFlag(batchSize: Shape, data: Uint8Array): HostArray<"bool"> {
  return new HostArray("bool", rowShape(batchSize), data);
}

/** The bytes of the bool flag at `key`, one per sub-env; errors name the transform `name`. */
export function flagsOf(name: string, record: TensorDict, key: string): Uint8Array {
  if (!record.has(key)) throw missingKeyError(name, key, record, "the record");
  const value = record.get(key) as unknown;
  if (!(value instanceof HostArray) || value.dtype !== "bool" || value.size !== record.numel) {
    const got = value instanceof HostArray ? `${value.dtype}${formatShape(value.shape)}` : String(value);
    throw new Error(
      `${name}: "${key}" must be a bool host array with one flag per sub-env (${record.numel}), got ${got}`,
    );
  }
  return value.data as Uint8Array;
}
