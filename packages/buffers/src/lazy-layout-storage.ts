import { formatShape, sizeOf, type HostArray, type Shape, type TensorDict } from "@tdrl/tensordict";
import { checkIndex } from "./element-copy";
import { Layout, type LeafLayout } from "./layout";
import { checkCapacity, storageShapeFor } from "./storage";

/** What `checkWrite` found: everything a lazy storage needs to store a write, all of it already checked. */
export interface CheckedWrite {
  /** The storage batch shape (the one fixed by the first write, or the one this write will fix). */
  shape: Shape;
  /** Elements the storage holds at `shape`. */
  capacity: number;
  /** The storage's layout, or the one inferred from `data` at the first write. */
  layout: Layout;
  /** The host arrays of `data`, in layout order. */
  hosts: HostArray[];
  /** The largest index written (-1 for an empty index). */
  max: number;
}

/**
 * What the lazy storages (`LazyTensorStorage` in memory, `LazyMemmapStorage` in files) share: capacity and
 * ndim, the layout and storage shape fixed by the first write, length and write cursor, and the checks a
 * write passes before anything is stored. Subclasses keep only where the elements live.
 */
export abstract class LazyLayoutStorage {
  readonly maxSize: number;
  readonly ndim: 1 | 2;
  protected layout: Layout | null = null;
  protected storeShape: Shape | null = null;
  protected len = 0;
  protected cursor = 0;

  constructor(maxSize: number, ndim: 1 | 2, kind: string) {
    checkCapacity(maxSize, ndim, kind);
    this.maxSize = maxSize;
    this.ndim = ndim;
  }

  get shape(): Shape | null {
    return this.storeShape ?? (this.ndim === 1 ? [this.maxSize] : null);
  }

  get length(): number {
    return this.len;
  }

  get writeCursor(): number {
    return this.cursor;
  }

  keys(): string[] {
    return this.layout?.leaves.map((l) => l.path) ?? [];
  }

  /** Checks `set(index, data)` completely (batch size, envs, keys, dtypes, shapes, indices) without storing anything. */
  protected checkWrite(index: Int32Array, data: TensorDict, what: string): CheckedWrite {
    const shape = this.storeShape ?? storageShapeFor(this.maxSize, this.ndim, data.batchSize, what);
    const items = sizeOf(data.batchSize.slice(0, this.ndim));
    if (data.batchDims < this.ndim || items !== index.length) {
      throw new Error(
        `${what}: data with batch size ${formatShape(data.batchSize)} holds ${items} elements, the index has ${index.length}`,
      );
    }
    if (this.storeShape !== null && this.ndim === 2 && data.batchSize[0] !== shape[1]) {
      throw new Error(
        `${what}: data has ${data.batchSize[0]} envs (batch size ${formatShape(data.batchSize)}), the storage holds ${shape[1]}`,
      );
    }
    const capacity = sizeOf(shape);
    const layout = this.layout ?? Layout.infer(data, this.ndim);
    const hosts = layout.check(data, this.ndim, what);
    const max = checkIndex(index, capacity, what);
    return { shape, capacity, layout, hosts, max };
  }

  /** The layout, once there is something to read; throws (naming `what`) otherwise. */
  protected abstract requireLayout(what: string): Layout;

  /** Checks `getLeaf(path, index)`: a readable storage, a known key, indices within the length. */
  protected checkLeafRead(kind: string, path: string, index: Int32Array): { leaf: LeafLayout; position: number } {
    const what = `${kind}.getLeaf("${path}")`;
    const layout = this.requireLayout(what);
    const leaf = layout.leaf(path);
    if (leaf === undefined)
      throw new Error(
        `${what}: no such key; the storage holds ${this.keys()
          .map((k) => `"${k}"`)
          .join(", ")}`,
      );
    checkIndex(index, this.len, what);
    return { leaf, position: layout.leaves.indexOf(leaf) };
  }

  /** After a non-empty write at `index`: length covers `max`, the cursor follows the last element. */
  protected advance(index: Int32Array, max: number, capacity: number): void {
    this.len = Math.max(this.len, max + 1);
    this.cursor = (index[index.length - 1]! + 1) % capacity;
  }
}
