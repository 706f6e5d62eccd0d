import { HostArray, TensorDict, formatShape, isHostArray, type Shape } from "@tdrl/tensordict";
import { assertKind, metaNumber, type ComponentState, type JsonValue, type StateArray } from "./component-state";
import { checkIndex } from "./element-copy";
import { arrayType } from "./lazy-tensor-storage";
import { Layout, buildTensorDict } from "./layout";
import { checkCounters, type Storage } from "./storage";

const KIND = "ListStorage";

/**
 * A storage that keeps each element as its own TensorDict (batch `[]`), so elements need not share keys
 * or shapes. `get` stacks them, which then needs the picked elements to agree. Elements are copied on
 * write (tensor leaves read to the host), so the caller may reuse its buffers.
 *
 * @example
 * import { HostArray, TensorDict } from "@tdrl/tensordict";
 * import { ListStorage } from "@tdrl/buffers";
 * const storage = new ListStorage(10);
 * storage.set(Int32Array.from([0]), new TensorDict({ text: HostArray.from("uint8", [1, 3], [104, 105, 33]) }, [1]));
 * storage.get(Int32Array.from([0])).getHost("text").shape; // [1, 3]
 */
export class ListStorage implements Storage {
  readonly maxSize: number;
  readonly ndim = 1 as const;
  private items: TensorDict[] = [];
  private cursor = 0;

  constructor(maxSize: number) {
    if (!Number.isSafeInteger(maxSize) || maxSize < 1)
      throw new Error(`${KIND}: maxSize must be a positive integer, got ${maxSize}`);
    this.maxSize = maxSize;
  }

  get shape(): Shape {
    return [this.maxSize];
  }

  get length(): number {
    return this.items.length;
  }

  get writeCursor(): number {
    return this.cursor;
  }

  keys(): string[] {
    return this.items[0]?.keys({ nested: true, leavesOnly: true }) ?? [];
  }

  set(index: Int32Array, data: TensorDict): void {
    const what = `${KIND}.set`;
    if (data.batchDims < 1 || data.batchSize[0] !== index.length) {
      throw new Error(
        `${what}: data with batch size ${formatShape(data.batchSize)} does not hold ${index.length} elements along dim 0`,
      );
    }
    checkIndex(index, this.maxSize, what);
    // Elements must be written in order: a hole would break "the stored elements are [0, length)".
    let len = this.items.length;
    for (let i = 0; i < index.length; i++) {
      const k = index[i]!;
      if (k > len) throw new Error(`${what}: index ${k} leaves a gap after the ${len} stored elements`);
      if (k === len) len++;
    }
    const host = data.toHost();
    const copies = Array.from({ length: index.length }, (_, i) => host.index(i).clone());
    for (let i = 0; i < index.length; i++) this.items[index[i]!] = copies[i]!;
    if (index.length > 0) this.cursor = (index[index.length - 1]! + 1) % this.maxSize;
  }

  get(index: Int32Array): TensorDict {
    const what = `${KIND}.get`;
    if (this.items.length === 0) throw new Error(`${what}: the storage is empty`);
    checkIndex(index, this.items.length, what);
    return TensorDict.stack(Array.from(index, (k) => this.items[k]!));
  }

  getLeaf(path: string, index: Int32Array): HostArray {
    const leaf = this.get(index).get(path);
    if (!isHostArray(leaf)) throw new Error(`${KIND}.getLeaf("${path}"): the entry is not a leaf`);
    return leaf;
  }

  clear(): void {
    this.items = [];
    this.cursor = 0;
  }

  state(): ComponentState {
    const arrays: Record<string, StateArray> = {};
    const layouts: JsonValue[] = this.items.map((item, i) => {
      const leaves = item.leaves();
      leaves.forEach(([path, leaf]) => (arrays[`${i}/${path}`] = (leaf as HostArray).data));
      return Layout.infer(item, 0).toJSON();
    });
    return { kind: KIND, meta: { maxSize: this.maxSize, writeCursor: this.cursor, layouts }, arrays };
  }

  loadState(state: ComponentState): void {
    assertKind(state, KIND, KIND);
    const maxSize = metaNumber(state, "maxSize", KIND);
    if (maxSize !== this.maxSize)
      throw new Error(
        `${KIND}.loadState: the state is of a storage with maxSize ${maxSize}, this one has ${this.maxSize}`,
      );
    const layouts = state.meta.layouts;
    if (!Array.isArray(layouts)) throw new Error(`${KIND}.loadState: meta "layouts" should be a list`);
    const items = layouts.map((json, i) => {
      const layout = Layout.fromJSON(json, `${KIND}.loadState (element ${i})`);
      const arrays = layout.leaves.map((l) => {
        const data = state.arrays[`${i}/${l.path}`];
        if (!(data instanceof arrayType(l.dtype)))
          throw new Error(`${KIND}.loadState: element ${i} has no ${l.dtype} array for "${l.path}"`);
        return new HostArray(l.dtype, l.shape, data);
      });
      return buildTensorDict(
        layout.leaves.map((l) => l.path),
        arrays,
        [],
      );
    });
    const { writeCursor } = checkCounters(items.length, state.meta.writeCursor, this.maxSize, `${KIND}.loadState`);
    this.items = items;
    this.cursor = writeCursor;
  }
}
