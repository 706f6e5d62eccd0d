import { formatShape, type HostArray, type Shape, type TensorDict } from "@tdrl/tensordict";
import type { ComponentState } from "./component-state";

/**
 * Where a replay buffer keeps its items.
 *
 * **Addressing.** Every stored element has a flat index. The flat indices `0 .. length-1` are exactly the
 * stored elements, in every storage, so a sampler can draw uniformly from `[0, length)` without knowing
 * the layout.
 * - `ndim = 1`: the storage batch shape is `[capacity]` and an item is one element (one transition).
 * - `ndim = 2`: data comes in blocks of batch `[numEnvs, T]` (one row per env, as collectors return it)
 *   and the storage batch shape is `[capacityT, numEnvs]`, **time-major**: element (env `e`, time slot `t`)
 *   has flat index `t * numEnvs + e`. The next step of the same env is `flat + numEnvs` (modulo the
 *   capacity, when the ring wraps). `numEnvs` is fixed by the first write; `capacityT = floor(maxSize / numEnvs)`.
 *   Time-major keeps "the stored elements are `[0, length)`" true while envs advance together.
 *
 * **Writes.** `set(index, data)`: the first `ndim` batch dims of `data`, flattened row-major, line up with
 * `index` (so for `ndim = 2`, `data` has batch `[numEnvs, T]` and `index` has `numEnvs * T` entries).
 * `set` checks everything before it stores anything: a bad key, shape or dtype throws naming the key and
 * both shapes, and leaves the storage unchanged. `length` becomes `max(length, max(index) + 1)`.
 *
 * **Reads.** `get(index)` returns a TensorDict with batch `[index.length]` of host arrays (copies, never
 * views of the storage); the caller reshapes it to the sampler's batch shape.
 *
 * A trajectory seam (where the newest data meets the oldest after the ring wraps) is not tracked by the
 * storage: samplers that need trajectory boundaries read them from the data ("done", "traj_ids").
 */
export interface Storage {
  /** The capacity asked for, in elements. */
  readonly maxSize: number;
  /** Number of leading batch dims of written data that index storage elements: 1 or 2. */
  readonly ndim: 1 | 2;
  /** The storage batch shape (`[capacity]` or `[capacityT, numEnvs]`); `null` until a 2-dim storage's first write. */
  readonly shape: Shape | null;
  /** Elements stored: the flat indices `0 .. length-1`. */
  readonly length: number;
  /**
   * The flat index just after the last element of the last `set` (in data order), modulo the capacity;
   * 0 before any write. It is where a round-robin writer continues, and where the ring's seam is (newest
   * data before it, oldest after it). File-backed storages persist it, so a reopened buffer resumes.
   */
  readonly writeCursor: number;
  set(index: Int32Array, data: TensorDict): void;
  get(index: Int32Array): TensorDict;
  /** One leaf (a dotted path) at `index`, batch `[index.length]`, without reading the other keys. */
  getLeaf(path: string, index: Int32Array): HostArray;
  /** Leaf paths (dotted), once the layout is known; `[]` before the first write. */
  keys(): string[];
  /** Forgets every element (and, for lazy storages, the layout). */
  clear(): void;
  state(): ComponentState;
  loadState(state: ComponentState): void;
}

/**
 * What a storage holds, as a live storage or a checkpoint records it (every `Storage` is one). Writers and
 * samplers check their counters against it when a checkpoint is loaded (`loadState(state, extent)`).
 */
export interface StoredExtent {
  readonly maxSize: number;
  readonly ndim: 1 | 2;
  readonly shape: Shape | null;
  readonly length: number;
  readonly writeCursor: number;
}

/**
 * Checks a storage's counters against its capacity: `length` an integer in [0, capacity], `writeCursor`
 * an integer below the capacity and at most the length (it is one past the last element written).
 */
export function checkCounters(
  length: unknown,
  writeCursor: unknown,
  capacity: number,
  what: string,
): { length: number; writeCursor: number } {
  const int = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;
  if (!int(length) || (length as number) > capacity)
    throw new Error(`${what}: length ${JSON.stringify(length)} is not an integer in [0, ${capacity}] (the capacity)`);
  if (!int(writeCursor) || (writeCursor as number) >= capacity || (writeCursor as number) > (length as number)) {
    throw new Error(
      `${what}: writeCursor ${JSON.stringify(writeCursor)} is not an integer in [0, ${Math.min(length as number, capacity - 1)}] (length ${length}, capacity ${capacity})`,
    );
  }
  return { length: length as number, writeCursor: writeCursor as number };
}

/** A recorded storage shape, checked against `maxSize` / `ndim`: `[maxSize]`, or `[floor(maxSize / numEnvs), numEnvs]`. */
export function checkStorageShape(value: unknown, maxSize: number, ndim: 1 | 2, what: string): Shape {
  const ok =
    Array.isArray(value) &&
    value.length === ndim &&
    value.every((d) => Number.isSafeInteger(d) && d >= 1) &&
    (ndim === 1 ? value[0] === maxSize : value[0] === Math.floor(maxSize / (value[1] as number)));
  if (!ok) {
    throw new Error(
      `${what}: storage shape ${JSON.stringify(value)} does not fit maxSize ${maxSize} and ndim ${ndim} (expected ${ndim === 1 ? `[${maxSize}]` : "[floor(maxSize / numEnvs), numEnvs]"})`,
    );
  }
  return Object.freeze([...(value as number[])]);
}

/**
 * A storage whose data lives in files. Checkpoints call these instead of `state()` so that a buffer larger
 * than memory is copied file to file and never loaded whole.
 */
export interface FileBackedStorage extends Storage {
  /** Copies the data files and the manifest into `dir` (which exists and is empty). */
  dumpFiles(dir: string): void;
  /** Replaces this storage's content with the files in `dir` (written by `dumpFiles`). */
  loadFiles(dir: string): void;
}

export function isFileBacked(storage: Storage): storage is FileBackedStorage {
  const s = storage as Partial<FileBackedStorage>;
  return typeof s.dumpFiles === "function" && typeof s.loadFiles === "function";
}

/**
 * The storage batch shape that writing `data` with batch `dataBatch` into `storage` implies, checked
 * against the shape the storage already has. Writers use it to turn their cursor into flat indices.
 */
export function writeShape(storage: Storage, dataBatch: Shape, what: string): Shape {
  if (dataBatch.length < storage.ndim) {
    throw new Error(
      `${what}: data has batch size ${formatShape(dataBatch)}, a ${storage.ndim}-dim storage needs at least ${storage.ndim} batch dims`,
    );
  }
  if (storage.ndim === 1) return storage.shape ?? [storage.maxSize];
  const numEnvs = dataBatch[0]!;
  if (storage.shape !== null) {
    if (storage.shape[1] !== numEnvs) {
      throw new Error(
        `${what}: data has ${numEnvs} envs (batch size ${formatShape(dataBatch)}), the storage holds ${storage.shape[1]} (storage shape ${formatShape(storage.shape)})`,
      );
    }
    return storage.shape;
  }
  return storageShapeFor(storage.maxSize, 2, dataBatch, what);
}

/** `[maxSize]` for one dim; `[floor(maxSize / numEnvs), numEnvs]` for two. */
export function storageShapeFor(maxSize: number, ndim: 1 | 2, dataBatch: Shape, what: string): number[] {
  if (ndim === 1) return [maxSize];
  const numEnvs = dataBatch[0]!;
  if (!(numEnvs >= 1))
    throw new Error(`${what}: a 2-dim storage needs at least one env, got batch size ${formatShape(dataBatch)}`);
  const capacityT = Math.floor(maxSize / numEnvs);
  if (capacityT < 1) throw new Error(`${what}: maxSize ${maxSize} cannot hold one step of ${numEnvs} envs`);
  return [capacityT, numEnvs];
}

/** The largest capacity a storage can index: flat indices are int32. */
export const MAX_CAPACITY = 2 ** 31 - 1;

/** `n` bytes for error messages: "673 MB". */
export function formatBytes(n: number): string {
  const units = ["bytes", "KB", "MB", "GB", "TB", "PB"];
  let u = 0;
  let v = n;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return u === 0 ? `${n} bytes` : `${v.toPrecision(3)} ${units[u]} (${n} bytes)`;
}

/** Checks a `maxSize` / `ndim` pair given to a storage constructor. */
export function checkCapacity(maxSize: number, ndim: number, what: string): asserts ndim is 1 | 2 {
  if (!Number.isSafeInteger(maxSize) || maxSize < 1)
    throw new Error(`${what}: maxSize must be a positive integer, got ${maxSize}`);
  // Flat indices are int32 (samplers, writers and `set`/`get` take Int32Array).
  if (maxSize > MAX_CAPACITY) {
    throw new Error(
      `${what}: maxSize ${maxSize} is above ${MAX_CAPACITY}, the most elements a storage can index (flat indices are int32); it would also need at least ${formatBytes(maxSize)} (1 byte per element)`,
    );
  }
  if (ndim !== 1 && ndim !== 2) throw new Error(`${what}: ndim must be 1 or 2, got ${ndim}`);
}
