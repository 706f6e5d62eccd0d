import type { TensorDict } from "@tdrl/tensordict";
import { assertKind, type ComponentState } from "./component-state";
import { writeShape, type Storage, type StoredExtent } from "./storage";
import type { Writer } from "./writer";

const KIND = "ImmutableDatasetWriter";

/**
 * For fixed datasets (offline RL): fills the storage in order, in as many `extend` calls as needed, and
 * then refuses every write. The storage counts as filled when it is full, when `seal()` is called, or when
 * the writer is attached to a storage that already holds data (a reopened dataset). A write that would
 * overflow the capacity is refused whole; nothing wraps around.
 *
 * @example
 * import { HostArray, TensorDict } from "@tdrl/tensordict";
 * import { ImmutableDatasetWriter, LazyTensorStorage } from "@tdrl/buffers";
 * const storage = new LazyTensorStorage(2);
 * const writer = new ImmutableDatasetWriter();
 * writer.extend(storage, new TensorDict({ x: HostArray.from("int32", [2], [1, 2]) }, [2]));
 * // writer.extend(storage, ...) now throws: the dataset is filled
 */
export class ImmutableDatasetWriter implements Writer {
  private next = 0;
  private sealed = false;

  get cursor(): number {
    return this.next;
  }

  /** Whether writes are refused from now on. */
  get isSealed(): boolean {
    return this.sealed;
  }

  /** Refuses every later write. */
  seal(): void {
    this.sealed = true;
  }

  attach(storage: Storage): void {
    if (storage.length > 0) this.sealed = true;
  }

  extend(storage: Storage, data: TensorDict): Int32Array {
    const what = `${KIND}.extend`;
    if (this.sealed)
      throw new Error(`${what}: the dataset is filled (${storage.length} elements) and immutable; writes are refused`);
    if (storage.ndim !== 1) throw new Error(`${what}: needs a 1-dim storage, got ndim ${storage.ndim}`);
    const capacity = writeShape(storage, data.batchSize, what)[0]!;
    const n = data.batchSize[0]!;
    if (this.next + n > capacity)
      throw new Error(`${what}: ${n} elements do not fit after the ${this.next} written (capacity ${capacity})`);
    const index = new Int32Array(n);
    for (let i = 0; i < n; i++) index[i] = this.next + i;
    storage.set(index, data);
    this.next += n;
    if (this.next === capacity) this.sealed = true;
    return index;
  }

  empty(): void {
    this.next = 0;
    this.sealed = false;
  }

  state(): ComponentState {
    return { kind: KIND, meta: { cursor: this.next, sealed: this.sealed }, arrays: {} };
  }

  loadState(state: ComponentState, storage?: StoredExtent): void {
    assertKind(state, KIND, KIND);
    const cursor = state.meta.cursor;
    if (typeof cursor !== "number" || typeof state.meta.sealed !== "boolean")
      throw new Error(
        `${KIND}.loadState: meta needs a number "cursor" and a boolean "sealed", got ${JSON.stringify(state.meta)}`,
      );
    if (!Number.isSafeInteger(cursor) || cursor < 0)
      throw new Error(`${KIND}.loadState: cursor ${cursor} is not a non-negative integer`);
    // The writer fills in order: it cannot have written past what the storage holds.
    if (storage !== undefined && cursor > storage.length)
      throw new Error(`${KIND}.loadState: cursor ${cursor} is past the ${storage.length} elements the storage holds`);
    this.next = cursor;
    this.sealed = state.meta.sealed;
  }
}
