import {
  checkOptions,
  type OptionKeys,
  HostArray,
  type TensorDict,
  sizeOf,
  type DType,
  type Shape,
} from "@tdrl/tensordict";
import { assertKind, metaNumber, stateArray, type ComponentState, type StateArray } from "./component-state";
import { checkIndex, gather, planViews, scatter, viewsIn, type ElementArray, type ViewPlan } from "./element-copy";
import { Layout, buildTensorDict } from "./layout";
import { LazyLayoutStorage } from "./lazy-layout-storage";
import { PackedRows } from "./packed-rows";
import { checkCounters, checkStorageShape, formatBytes, type Storage } from "./storage";

const LAZY_TENSOR_STORAGE_OPTION_KEYS = { ndim: true } satisfies OptionKeys<LazyTensorStorageOptions>;

export interface LazyTensorStorageOptions {
  /** 1 (default): data batch dim 0 indexes elements. 2: data comes as `[numEnvs, T]` blocks (see `Storage`). */
  ndim?: 1 | 2;
}

const KIND = "LazyTensorStorage";

/** Shapes and buffer offsets of a sample of `n` elements. */
interface SamplePlan {
  readonly n: number;
  readonly batch: Shape;
  readonly shapes: readonly Shape[];
  readonly views: ViewPlan;
}
/** The state array that holds the interleaved rows of small leaves. */
const ROWS = "rows";

/**
 * A storage of host typed arrays, one per leaf, allocated at the first write for the full capacity with
 * each leaf's dtype (uint8 pixels stay uint8: 7 KB per 84x84 frame, not 28 KB). Later writes must match
 * the first one's keys, dtypes and element shapes.
 *
 * @example
 * import { HostArray, TensorDict } from "@tdrl/tensordict";
 * import { LazyTensorStorage } from "@tdrl/buffers";
 * const storage = new LazyTensorStorage(1000);
 * const data = new TensorDict({ pixels: HostArray.zeros("uint8", [2, 84, 84]) }, [2]);
 * storage.set(Int32Array.from([0, 1]), data);
 * storage.get(Int32Array.from([1])).getHost("pixels").dtype; // "uint8"
 */
export class LazyTensorStorage extends LazyLayoutStorage implements Storage {
  private dtypes: DType[] = [];
  private paths: (readonly string[])[] = [];
  private plan: SamplePlan | null = null;
  private store: PackedRows | null = null;

  constructor(maxSize: number, options: LazyTensorStorageOptions = {}) {
    checkOptions("LazyTensorStorage", options, LAZY_TENSOR_STORAGE_OPTION_KEYS);
    super(maxSize, options.ndim ?? 1, KIND);
  }

  set(index: Int32Array, data: TensorDict): void {
    const { shape, capacity, layout, hosts, max } = this.checkWrite(index, data, `${KIND}.set`);
    // Everything is checked: allocate (first write) and store.
    if (this.layout === null) {
      this.store = allocateStore(layout, capacity, this.maxSize, `${KIND}.set`);
      this.setLayout(layout);
      this.storeShape = Object.freeze([...shape]);
    }
    const places = this.store!.places;
    layout.leaves.forEach((l, i) => {
      const p = places[i]!;
      scatter(p.array, hosts[i]!.data, index, l.size, p.stride, p.offset);
    });
    if (index.length > 0) this.advance(index, max, capacity);
  }

  get(index: Int32Array): TensorDict {
    const what = `${KIND}.get`;
    const layout = this.requireLayout(what);
    checkIndex(index, this.len, what);
    const n = index.length;
    const leaves = layout.leaves;
    const plan = this.samplePlan(n);
    const views = viewsIn(this.dtypes, plan.views);
    const places = this.store!.places;
    const rows = this.store!.rows;
    if (rows !== null) touchSink = touchRows(rows, this.store!.rowBytes, index);
    const arrays = new Array<HostArray>(leaves.length);
    for (let i = 0; i < leaves.length; i++) {
      const p = places[i]!;
      arrays[i] = new HostArray(
        leaves[i]!.dtype,
        plan.shapes[i]!,
        gather(p.array, index, leaves[i]!.size, views[i]!, p.stride, p.offset),
      );
    }
    return buildTensorDict(this.paths, arrays, plan.batch);
  }

  /** The layout of a sample of `n` elements, kept for the last `n` (a training loop samples one batch size). */
  private samplePlan(n: number): SamplePlan {
    if (this.plan?.n !== n) {
      const leaves = this.layout!.leaves;
      this.plan = {
        n,
        batch: Object.freeze([n]),
        shapes: leaves.map((l) => Object.freeze([n, ...l.shape])),
        views: planViews(
          this.dtypes,
          leaves.map((l) => n * l.size),
        ),
      };
    }
    return this.plan;
  }

  getLeaf(path: string, index: Int32Array): HostArray {
    const { leaf, position } = this.checkLeafRead(KIND, path, index);
    const out = new HostArray(leaf.dtype, [index.length, ...leaf.shape]);
    const p = this.store!.places[position]!;
    gather(p.array, index, leaf.size, out.data, p.stride, p.offset);
    return out;
  }

  clear(): void {
    this.setLayout(null);
    this.store = null;
    this.storeShape = null;
    this.len = 0;
    this.cursor = 0;
  }

  /**
   * Only the rows that hold data (`length` elements, not the capacity), as views of the stored arrays
   * (shared, not copied: write the state out before the next `set`). Small leaves are saved as one array
   * of interleaved rows (`"rows"`), large ones under their path.
   */
  state(): ComponentState {
    const arrays: Record<string, StateArray> = {};
    const store = this.store;
    if (store !== null) {
      if (store.rows !== null) arrays[ROWS] = store.rows.subarray(0, this.len * store.rowBytes);
      this.layout!.leaves.forEach((l, i) => {
        if (!store.isPacked(i)) arrays[l.path] = store.places[i]!.array.subarray(0, this.len * l.size);
      });
    }
    return {
      kind: KIND,
      meta: {
        maxSize: this.maxSize,
        ndim: this.ndim,
        shape: this.storeShape === null ? null : [...this.storeShape],
        layout: this.layout?.toJSON() ?? null,
        rowBytes: store?.rowBytes ?? 0,
        length: this.len,
        writeCursor: this.cursor,
      },
      arrays,
    };
  }

  loadState(state: ComponentState): void {
    const what = KIND;
    assertKind(state, KIND, what);
    const maxSize = metaNumber(state, "maxSize", what);
    const ndim = metaNumber(state, "ndim", what);
    if (maxSize !== this.maxSize || ndim !== this.ndim) {
      throw new Error(
        `${what}.loadState: the state is of a storage with maxSize ${maxSize} and ndim ${ndim}, this one has ${this.maxSize} and ${this.ndim}`,
      );
    }
    if (state.meta.layout === null) {
      if (state.meta.length !== 0 || state.meta.writeCursor !== 0)
        throw new Error(
          `${what}.loadState: no layout, but length ${JSON.stringify(state.meta.length)} / writeCursor ${JSON.stringify(state.meta.writeCursor)} are not 0`,
        );
      this.clear();
      return;
    }
    const layout = Layout.fromJSON(state.meta.layout, `${what}.loadState`);
    const shape = checkStorageShape(state.meta.shape, this.maxSize, this.ndim, `${what}.loadState`);
    const capacity = sizeOf(shape);
    const { length, writeCursor: cursor } = checkCounters(
      state.meta.length,
      state.meta.writeCursor,
      capacity,
      `${what}.loadState`,
    );
    // Rows that hold data only (current states), or the whole capacity (states written before).
    const rowsOf = (got: number, per: number) =>
      got === length * per ? length : got === capacity * per ? capacity : -1;
    const probe = new PackedRows(layout, 0);
    const own = layout.leaves.map((l, i) => {
      if (probe.isPacked(i)) return undefined;
      const a = stateArray(state, l.path, arrayType(l.dtype), what);
      if (rowsOf(a.length, l.size) < 0)
        throw new Error(
          `${what}.loadState: array "${l.path}" has ${a.length} numbers, expected ${length * l.size} (${length} elements of ${l.size})`,
        );
      return a;
    });
    const rows = probe.rowBytes === 0 ? undefined : stateArray(state, ROWS, Uint8Array, what);
    if (rows !== undefined && rowsOf(rows.length, probe.rowBytes) < 0) {
      throw new Error(
        `${what}.loadState: array "${ROWS}" has ${rows.length} bytes, expected ${probe.rowBytes} x ${length}`,
      );
    }
    const store = allocateStore(layout, capacity, this.maxSize, `${what}.loadState`);
    if (rows !== undefined) store.rows!.set(rows);
    own.forEach((a, i) => {
      if (a !== undefined) store.places[i]!.array.set(a);
    });
    this.store = store;
    this.setLayout(layout);
    this.storeShape = Object.freeze([...shape]);
    this.len = length;
    this.cursor = cursor;
  }

  private setLayout(layout: Layout | null): void {
    this.layout = layout;
    this.dtypes = layout?.leaves.map((l) => l.dtype) ?? [];
    this.paths = layout?.leaves.map((l) => l.path.split(".")) ?? [];
    this.plan = null;
  }

  protected requireLayout(what: string): Layout {
    if (this.layout === null || this.len === 0) throw new Error(`${what}: the storage is empty`);
    return this.layout;
  }
}

/**
 * The memory for `capacity` elements of `layout`, or a clear error naming maxSize and the bytes it needs
 * (instead of a bare "Invalid typed array length"), thrown before the storage changes.
 */
function allocateStore(layout: Layout, capacity: number, maxSize: number, what: string): PackedRows {
  try {
    return new PackedRows(layout, capacity);
  } catch (e) {
    // "Invalid typed array length" (above the runtime's typed array limit) or "Array buffer allocation failed".
    if (!(e instanceof RangeError)) throw e;
    const perElement = layout.leaves.reduce(
      (sum, l) => sum + l.size * (l.dtype === "float32" || l.dtype === "int32" ? 4 : 1),
      0,
    );
    throw new Error(
      `${what}: maxSize ${maxSize} with elements of ${formatBytes(perElement)} needs ${formatBytes(perElement * capacity)} of memory, and allocating it failed (${e.message}); lower maxSize or use LazyMemmapStorage`,
    );
  }
}

export function arrayType(dtype: DType): { new (n: number): ElementArray; name: string } {
  return dtype === "float32" ? Float32Array : dtype === "int32" ? Int32Array : Uint8Array;
}

/** Where `touchRows` results go: an exported binding keeps them observable, so the compiler cannot drop the loads (not in the index). */
export let touchSink = 0;

/**
 * Reads one byte at each end of every sampled row before the per-leaf copies. The loop does nothing but
 * independent loads, so the CPU overlaps the cache and TLB misses of many rows at once; the copies that
 * follow then hit the cache. JS has no prefetch instruction, and this measured ~30% faster sampling from
 * a 1M-element store (where nearly every sampled row misses).
 */
function touchRows(rows: Uint8Array, rowBytes: number, index: Int32Array): number {
  let acc = 0;
  for (let i = 0; i < index.length; i++) {
    const at = index[i]! * rowBytes;
    acc += rows[at]! + rows[at + rowBytes - 1]!;
  }
  return acc;
}
