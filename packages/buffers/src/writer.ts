import type { TensorDict } from "@tdrl/tensordict";
import type { ComponentState } from "./component-state";
import type { Storage, StoredExtent } from "./storage";

/**
 * Decides where new data goes, and writes it.
 *
 * `extend(storage, data)` writes every element of `data` (batch dim 0 = items for a 1-dim storage;
 * `[numEnvs, T]` for a 2-dim one, which writes T time steps for all envs) by calling `storage.set` once,
 * and returns the flat indices written, in data order (row-major over the data's storage dims). When
 * `storage.set` throws, the writer's state (cursor, ranks) is unchanged: writers commit only after the
 * storage accepted the data. Elements the writer chooses not to store (a `MaxValueWriter` item ranked
 * below everything kept) are left out of the returned indices.
 */
export interface Writer {
  extend(storage: Storage, data: TensorDict): Int32Array;
  /**
   * Set by writers that may skip elements: the rows of the last `extend`'s data (dim 0) that were written,
   * in the order of the returned indices; `null` when every row was written.
   */
  readonly lastRows?: Int32Array | null;
  /** Where the next write starts (along the time dim for 2-dim storages); writers without a cursor report 0. */
  readonly cursor: number;
  /**
   * Called once when a buffer is built around `storage`: a writer resumes from a storage that already
   * holds data (a reopened file-backed storage) instead of overwriting it from index 0.
   */
  attach?(storage: Storage): void;
  /** Forgets every write (the storage is emptied separately). */
  empty(): void;
  state(): ComponentState;
  /**
   * Restores `state`, refusing it (naming the value) unless every counter is in range; with `storage`
   * (what the checkpoint's storage holds), the cursor must also agree with it. Refused states change nothing.
   */
  loadState(state: ComponentState, storage?: StoredExtent): void;
}
