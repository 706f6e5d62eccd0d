import { checkOptions, type OptionKeys, type TensorDict, isTensor, sizeOf, type Leaf } from "@tdrl/tensordict";
import { assertKind, metaNumber, stateArray, type ComponentState } from "./component-state";
import type { Storage, StoredExtent } from "./storage";
import type { Writer } from "./writer";

const MAX_VALUE_WRITER_OPTION_KEYS = { rankKey: true } satisfies OptionKeys<MaxValueWriterOptions>;

export interface MaxValueWriterOptions {
  /** The key whose value ranks an item (summed over non-batch dims). Default `"_reward"`, as in TorchRL. */
  rankKey?: string;
}

const KIND = "MaxValueWriter";

/**
 * Keeps the highest-ranked items: fills the storage in order, then each new item replaces the
 * lowest-ranked stored one if it ranks higher, and is dropped otherwise. A min-heap over the stored ranks
 * makes each decision O(log capacity). Only for 1-dim storages.
 *
 * @example
 * import { HostArray, TensorDict } from "@tdrl/tensordict";
 * import { LazyTensorStorage, MaxValueWriter } from "@tdrl/buffers";
 * const storage = new LazyTensorStorage(2);
 * const writer = new MaxValueWriter({ rankKey: "return" });
 * writer.extend(storage, new TensorDict({ return: HostArray.from("float32", [3], [5, 1, 9]) }, [3]));
 * storage.getLeaf("return", Int32Array.from([0, 1])).data; // Float32Array [5, 9]: 1 was replaced
 */
export class MaxValueWriter implements Writer {
  readonly rankKey: string;
  // heap[0..size) are storage indices ordered by rank (min first); rank[i] is the rank of storage index i.
  private heap = new Int32Array(0);
  private rank = new Float64Array(0);
  private size = 0;
  private journal: [Int32Array | Float64Array, number, number][] = [];
  private rows: Int32Array | null = null;

  constructor(options: MaxValueWriterOptions = {}) {
    checkOptions("MaxValueWriter", options, MAX_VALUE_WRITER_OPTION_KEYS);
    this.rankKey = options.rankKey ?? "_reward";
  }

  get cursor(): number {
    return this.size;
  }

  get lastRows(): Int32Array | null {
    return this.rows;
  }

  extend(storage: Storage, data: TensorDict): Int32Array {
    const what = `${KIND}.extend`;
    if (storage.ndim !== 1) throw new Error(`${what}: needs a 1-dim storage, got ndim ${storage.ndim}`);
    const capacity = storage.maxSize;
    if (this.heap.length !== capacity) {
      this.heap = new Int32Array(capacity);
      this.rank = new Float64Array(capacity);
    }
    const ranks = itemRanks(data, this.rankKey, what);
    const sizeBefore = this.size;
    this.journal = [];
    // Decide item by item; an item of this batch may itself be replaced by a later one.
    const slotOf = new Map<number, number>();
    for (let i = 0; i < ranks.length; i++) {
      const r = ranks[i]!;
      let slot: number;
      if (this.size < capacity) {
        slot = this.size;
        this.put(this.heap, this.size, slot);
        this.put(this.rank, slot, r);
        this.size++;
        this.siftUp(this.size - 1);
      } else {
        slot = this.heap[0]!;
        if (!(r > this.rank[slot]!)) continue;
        this.put(this.rank, slot, r);
        this.siftDown(0);
      }
      slotOf.set(slot, i);
    }
    const kept = [...slotOf.entries()].sort((a, b) => a[1] - b[1]);
    const index = Int32Array.from(kept, ([slot]) => slot);
    const rows = Int32Array.from(kept, ([, i]) => i);
    if (index.length === 0) {
      this.rows = rows;
      return index;
    }
    try {
      storage.set(index, data.index(rows));
    } catch (e) {
      for (let k = this.journal.length - 1; k >= 0; k--) {
        const [array, at, old] = this.journal[k]!;
        array[at] = old;
      }
      this.size = sizeBefore;
      throw e;
    } finally {
      this.journal = [];
    }
    this.rows = index.length === ranks.length ? null : rows;
    return index;
  }

  empty(): void {
    this.size = 0;
  }

  state(): ComponentState {
    return {
      kind: KIND,
      meta: { size: this.size, rankKey: this.rankKey },
      arrays: { heap: this.heap, rank: this.rank },
    };
  }

  loadState(state: ComponentState, storage?: StoredExtent): void {
    assertKind(state, KIND, KIND);
    const size = metaNumber(state, "size", KIND);
    if (!Number.isSafeInteger(size) || size < 0)
      throw new Error(`${KIND}.loadState: size ${size} is not a non-negative integer`);
    if (storage !== undefined && size > storage.length)
      throw new Error(`${KIND}.loadState: size ${size} is more than the ${storage.length} elements the storage holds`);
    const heap = stateArray(state, "heap", Int32Array, KIND);
    const rank = stateArray(state, "rank", Float64Array, KIND);
    if (heap.length !== rank.length || size > heap.length)
      throw new Error(`${KIND}.loadState: size ${size}, heap ${heap.length} and rank ${rank.length} disagree`);
    // The kept items are distinct storage indices (below what the storage holds, when known).
    const limit = storage?.length ?? heap.length;
    const seen = new Set<number>();
    for (let i = 0; i < size; i++) {
      const k = heap[i]!;
      if (!(k >= 0 && k < limit) || seen.has(k))
        throw new Error(`${KIND}.loadState: heap[${i}] = ${k} is not a distinct storage index below ${limit}`);
      seen.add(k);
    }
    this.heap = heap.slice();
    this.rank = rank.slice();
    this.size = size;
  }

  private put(array: Int32Array | Float64Array, at: number, value: number): void {
    this.journal.push([array, at, array[at]!]);
    array[at] = value;
  }

  private less(a: number, b: number): boolean {
    return this.rank[this.heap[a]!]! < this.rank[this.heap[b]!]!;
  }

  private swap(a: number, b: number): void {
    const t = this.heap[a]!;
    this.put(this.heap, a, this.heap[b]!);
    this.put(this.heap, b, t);
  }

  private siftUp(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private siftDown(i: number): void {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < this.size && this.less(l, m)) m = l;
      if (r < this.size && this.less(r, m)) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }
}

/** One rank per item: the leaf at `key`, summed over its non-batch dims. */
function itemRanks(data: TensorDict, key: string, what: string): Float64Array {
  if (data.batchDims < 1) throw new Error(`${what}: data needs a batch dim, got batch size []`);
  if (!data.has(key as never))
    throw new Error(
      `${what}: the data has no rank key "${key}" (keys: ${data.keys({ nested: true, leavesOnly: true }).join(", ")})`,
    );
  const leaf = data.get(key as never) as Leaf;
  const values: ArrayLike<number> = isTensor(leaf) ? leaf.dataSync() : leaf.data;
  const n = data.batchSize[0]!;
  const per = sizeOf(leaf.shape.slice(1));
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < per; k++) s += values[i * per + k]!;
    if (Number.isNaN(s)) throw new Error(`${what}: rank "${key}" of item ${i} is NaN`);
    out[i] = s;
  }
  return out;
}
