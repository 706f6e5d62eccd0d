import {
  closeSync,
  existsSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
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
import { DirectoryLock, LOCK_FILE } from "./directory-lock";
import { checkIndex } from "./element-copy";
import { arrayType } from "./lazy-tensor-storage";
import { Layout, buildTensorDict, type LeafLayout } from "./layout";
import { LazyLayoutStorage } from "./lazy-layout-storage";
import { checkCounters, checkStorageShape, type FileBackedStorage } from "./storage";

const LAZY_MEMMAP_STORAGE_OPTION_KEYS = {
  scratchDir: true,
  existsOk: true,
  ndim: true,
} satisfies OptionKeys<LazyMemmapStorageOptions>;

export interface LazyMemmapStorageOptions {
  /** The directory that holds the files; created when missing. */
  scratchDir: string;
  /** Reopen a directory that already holds a storage (its data and write cursor). Default false: a non-empty directory is an error. */
  existsOk?: boolean;
  /** 1 (default) or 2 (data as `[numEnvs, T]` blocks; see `Storage`). */
  ndim?: 1 | 2;
}

const KIND = "LazyMemmapStorage";
const FORMAT = "tdrl-memmap-storage";
const VERSION = 1;
const MANIFEST = "manifest.json";
const COPY_CHUNK = 8 * 1024 * 1024;

interface Manifest {
  format: string;
  version: number;
  maxSize: number;
  ndim: 1 | 2;
  shape: number[] | null;
  layout: unknown;
  files: string[];
  length: number;
  writeCursor: number;
  /**
   * Element rows each data file holds: the capacity in a live directory (sparse files), the length in a
   * dump (only rows that hold data are written). Missing in manifests written before dumps were compact:
   * the capacity.
   */
  fileRows?: number;
}

function bytesPer(dtype: DType): number {
  return dtype === "float32" || dtype === "int32" ? 4 : 1;
}

function bytesView(a: { buffer: ArrayBufferLike; byteOffset: number; byteLength: number }): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/**
 * `LazyTensorStorage`'s layout in files: one file per leaf (element after element, row-major) and a JSON
 * manifest of keys, shapes, dtypes, length and write cursor. Only the manifest is kept in memory; reads and
 * writes are positioned `readSync`/`writeSync` calls, batched by sorting the indices and coalescing
 * contiguous runs. Node has no mmap, so this is what keeps a buffer larger than memory small in RSS.
 *
 * The directory outlives the process: `existsOk: true` reopens it with its data and write cursor. Without
 * it, a non-empty directory is refused rather than mixed with stale data. A corrupt manifest or a data
 * file of the wrong size is refused, naming the file. One live storage per directory: the constructor
 * takes a lock file (`tdrl.lock`: holder pid, host, time) and refuses a second opener, in this process or
 * another, naming the holder; `close()` releases it, and a lock left by a crashed process (its pid is gone)
 * is taken over.
 *
 * @example
 * import { mkdtempSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { HostArray, TensorDict } from "@tdrl/tensordict";
 * import { LazyMemmapStorage } from "@tdrl/buffers";
 * const root = mkdtempSync(join(tmpdir(), "rb-"));
 * const storage = new LazyMemmapStorage(1000, { scratchDir: join(root, "frames") });
 * storage.set(Int32Array.from([0, 1]), new TensorDict({ pixels: HostArray.zeros("uint8", [2, 84, 84]) }, [2]));
 * storage.close();
 * const again = new LazyMemmapStorage(1000, { scratchDir: join(root, "frames"), existsOk: true });
 * again.length; // 2
 * again.close();
 * rmSync(root, { recursive: true, force: true });
 */
export class LazyMemmapStorage extends LazyLayoutStorage implements FileBackedStorage {
  readonly scratchDir: string;
  private files: string[] = [];
  private fds: number[] = [];
  private closed = false;
  private readonly lock: DirectoryLock;

  constructor(maxSize: number, options: LazyMemmapStorageOptions) {
    checkOptions("LazyMemmapStorage", options, LAZY_MEMMAP_STORAGE_OPTION_KEYS);
    super(maxSize, options.ndim ?? 1, KIND);
    this.scratchDir = options.scratchDir;
    mkdirSync(this.scratchDir, { recursive: true });
    // Taken first: a second live opener is refused naming the holder, whatever the directory holds.
    this.lock = DirectoryLock.acquire(this.scratchDir, KIND);
    try {
      const entries = readdirSync(this.scratchDir).filter((e) => !e.startsWith(LOCK_FILE));
      if (entries.length > 0) {
        if (options.existsOk !== true) {
          throw new Error(
            `${KIND}: ${this.scratchDir} already exists and is not empty; pass existsOk: true to reopen the storage in it (refusing to mix with stale data)`,
          );
        }
        this.open(this.scratchDir);
        this.removeLeftovers(entries);
      }
    } catch (e) {
      this.closeFiles();
      this.lock.release();
      throw e;
    }
  }

  /**
   * Writes the rows, then the manifest. A write that fails midway (ENOSPC, EIO) is rolled back: the rows
   * it overwrote that held data are read first and written back, and length and cursor stay, so a failed
   * `set` stores nothing. (Overwritten rows sit in blocks the file already has, so the undo needs no space.)
   */
  set(index: Int32Array, data: TensorDict): void {
    const what = `${KIND}.set`;
    this.requireOpen(what);
    const { shape, capacity, layout, hosts, max } = this.checkWrite(index, data, what);
    const first = this.layout === null;
    if (first) this.allocate(layout, shape);
    if (index.length === 0) return;
    const plan = planRuns(index);
    const undo = this.undoFor(layout, index);
    const { len, cursor } = this;
    try {
      layout.leaves.forEach((l, i) =>
        writeRuns(this.fds[i]!, bytesView(hosts[i]!.data), index, plan, l.size * bytesPer(l.dtype)),
      );
      this.advance(index, max, capacity);
      this.writeManifest();
    } catch (e) {
      this.len = len;
      this.cursor = cursor;
      this.rollBack(layout, undo, first, e as Error, what);
      throw e;
    }
  }

  get(index: Int32Array): TensorDict {
    const what = `${KIND}.get`;
    const layout = this.requireLayout(what);
    checkIndex(index, this.len, what);
    const plan = planRuns(index);
    const arrays = layout.leaves.map((l, i) => this.readLeaf(l, i, index, plan));
    return buildTensorDict(this.keys(), arrays, [index.length]);
  }

  getLeaf(path: string, index: Int32Array): HostArray {
    const { leaf, position } = this.checkLeafRead(KIND, path, index);
    return this.readLeaf(leaf, position, index, planRuns(index));
  }

  /** Deletes the data files and forgets the layout; the directory and an empty manifest stay. */
  clear(): void {
    this.replaceWith(null, null, 0, 0, () => undefined, `${KIND}.clear`);
  }

  /** Closes the file descriptors and releases the directory lock; the files stay on disk. The storage can no longer be used. */
  close(): void {
    this.closeFiles();
    this.layout = null;
    this.closed = true;
    this.lock.release();
  }

  /**
   * Reads every stored leaf into memory (the `length` rows that hold data, not the capacity): for small
   * storages and tests; checkpoints use `dumpFiles`.
   */
  state(): ComponentState {
    const arrays: Record<string, StateArray> = {};
    this.layout?.leaves.forEach((l, i) => {
      const out = new HostArray(l.dtype, [this.len * l.size]).data;
      readFully(this.fds[i]!, bytesView(out), 0, join(this.scratchDir, this.files[i]!));
      arrays[l.path] = out;
    });
    return {
      kind: KIND,
      meta: { ...this.manifest(), fileRows: this.len } as unknown as ComponentState["meta"],
      arrays,
    };
  }

  /** Replaces the content with `state`; written beside the current files and swapped in, so a failure changes nothing. */
  loadState(state: ComponentState): void {
    const what = `${KIND}.loadState`;
    assertKind(state, KIND, KIND);
    const maxSize = metaNumber(state, "maxSize", KIND);
    const ndim = metaNumber(state, "ndim", KIND);
    if (maxSize !== this.maxSize || ndim !== this.ndim) {
      throw new Error(
        `${what}: the state is of a storage with maxSize ${maxSize} and ndim ${ndim}, this one has ${this.maxSize} and ${this.ndim}`,
      );
    }
    if (state.meta.layout === null) {
      this.replaceWith(null, null, 0, 0, () => undefined, what);
      return;
    }
    const layout = Layout.fromJSON(state.meta.layout, what);
    const shape = checkStorageShape(state.meta.shape, this.maxSize, this.ndim, what);
    const { length, writeCursor } = checkCounters(state.meta.length, state.meta.writeCursor, sizeOf(shape), what);
    // Rows that hold data only (current states), or the whole capacity (states written before).
    const arrays = layout.leaves.map((l) => {
      const a = stateArray(state, l.path, arrayType(l.dtype), KIND);
      if (a.length !== length * l.size && a.length !== sizeOf(shape) * l.size) {
        throw new Error(
          `${what}: array "${l.path}" has ${a.length} numbers, expected ${length * l.size} (${length} elements of ${l.size})`,
        );
      }
      return a;
    });
    this.replaceWith(layout, shape, length, writeCursor, (fd, i) => writeFully(fd, bytesView(arrays[i]!), 0), what);
  }

  /**
   * Writes the rows that hold data (`length` elements per leaf, not the capacity: a 100000-slot buffer of
   * ten 84x84 frames dumps 70 KB, not 673 MB), fsynced, and a manifest saying so.
   */
  dumpFiles(dir: string): void {
    const what = `${KIND}.dumpFiles`;
    this.requireOpen(what);
    this.layout?.leaves.forEach((l, i) => {
      copyRows(
        this.fds[i]!,
        join(this.scratchDir, this.files[i]!),
        join(dir, this.files[i]!),
        this.len * l.size * bytesPer(l.dtype),
      );
    });
    writeFileSync(join(dir, MANIFEST), JSON.stringify({ ...this.manifest(), fileRows: this.len }));
  }

  /**
   * Replaces the content with a dump. The new files are written beside the current ones and fsynced, and
   * the manifest's atomic rename swaps them in: a failure before it (ENOSPC, a bad file) leaves the storage
   * exactly as it was, open and usable; the old files are deleted only after it.
   */
  loadFiles(dir: string): void {
    // Validate the source completely (manifest, file sizes) before touching this storage's files.
    const source = readManifest(dir, this.maxSize, this.ndim, "dump");
    this.replaceWith(
      source.layout,
      source.shape,
      source.length,
      source.writeCursor,
      (fd, i, bytesPerElement) => {
        const from = join(dir, source.files[i]!);
        const src = openSync(from, "r");
        try {
          copyBetween(src, from, fd, source.fileRows * bytesPerElement);
        } finally {
          closeSync(src);
        }
      },
      `${KIND}.loadFiles`,
    );
  }

  // ---------------------------------------------------------------- internals

  private open(dir: string): void {
    const m = readManifest(dir, this.maxSize, this.ndim, "live");
    this.layout = m.layout;
    this.files = m.files;
    this.storeShape = m.shape;
    this.len = m.length;
    this.cursor = m.writeCursor;
    this.fds = this.files.map((f) => openSync(join(dir, f), "r+"));
  }

  /**
   * Makes the storage hold `layout` / `shape` / `length` / `cursor`, with data written by `fill` into fresh
   * files beside the current ones. The manifest rename is the commit point: before it every failure removes
   * the new files and leaves the storage as it was; after it the old files go.
   */
  private replaceWith(
    layout: Layout | null,
    shape: Shape | null,
    length: number,
    cursor: number,
    fill: (fd: number, leaf: number, bytesPerElement: number) => void,
    what: string,
  ): void {
    this.requireOpen(what);
    const generation = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
    const files = layout?.leaves.map((l, i) => leafFile(i, l.path, generation)) ?? [];
    const capacity = shape === null ? 0 : sizeOf(shape);
    const fds: number[] = [];
    try {
      layout?.leaves.forEach((l, i) => {
        const fd = openSync(join(this.scratchDir, files[i]!), "wx+");
        fds.push(fd);
        ftruncateSync(fd, capacity * l.size * bytesPer(l.dtype));
        fill(fd, i, l.size * bytesPer(l.dtype));
        fsyncSync(fd);
      });
      this.writeManifest({
        ...this.manifest(),
        shape: shape === null ? null : [...shape],
        layout: layout?.toJSON() ?? null,
        files,
        length,
        writeCursor: cursor,
        fileRows: capacity,
      });
    } catch (e) {
      for (const fd of fds) closeSync(fd);
      for (const f of files) rmSync(join(this.scratchDir, f), { force: true });
      throw e;
    }
    const old = this.files;
    this.closeFiles();
    this.layout = layout;
    this.files = files;
    this.fds = fds;
    this.storeShape = shape === null ? null : Object.freeze([...shape]);
    this.len = length;
    this.cursor = cursor;
    for (const f of old) rmSync(join(this.scratchDir, f), { force: true });
  }

  /**
   * Deletes what an interrupted load or write left beside the current files (data files the manifest does
   * not list, a manifest temporary). Safe because this process holds the directory lock.
   */
  private removeLeftovers(entries: string[]): void {
    const keep = new Set(this.files);
    for (const e of entries) {
      if ((e.endsWith(".bin") && /^\d+-/.test(e) && !keep.has(e)) || e === `${MANIFEST}.tmp`)
        rmSync(join(this.scratchDir, e), { force: true });
    }
  }

  private allocate(layout: Layout, shape: Shape): void {
    const capacity = sizeOf(shape);
    const files = layout.leaves.map((l, i) => leafFile(i, l.path, null));
    const fds: number[] = [];
    try {
      layout.leaves.forEach((l, i) => {
        const fd = openSync(join(this.scratchDir, files[i]!), "w+");
        fds.push(fd);
        // Sparse: the file system allocates blocks only where data is written.
        ftruncateSync(fd, capacity * l.size * bytesPer(l.dtype));
      });
    } catch (e) {
      for (const fd of fds) closeSync(fd);
      for (const f of files) rmSync(join(this.scratchDir, f), { force: true });
      throw e;
    }
    this.layout = layout;
    this.files = files;
    this.fds = fds;
    this.storeShape = Object.freeze([...shape]);
  }

  /** The current bytes of the rows `index` overwrites that hold data (below the length), per leaf. */
  private undoFor(layout: Layout, index: Int32Array): { index: Int32Array; plan: Runs; rows: Uint8Array[] } | null {
    const held = index.filter((i) => i < this.len);
    if (held.length === 0) return null;
    const plan = planRuns(held);
    const rows = layout.leaves.map((l, i) => {
      const eb = l.size * bytesPer(l.dtype);
      const out = new Uint8Array(held.length * eb);
      readRuns(this.fds[i]!, out, held, plan, eb, join(this.scratchDir, this.files[i]!));
      return out;
    });
    return { index: held, plan, rows };
  }

  /** Puts back what a failed `set` overwrote; a first write's new files are removed. */
  private rollBack(
    layout: Layout,
    undo: ReturnType<LazyMemmapStorage["undoFor"]>,
    first: boolean,
    cause: Error,
    what: string,
  ): void {
    if (first) {
      this.closeFiles();
      for (const f of this.files) rmSync(join(this.scratchDir, f), { force: true });
      this.layout = null;
      this.files = [];
      this.storeShape = null;
      return;
    }
    if (undo === null) return;
    try {
      layout.leaves.forEach((l, i) =>
        writeRuns(this.fds[i]!, undo.rows[i]!, undo.index, undo.plan, l.size * bytesPer(l.dtype)),
      );
    } catch (e) {
      // Should not happen (the blocks exist); say so rather than leave silent garbage.
      this.closeFiles();
      this.closed = true;
      throw new Error(
        `${what}: the write failed (${cause.message}) and putting back the ${undo.index.length} overwritten rows failed too (${(e as Error).message}); the storage is closed, reopen ${this.scratchDir} and check its data`,
      );
    }
  }

  private readLeaf(l: LeafLayout, i: number, index: Int32Array, plan: Runs): HostArray {
    const out = new HostArray(l.dtype, [index.length, ...l.shape]);
    readRuns(
      this.fds[i]!,
      bytesView(out.data),
      index,
      plan,
      l.size * bytesPer(l.dtype),
      join(this.scratchDir, this.files[i]!),
    );
    return out;
  }

  private manifest(): Manifest {
    return {
      format: FORMAT,
      version: VERSION,
      maxSize: this.maxSize,
      ndim: this.ndim,
      shape: this.storeShape === null ? null : [...this.storeShape],
      layout: this.layout?.toJSON() ?? null,
      files: this.files,
      length: this.len,
      writeCursor: this.cursor,
      fileRows: this.storeShape === null ? 0 : sizeOf(this.storeShape),
    };
  }

  private writeManifest(manifest: Manifest = this.manifest()): void {
    // Rename is atomic: a reader (or a crash) sees the old manifest or the new one, never half of one.
    const tmp = join(this.scratchDir, `${MANIFEST}.tmp`);
    try {
      writeFileSync(tmp, JSON.stringify(manifest));
      renameSync(tmp, join(this.scratchDir, MANIFEST));
    } catch (e) {
      rmSync(tmp, { force: true });
      throw e;
    }
  }

  private closeFiles(): void {
    for (const fd of this.fds) closeSync(fd);
    this.fds = [];
  }

  private requireOpen(what: string): void {
    if (this.closed || this.fds.length !== this.files.length) throw new Error(`${what}: the storage is closed`);
  }

  protected requireLayout(what: string): Layout {
    if (this.layout === null || this.len === 0) throw new Error(`${what}: the storage is empty`);
    this.requireOpen(what);
    return this.layout;
  }
}

/** Reads and checks the manifest and data files in `dir`; throws naming the file and what is wrong. */
function readManifest(
  dir: string,
  maxSize: number,
  ndim: number,
  kind: "live" | "dump",
): {
  layout: Layout | null;
  files: string[];
  shape: Shape | null;
  length: number;
  writeCursor: number;
  fileRows: number;
} {
  const file = join(dir, MANIFEST);
  if (!existsSync(file)) throw new Error(`${file}: missing; ${dir} does not hold a ${KIND}`);
  let m: Partial<Manifest>;
  try {
    m = JSON.parse(readFileSync(file, "utf8")) as Partial<Manifest>;
  } catch (e) {
    throw new Error(`${file}: corrupt JSON (${(e as Error).message})`);
  }
  if (m.format !== FORMAT || m.version !== VERSION)
    throw new Error(
      `${file}: not a version ${VERSION} ${KIND} manifest (format ${JSON.stringify(m.format)}, version ${JSON.stringify(m.version)})`,
    );
  if (m.maxSize !== maxSize || m.ndim !== ndim)
    throw new Error(
      `${file}: the storage there has maxSize ${m.maxSize} and ndim ${m.ndim}, this one was asked for ${maxSize} and ${ndim}`,
    );
  if (m.layout === null || m.layout === undefined) {
    if (m.length !== 0 || m.writeCursor !== 0)
      throw new Error(
        `${file}: corrupt: no layout, but length ${JSON.stringify(m.length)} / writeCursor ${JSON.stringify(m.writeCursor)} are not 0`,
      );
    return { layout: null, files: [], shape: null, length: 0, writeCursor: 0, fileRows: 0 };
  }
  const layout = Layout.fromJSON(m.layout, file);
  const shape = checkStorageShape(m.shape, maxSize, ndim as 1 | 2, `${file}: corrupt`);
  const capacity = sizeOf(shape);
  checkCounters(m.length, m.writeCursor, capacity, `${file}: corrupt`);
  // A live directory's files span the capacity; a dump's hold the rows with data (older dumps: the capacity).
  const rows = m.fileRows ?? capacity;
  if (rows !== capacity && !(kind === "dump" && rows === m.length)) {
    throw new Error(
      `${file}: corrupt: fileRows ${JSON.stringify(m.fileRows)} should be ${kind === "dump" ? `the length ${m.length} or ` : ""}the capacity ${capacity}`,
    );
  }
  const files = m.files;
  if (
    !Array.isArray(files) ||
    files.length !== layout.leaves.length ||
    !files.every((f) => typeof f === "string" && /^[\w.-]+$/.test(f))
  ) {
    throw new Error(
      `${file}: corrupt: the file list ${JSON.stringify(files)} does not match the ${layout.leaves.length} leaves`,
    );
  }
  layout.leaves.forEach((l, i) => {
    const data = join(dir, files[i]!);
    const expected = rows * l.size * bytesPer(l.dtype);
    if (!existsSync(data)) throw new Error(`${data}: missing (leaf "${l.path}")`);
    const size = statSync(data).size;
    if (size !== expected)
      throw new Error(
        `${data}: ${size < expected ? "truncated" : "too long"}: leaf "${l.path}" needs ${expected} bytes, the file has ${size}`,
      );
  });
  return {
    layout,
    files,
    shape: Object.freeze([...shape]),
    length: m.length!,
    writeCursor: m.writeCursor!,
    fileRows: rows,
  };
}

/**
 * The indices sorted (with their positions in the request), cut into runs of consecutive storage
 * indices, so each run is one positioned read or write. Duplicates share a run.
 */
interface Runs {
  /** Positions in the request, ordered by storage index (ties: by position). */
  order: Int32Array;
  /** Run boundaries in `order`: run r is order[starts[r] .. starts[r+1]). */
  starts: number[];
}

function planRuns(index: Int32Array): Runs {
  const n = index.length;
  const order = new Int32Array(n);
  if (n < 1 << 21) {
    // index < 2^31 and position < 2^21 pack exactly into a float64, and a typed-array sort is numeric.
    const keys = new Float64Array(n);
    for (let i = 0; i < n; i++) keys[i] = index[i]! * 2097152 + i;
    keys.sort();
    for (let i = 0; i < n; i++) order[i] = keys[i]! % 2097152;
  } else {
    const o = Array.from({ length: n }, (_, i) => i).sort((a, b) => index[a]! - index[b]! || a - b);
    order.set(o);
  }
  const starts: number[] = [0];
  for (let k = 1; k < n; k++) {
    const d = index[order[k]!]! - index[order[k - 1]!]!;
    if (d > 1) starts.push(k);
  }
  starts.push(n);
  return { order, starts };
}

/** One run of `plan`: positions `order[a .. b)` cover the `count` storage indices from `first`. */
interface Run {
  a: number;
  b: number;
  first: number;
  count: number;
  /** The run's elements sit in order in the request too (the round-robin case): one contiguous copy. */
  direct: boolean;
}

function forEachRun(index: Int32Array, plan: Runs, visit: (run: Run) => void): void {
  const { order, starts } = plan;
  for (let r = 0; r + 1 < starts.length; r++) {
    const a = starts[r]!;
    const b = starts[r + 1]!;
    const first = index[order[a]!]!;
    const count = index[order[b - 1]!]! - first + 1;
    let direct = count === b - a;
    for (let k = a + 1; direct && k < b; k++) direct = order[k] === order[k - 1]! + 1;
    visit({ a, b, first, count, direct });
  }
}

function writeRuns(fd: number, src: Uint8Array, index: Int32Array, plan: Runs, eb: number): void {
  const { order } = plan;
  forEachRun(index, plan, ({ a, b, first, count, direct }) => {
    // Straight from the source when the run's elements sit in order there too (the round-robin case).
    if (direct) {
      writeFully(fd, src.subarray(order[a]! * eb, (order[a]! + count) * eb), first * eb);
      return;
    }
    const stage = new Uint8Array(count * eb);
    // Ties are ordered by position, so the last write of a repeated index wins, as in memory.
    for (let k = a; k < b; k++) {
      const p = order[k]!;
      stage.set(src.subarray(p * eb, (p + 1) * eb), (index[p]! - first) * eb);
    }
    writeFully(fd, stage, first * eb);
  });
}

function readRuns(fd: number, out: Uint8Array, index: Int32Array, plan: Runs, eb: number, file: string): void {
  const { order } = plan;
  forEachRun(index, plan, ({ a, b, first, count, direct }) => {
    if (direct) {
      readFully(fd, out.subarray(order[a]! * eb, (order[a]! + count) * eb), first * eb, file);
      return;
    }
    const stage = new Uint8Array(count * eb);
    readFully(fd, stage, first * eb, file);
    for (let k = a; k < b; k++) {
      const p = order[k]!;
      const at = (index[p]! - first) * eb;
      out.set(stage.subarray(at, at + eb), p * eb);
    }
  });
}

/** Copies the first `bytes` bytes of an open file to a new file `to`, fsynced (a checkpoint must be durable before it is published). */
function copyRows(fd: number, from: string, to: string, bytes: number): void {
  const out = openSync(to, "wx");
  try {
    copyBetween(fd, from, out, bytes);
    fsyncSync(out);
  } finally {
    closeSync(out);
  }
}

/** Copies the first `bytes` bytes of open file `src` (named `from`, for errors) to the start of open file `dst`. */
function copyBetween(src: number, from: string, dst: number, bytes: number): void {
  const chunk = new Uint8Array(Math.max(1, Math.min(bytes, COPY_CHUNK)));
  for (let at = 0; at < bytes; at += chunk.length) {
    const part = chunk.subarray(0, Math.min(chunk.length, bytes - at));
    readFully(src, part, at, from);
    writeFully(dst, part, at);
  }
}

/** The data file of leaf `i`; files written by a load carry a generation tag so they never collide with the current ones. */
function leafFile(i: number, path: string, generation: string | null): string {
  return `${i}-${path.replace(/[^\w.-]/g, "_")}${generation === null ? "" : `.${generation}`}.bin`;
}

function writeFully(fd: number, bytes: Uint8Array, position: number): void {
  let done = 0;
  while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done, position + done);
}

function readFully(fd: number, bytes: Uint8Array, position: number, file: string): void {
  let done = 0;
  while (done < bytes.length) {
    const n = readSync(fd, bytes, done, bytes.length - done, position + done);
    if (n === 0)
      throw new Error(`${file}: truncated: no data at byte ${position + done} (file size ${fstatSync(fd).size})`);
    done += n;
  }
}
