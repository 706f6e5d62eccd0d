import { checkOptions, type OptionKeys, HostArray, Rng, TensorDict } from "@tdrl/tensordict";
import { assertKind, type ComponentState, type JsonValue } from "./component-state";
import type { SampleResult, Sampler } from "./sampler";
import { checkSampleArgs, rngFromJson, rngToJson, type SamplerRngOptions } from "./sampler-support";
import { EpisodeTable } from "./slice-sampler-episodes";
import type { Storage, StoredExtent } from "./storage";

const SLICE_SAMPLER_OPTION_KEYS = {
  sliceLen: true,
  numSlices: true,
  endKey: true,
  trajKey: true,
  strictLength: true,
  padOutput: true,
  rng: true,
} satisfies OptionKeys<SliceSamplerOptions>;

export interface SliceSamplerOptions extends SamplerRngOptions {
  /** Steps per slice; `numSlices = batchSize / sliceLen`. Give this or `numSlices`. */
  sliceLen?: number;
  /** Slices per batch; `sliceLen = batchSize / numSlices`. Give this or `sliceLen`. */
  numSlices?: number;
  /** A per-step flag that ends an episode (any non-zero). Default `["next", "done"]`. Ignored when `trajKey` is set. */
  endKey?: string | readonly string[];
  /** A per-step trajectory id: an episode ends where the id changes. */
  trajKey?: string | readonly string[];
  /** Only sample episodes of at least `sliceLen` steps. Default true. */
  strictLength?: boolean;
  /** With `strictLength: false`, pad short slices to `sliceLen` and return a `"mask"`. Default false. */
  padOutput?: boolean;
}

/** Where a batch's slices start: episode and step within it, and how many steps each slice has. */
export interface SliceStarts {
  episode: Int32Array;
  step: Int32Array;
  /** Extra per-slice info (e.g. weights), broadcast along each slice by the caller. */
  perSlice?: Record<string, Float32Array>;
}

const TRUNCATED = "next.truncated";
const DONE = "next.done";
const TERMINATED = "next.terminated";
const IS_INIT = "is_init";
const MASK = "mask";

/**
 * Samples contiguous slices of episodes (TorchRL's `SliceSampler`): `batchSize = numSlices * sliceLen`
 * flat indices with `batchShape = [numSlices, sliceLen]`, each row the consecutive steps of one episode.
 * An episode is picked uniformly among the eligible ones, then a start uniformly among its
 * `length - sliceLen + 1` positions.
 *
 * **Boundaries.** Episodes end at `endKey` (non-zero) or where `trajKey` changes, and always at the newest
 * step written (just before `storage.writeCursor`): when the ring has wrapped, the newest data is never
 * joined to the oldest (the oldest episode, cut by the write cursor, starts at the oldest step kept). For 2-dim storages every env column
 * is its own sequence of episodes. Boundaries are found in one pass over the flag column and cached.
 * `extend` copies the new rows' flags from the written data into that column (the storage is read in
 * full only on the first sample, after `loadState`, or when data lacks the key), and the next sample
 * brings the episodes up to date: for 1-env storages written at the cursor, by scanning only the new
 * steps (O(written), not O(capacity)); otherwise by one full pass (~1 ns per element).
 *
 * **`info`** (batch = `batchShape`; every flag is bool with a trailing dim of 1):
 * - `"is_init"`: true at the first step of each slice (ORed with a stored `is_init`);
 * - `"next.truncated"`: true at the last valid step of each slice;
 * - `"next.done"`: the stored `next.done` ORed with `next.truncated`;
 * - `"next.terminated"`: the stored `next.terminated` (false if not stored);
 * - `"mask"` (bool, no trailing dim), only with `padOutput`: false on padding. Padding repeats the
 *   slice's last valid index and has every flag false.
 *
 * With `strictLength: false` and `padOutput: false` slices may be shorter than `sliceLen`; they are then
 * concatenated into `batchShape = [total]` (as TorchRL does), and the flags above mark where each begins
 * and ends (`RecurrentDQNLoss` takes such a batch as is: it cuts it at `is_init`). With `padOutput`, losses
 * read the `"mask"` and `TensorDictReplayBuffer.updateTensorDictPriority` skips masked elements.
 *
 * @example
 * import { HostArray, Rng, TensorDict } from "@tdrl/tensordict";
 * import { LazyTensorStorage, ReplayBuffer, SliceSampler } from "@tdrl/buffers";
 * const rb = new ReplayBuffer({ storage: new LazyTensorStorage(1000), sampler: new SliceSampler({ sliceLen: 10, rng: new Rng(0) }) });
 * const done = HostArray.zeros("bool", [100, 1]);
 * done.data[39] = 1; // episodes of steps 0..39 and 40..99 (the last one still running)
 * rb.extend(new TensorDict({ obs: HostArray.zeros("float32", [100, 4]), next: { done } }, [100]));
 * const { data, info } = rb.sampleWithInfo(40); // data.batchSize [4, 10]
 * info?.getHost("is_init"); // bool [4, 10, 1], true in column 0
 */
export class SliceSampler implements Sampler {
  readonly sliceLen: number | undefined;
  readonly numSlices: number | undefined;
  readonly strictLength: boolean;
  readonly padOutput: boolean;
  /** The dotted path boundaries are read from, and whether it holds trajectory ids (else end flags). */
  readonly boundaryKey: string;
  readonly byTrajId: boolean;
  protected readonly rng: Rng;
  protected table: EpisodeTable | null = null;
  /** Whether `table` describes the storage as it is now. */
  protected tableFresh = false;
  /** Whether `drawStarts` reads `table.episodeOf`. */
  protected readonly needsElementEpisodes: boolean = false;
  /** Bumped on every rebuild, so per-table caches know when to refresh. */
  protected tableVersion = 0;
  /** Our copy of the boundary column (one value per flat element) and how many leading elements it covers. */
  private column: Int32Array | null = null;
  private columnCovers = 0;
  /** The storage length and write cursor the table was built for. */
  private builtLength = -1;
  private builtCursor = -1;
  /** Steps written since the table was built, while every write continued at the cursor (else -1). */
  private appended = 0;
  private eligibleCache: { version: number; sliceLen: number; list: Int32Array } | null = null;

  constructor(options: SliceSamplerOptions) {
    checkOptions("SliceSampler", options, SLICE_SAMPLER_OPTION_KEYS);
    const what = this.constructor.name;
    const { sliceLen, numSlices } = options;
    if ((sliceLen === undefined) === (numSlices === undefined)) {
      throw new Error(
        `${what}: give exactly one of sliceLen and numSlices, got sliceLen ${sliceLen} and numSlices ${numSlices}`,
      );
    }
    for (const [name, v] of [
      ["sliceLen", sliceLen],
      ["numSlices", numSlices],
    ] as const) {
      if (v !== undefined && !(Number.isSafeInteger(v) && v >= 1))
        throw new Error(`${what}: ${name} must be a positive integer, got ${v}`);
    }
    this.sliceLen = sliceLen;
    this.numSlices = numSlices;
    this.strictLength = options.strictLength ?? true;
    this.padOutput = options.padOutput ?? false;
    if (this.padOutput && this.strictLength) {
      throw new Error(`${what}: padOutput only applies with strictLength: false (strict slices are never short)`);
    }
    const key = options.trajKey ?? options.endKey ?? ["next", "done"];
    this.boundaryKey = typeof key === "string" ? key : key.join(".");
    this.byTrajId = options.trajKey !== undefined;
    this.rng = options.rng ?? new Rng(0);
  }

  sample(storage: Storage, batchSize: number): SampleResult {
    const what = `${this.constructor.name}.sample`;
    checkSampleArgs(storage, batchSize, what);
    const { sliceLen, numSlices } = this.sliceShape(batchSize, what);
    const table = this.episodes(storage);
    const starts = this.drawStarts(table, numSlices, sliceLen, storage, what);

    const lengths = new Int32Array(numSlices);
    let total = 0;
    for (let s = 0; s < numSlices; s++) {
      const n = Math.min(sliceLen, table.length[starts.episode[s]!]! - starts.step[s]!);
      lengths[s] = n;
      total += n;
    }
    // Strict slices are always full; padded ones are stretched to sliceLen; otherwise rows are concatenated.
    const rows = this.strictLength || this.padOutput;
    const size = rows ? numSlices * sliceLen : total;
    const batchShape = rows ? [numSlices, sliceLen] : [total];
    const index = new Int32Array(size);
    const valid = new Uint8Array(size);
    const first = new Uint8Array(size);
    const last = new Uint8Array(size);
    let at = 0;
    for (let s = 0; s < numSlices; s++) {
      const j = starts.episode[s]!;
      const step0 = starts.step[s]!;
      const n = lengths[s]!;
      for (let k = 0; k < n; k++) {
        index[at + k] = table.flatIndex(j, step0 + k);
        valid[at + k] = 1;
      }
      first[at] = 1;
      last[at + n - 1] = 1;
      const end = rows ? at + sliceLen : at + n;
      for (let k = at + n; k < end; k++) index[k] = index[at + n - 1]!;
      at = end;
    }
    const info = this.sliceInfo(storage, index, batchShape, valid, first, last);
    if (starts.perSlice !== undefined) {
      for (const [key, values] of Object.entries(starts.perSlice)) {
        const out = new Float32Array(size);
        let pos = 0;
        for (let s = 0; s < numSlices; s++) {
          const end = rows ? pos + sliceLen : pos + lengths[s]!;
          out.fill(values[s]!, pos, end);
          pos = end;
        }
        info.set(key, new HostArray("float32", batchShape, out));
      }
    }
    return { index, batchShape, info };
  }

  /** Copies the boundary flags of the written data into the cached column and marks the episodes stale. */
  extend(index: Int32Array, data: TensorDict): void {
    if (index.length === 0) return;
    this.tableFresh = false;
    this.trackAppend(index);
    const column = this.column;
    if (column === null) return;
    const leaf = data.has(this.boundaryKey) ? data.get(this.boundaryKey) : undefined;
    let maxIndex = -1;
    for (let j = 0; j < index.length; j++) if (index[j]! > maxIndex) maxIndex = index[j]!;
    const covers = Math.max(this.columnCovers, maxIndex + 1);
    // Without host data for the key, or with a gap before the new rows, fall back to reading the storage.
    if (!(leaf instanceof HostArray) || maxIndex >= column.length || covers - this.columnCovers > index.length) {
      this.column = null;
      return;
    }
    readBoundaryRows(leaf.data, index.length, this.byTrajId, column, index);
    this.columnCovers = covers;
  }

  empty(): void {
    this.resetEpisodes();
  }

  private resetEpisodes(): void {
    this.table = null;
    this.tableFresh = false;
    this.builtLength = -1;
    this.builtCursor = -1;
    this.appended = 0;
    this.column = null;
    this.columnCovers = 0;
    this.eligibleCache = null;
  }

  state(): ComponentState {
    // The boundary column is not saved: it is re-read from the restored storage on the next sample, and
    // the seam comes from the storage's own write cursor.
    return { kind: this.constructor.name, meta: this.stateMeta(), arrays: this.stateArrays() };
  }

  loadState(state: ComponentState, storage?: StoredExtent): void {
    const what = this.constructor.name;
    assertKind(state, what, what);
    this.loadStateExtra(state, storage);
    rngFromJson(this.rng, state.meta.rng, what);
    this.resetEpisodes();
  }

  protected stateMeta(): Record<string, JsonValue> {
    return { rng: rngToJson(this.rng) };
  }

  protected stateArrays(): ComponentState["arrays"] {
    return {};
  }

  /** Validates and applies subclass state; called before anything of this class changes. */
  protected loadStateExtra(_state: ComponentState, _storage?: StoredExtent): void {}

  /** `numSlices` episodes chosen uniformly among those long enough, and a uniform start in each. */
  protected drawStarts(
    table: EpisodeTable,
    numSlices: number,
    sliceLen: number,
    _storage: Storage,
    what: string,
  ): SliceStarts {
    const eligible = this.eligible(table, sliceLen, what);
    const episode = new Int32Array(numSlices);
    const step = new Int32Array(numSlices);
    for (let s = 0; s < numSlices; s++) {
      const j = eligible[this.rng.int(0, eligible.length)]!;
      const len = table.length[j]!;
      episode[s] = j;
      step[s] = len > sliceLen ? this.rng.int(0, len - sliceLen + 1) : 0;
    }
    return { episode, step };
  }

  /** Throws, naming the longest episode, when strict slices of `sliceLen` fit in no episode. */
  protected assertSomeEpisodeFits(table: EpisodeTable, sliceLen: number, what: string): void {
    if (this.strictLength && table.maxLength < sliceLen) {
      throw new Error(
        `${what}: no episode has at least sliceLen ${sliceLen} steps (the longest of ${table.count} has ${table.maxLength}); ` +
          "use a shorter slice or strictLength: false",
      );
    }
  }

  /** The episode table of `storage`, rebuilt if a write happened since the last one. */
  protected episodes(storage: Storage): EpisodeTable {
    const shape = storage.shape ?? [storage.maxSize];
    const capT = shape[0]!;
    const numEnvs = storage.ndim === 2 ? shape[1]! : 1;
    let table = this.table;
    if (table === null || table.capT !== capT || table.numEnvs !== numEnvs) {
      table = new EpisodeTable(numEnvs, capT);
      this.table = table;
      this.tableFresh = false;
    }
    const cursor = storage.writeCursor;
    if (this.tableFresh && this.builtLength === storage.length && this.builtCursor === cursor) return table;
    const size = capT * numEnvs;
    if (this.tryAppend(storage, table, size)) return table;
    const column = this.boundaryColumn(storage, size);
    const filledT = Math.floor(storage.length / numEnvs);
    // The newest element sits just before the write cursor (which is 0 when the last write ended the ring).
    const newestSlot = Math.floor(((((cursor - 1) % size) + size) % size) / numEnvs);
    table.rebuild(column, this.byTrajId, filledT, filledT < capT ? filledT - 1 : newestSlot, this.needsElementEpisodes);
    this.tableFresh = true;
    this.builtLength = storage.length;
    this.builtCursor = cursor;
    this.appended = 0;
    this.tableVersion++;
    return table;
  }

  /** Counts a write that continues at the cursor; any other write forces a full rebuild. */
  private trackAppend(index: Int32Array): void {
    const table = this.table;
    if (table === null || this.appended < 0 || this.builtCursor < 0) return;
    const size = table.capT * table.numEnvs;
    let next = (this.builtCursor + this.appended) % size;
    for (let j = 0; j < index.length; j++) {
      if (index[j] !== next) {
        this.appended = -1;
        return;
      }
      next = next + 1 === size ? 0 : next + 1;
    }
    this.appended += index.length;
  }

  /**
   * Brings a one-env table up to date by scanning only the steps appended since it was built, when the
   * writes were contiguous at the cursor, the storage agrees, and the column already holds them.
   */
  private tryAppend(storage: Storage, table: EpisodeTable, size: number): boolean {
    const w = this.appended;
    if (table.numEnvs !== 1 || w <= 0 || this.builtLength < 0 || this.column === null) return false;
    if (this.column.length !== size || this.columnCovers < storage.length) return false;
    if (
      storage.writeCursor !== (this.builtCursor + w) % size ||
      storage.length !== Math.min(size, this.builtLength + w)
    )
      return false;
    if (!table.appendWrites(this.column, this.byTrajId, this.builtLength, w, this.needsElementEpisodes)) return false;
    this.tableFresh = true;
    this.builtLength = storage.length;
    this.builtCursor = storage.writeCursor;
    this.appended = 0;
    this.tableVersion++;
    this.onAppended(table, w);
    return true;
  }

  /**
   * Called after the table was brought up to date by appending `written` steps (ending just before the
   * storage's write cursor) rather than rebuilt; subclasses patch what they derived from the old table.
   */
  protected onAppended(_table: EpisodeTable, _written: number): void {}

  private sliceShape(batchSize: number, what: string): { sliceLen: number; numSlices: number } {
    if (this.sliceLen !== undefined) {
      if (batchSize % this.sliceLen !== 0)
        throw new Error(`${what}: batchSize ${batchSize} is not a multiple of sliceLen ${this.sliceLen}`);
      return { sliceLen: this.sliceLen, numSlices: batchSize / this.sliceLen };
    }
    const numSlices = this.numSlices!;
    if (batchSize % numSlices !== 0)
      throw new Error(`${what}: batchSize ${batchSize} is not a multiple of numSlices ${numSlices}`);
    return { sliceLen: batchSize / numSlices, numSlices };
  }

  private eligible(table: EpisodeTable, sliceLen: number, what: string): Int32Array {
    const cached = this.eligibleCache;
    if (cached !== null && cached.version === this.tableVersion && cached.sliceLen === sliceLen) return cached.list;
    this.assertSomeEpisodeFits(table, sliceLen, what);
    const minLen = this.strictLength ? sliceLen : 1;
    let n = 0;
    for (let k = 0; k < table.count; k++) if (table.length[table.id(k)]! >= minLen) n++;
    const list = new Int32Array(n);
    n = 0;
    for (let k = 0; k < table.count; k++) {
      const j = table.id(k);
      if (table.length[j]! >= minLen) list[n++] = j;
    }
    this.eligibleCache = { version: this.tableVersion, sliceLen, list };
    return list;
  }

  private boundaryColumn(storage: Storage, size: number): Int32Array {
    if (this.column !== null && this.column.length === size && this.columnCovers >= storage.length) return this.column;
    const keys = storage.keys();
    if (!keys.includes(this.boundaryKey)) {
      throw new Error(
        `${this.constructor.name}: the storage has no ${this.byTrajId ? "trajKey" : "endKey"} "${this.boundaryKey}" to find episodes with (it has: ${keys.join(", ") || "nothing"})`,
      );
    }
    const n = storage.length;
    const all = new Int32Array(n);
    for (let i = 0; i < n; i++) all[i] = i;
    const leaf = storage.getLeaf(this.boundaryKey, all);
    const column = this.column !== null && this.column.length === size ? this.column : new Int32Array(size);
    readBoundaryRows(leaf.data, n, this.byTrajId, column, null);
    this.column = column;
    this.columnCovers = n;
    return column;
  }

  private sliceInfo(
    storage: Storage,
    index: Int32Array,
    batchShape: number[],
    valid: Uint8Array,
    first: Uint8Array,
    last: Uint8Array,
  ): TensorDict {
    const size = index.length;
    const flagShape = [...batchShape, 1];
    const keys = storage.keys();
    const stored = (path: string): Uint8Array | null => {
      if (!keys.includes(path)) return null;
      const data = storage.getLeaf(path, index).data;
      const row = data.length / size;
      const out = new Uint8Array(size);
      for (let i = 0; i < size; i++) {
        if (valid[i] === 0) continue;
        for (let r = 0; r < row; r++) if (data[i * row + r] !== 0) out[i] = 1;
      }
      return out;
    };
    const done = stored(DONE) ?? new Uint8Array(size);
    for (let i = 0; i < size; i++) done[i]! |= last[i]!;
    const isInit = stored(IS_INIT) ?? new Uint8Array(size);
    for (let i = 0; i < size; i++) isInit[i]! |= first[i]!;
    const flag = (data: Uint8Array) => new HostArray("bool", flagShape, data);
    const info = new TensorDict({}, batchShape);
    info.set(IS_INIT, flag(isInit));
    info.set(TRUNCATED, flag(last));
    info.set(DONE, flag(done));
    info.set(TERMINATED, flag(stored(TERMINATED) ?? new Uint8Array(size)));
    if (this.padOutput) info.set(MASK, new HostArray("bool", batchShape, valid));
    return info;
  }
}

/**
 * Writes one boundary value per element into `column`: the trajectory id (first value of the row), or 1
 * if any value of the row is non-zero. Rows are `data.length / n` values long; element `e` goes to
 * `index[e]` (or `e` when `index` is null).
 */
function readBoundaryRows(
  data: ArrayLike<number>,
  n: number,
  byTrajId: boolean,
  column: Int32Array,
  index: Int32Array | null,
): void {
  const row = data.length / n;
  for (let e = 0; e < n; e++) {
    const at = index === null ? e : index[e]!;
    if (byTrajId || row === 1) {
      column[at] = byTrajId ? data[e * row]! : data[e]! !== 0 ? 1 : 0;
      continue;
    }
    let v = 0;
    for (let r = 0; r < row; r++) if (data[e * row + r] !== 0) v = 1;
    column[at] = v;
  }
}
