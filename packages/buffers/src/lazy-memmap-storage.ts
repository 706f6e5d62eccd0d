import { closeSync, copyFileSync, existsSync, fstatSync, ftruncateSync, mkdirSync, openSync, readFileSync, readSync, readdirSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { checkOptions, type OptionKeys, HostArray, TensorDict, sizeOf, type DType, type Shape } from "@tdrl/tensordict";
import { assertKind, metaNumber, stateArray, type ComponentState, type StateArray } from "./component-state";
import { checkIndex } from "./element-copy";
import { arrayType } from "./lazy-tensor-storage";
import { Layout, buildTensorDict, type LeafLayout } from "./layout";
import { LazyLayoutStorage } from "./lazy-layout-storage";
import type { FileBackedStorage } from "./storage";

const LAZY_MEMMAP_STORAGE_OPTION_KEYS = { scratchDir: true, existsOk: true, ndim: true } satisfies OptionKeys<LazyMemmapStorageOptions>;

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
 * file of the wrong size is refused, naming the file.
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

  constructor(maxSize: number, options: LazyMemmapStorageOptions) {
    checkOptions("LazyMemmapStorage", options, LAZY_MEMMAP_STORAGE_OPTION_KEYS);
    super(maxSize, options.ndim ?? 1, KIND);
    this.scratchDir = options.scratchDir;
    if (existsSync(this.scratchDir)) {
      const entries = readdirSync(this.scratchDir);
      if (entries.length > 0) {
        if (options.existsOk !== true) {
          throw new Error(`${KIND}: ${this.scratchDir} already exists and is not empty; pass existsOk: true to reopen the storage in it (refusing to mix with stale data)`);
        }
        this.open(this.scratchDir);
      }
    } else {
      mkdirSync(this.scratchDir, { recursive: true });
    }
  }

  set(index: Int32Array, data: TensorDict): void {
    const { shape, capacity, layout, hosts, max } = this.checkWrite(index, data, `${KIND}.set`);
    if (this.layout === null) this.allocate(layout, shape);
    if (index.length === 0) return;
    const plan = planRuns(index);
    layout.leaves.forEach((l, i) => writeRuns(this.fds[i]!, bytesView(hosts[i]!.data), index, plan, l.size * bytesPer(l.dtype)));
    this.advance(index, max, capacity);
    this.writeManifest();
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
    this.closeFiles();
    for (const f of this.files) rmSync(join(this.scratchDir, f), { force: true });
    this.layout = null;
    this.files = [];
    this.storeShape = null;
    this.len = 0;
    this.cursor = 0;
    this.writeManifest();
  }

  /** Closes the file descriptors; the files stay on disk. The storage can no longer be used. */
  close(): void {
    this.closeFiles();
    this.layout = null;
  }

  /** Reads every stored leaf into memory: for small storages and tests; checkpoints use `dumpFiles`. */
  state(): ComponentState {
    const arrays: Record<string, StateArray> = {};
    const capacity = this.storeShape === null ? 0 : sizeOf(this.storeShape);
    this.layout?.leaves.forEach((l, i) => {
      const out = new HostArray(l.dtype, [capacity * l.size]).data;
      readFully(this.fds[i]!, bytesView(out), 0, join(this.scratchDir, this.files[i]!));
      arrays[l.path] = out;
    });
    return { kind: KIND, meta: this.manifest() as unknown as ComponentState["meta"], arrays };
  }

  loadState(state: ComponentState): void {
    assertKind(state, KIND, KIND);
    const maxSize = metaNumber(state, "maxSize", KIND);
    const ndim = metaNumber(state, "ndim", KIND);
    if (maxSize !== this.maxSize || ndim !== this.ndim) {
      throw new Error(`${KIND}.loadState: the state is of a storage with maxSize ${maxSize} and ndim ${ndim}, this one has ${this.maxSize} and ${this.ndim}`);
    }
    if (state.meta.layout === null) {
      this.clear();
      return;
    }
    const layout = Layout.fromJSON(state.meta.layout, `${KIND}.loadState`);
    const shape = state.meta.shape as number[];
    const arrays = layout.leaves.map((l) => {
      const a = stateArray(state, l.path, arrayType(l.dtype), KIND);
      if (a.length !== sizeOf(shape) * l.size) throw new Error(`${KIND}.loadState: array "${l.path}" has ${a.length} numbers, expected ${sizeOf(shape) * l.size}`);
      return a;
    });
    this.clear();
    this.allocate(layout, shape);
    arrays.forEach((a, i) => writeFully(this.fds[i]!, bytesView(a), 0));
    this.len = metaNumber(state, "length", KIND);
    this.cursor = metaNumber(state, "writeCursor", KIND);
    this.writeManifest();
  }

  dumpFiles(dir: string): void {
    for (const f of this.files) copyFileSync(join(this.scratchDir, f), join(dir, f));
    writeFileSync(join(dir, MANIFEST), JSON.stringify(this.manifest()));
  }

  loadFiles(dir: string): void {
    // Validate the source completely (manifest, file sizes) before touching this storage's files.
    const source = readManifest(dir, this.maxSize, this.ndim);
    this.closeFiles();
    for (const f of this.files) rmSync(join(this.scratchDir, f), { force: true });
    for (const f of source.files) {
      copyFileSync(join(dir, f), join(this.scratchDir, `${f}.tmp`));
      renameSync(join(this.scratchDir, `${f}.tmp`), join(this.scratchDir, f));
    }
    copyFileSync(join(dir, MANIFEST), join(this.scratchDir, `${MANIFEST}.tmp`));
    renameSync(join(this.scratchDir, `${MANIFEST}.tmp`), join(this.scratchDir, MANIFEST));
    this.open(this.scratchDir);
  }

  // ---------------------------------------------------------------- internals

  private open(dir: string): void {
    const m = readManifest(dir, this.maxSize, this.ndim);
    this.layout = m.layout;
    this.files = m.files;
    this.storeShape = m.shape;
    this.len = m.length;
    this.cursor = m.writeCursor;
    this.fds = this.files.map((f) => openSync(join(dir, f), "r+"));
  }

  private allocate(layout: Layout, shape: Shape): void {
    const capacity = sizeOf(shape);
    const files = layout.leaves.map((l, i) => `${i}-${l.path.replace(/[^\w.-]/g, "_")}.bin`);
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

  private readLeaf(l: LeafLayout, i: number, index: Int32Array, plan: Runs): HostArray {
    const out = new HostArray(l.dtype, [index.length, ...l.shape]);
    readRuns(this.fds[i]!, bytesView(out.data), index, plan, l.size * bytesPer(l.dtype), join(this.scratchDir, this.files[i]!));
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
    };
  }

  private writeManifest(): void {
    // Rename is atomic: a reader (or a crash) sees the old manifest or the new one, never half of one.
    const tmp = join(this.scratchDir, `${MANIFEST}.tmp`);
    writeFileSync(tmp, JSON.stringify(this.manifest()));
    renameSync(tmp, join(this.scratchDir, MANIFEST));
  }

  private closeFiles(): void {
    for (const fd of this.fds) closeSync(fd);
    this.fds = [];
  }

  protected requireLayout(what: string): Layout {
    if (this.layout === null || this.len === 0) throw new Error(`${what}: the storage is empty`);
    if (this.fds.length !== this.files.length) throw new Error(`${what}: the storage is closed`);
    return this.layout;
  }
}

/** Reads and checks the manifest and data files in `dir`; throws naming the file and what is wrong. */
function readManifest(dir: string, maxSize: number, ndim: number): { layout: Layout | null; files: string[]; shape: Shape | null; length: number; writeCursor: number } {
  const file = join(dir, MANIFEST);
  if (!existsSync(file)) throw new Error(`${file}: missing; ${dir} does not hold a ${KIND}`);
  let m: Partial<Manifest>;
  try {
    m = JSON.parse(readFileSync(file, "utf8")) as Partial<Manifest>;
  } catch (e) {
    throw new Error(`${file}: corrupt JSON (${(e as Error).message})`);
  }
  if (m.format !== FORMAT || m.version !== VERSION) throw new Error(`${file}: not a version ${VERSION} ${KIND} manifest (format ${JSON.stringify(m.format)}, version ${JSON.stringify(m.version)})`);
  if (m.maxSize !== maxSize || m.ndim !== ndim) throw new Error(`${file}: the storage there has maxSize ${m.maxSize} and ndim ${m.ndim}, this one was asked for ${maxSize} and ${ndim}`);
  const int = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;
  if (!int(m.length) || !int(m.writeCursor)) throw new Error(`${file}: corrupt: length ${m.length} / writeCursor ${m.writeCursor} are not non-negative integers`);
  if (m.layout === null || m.layout === undefined) return { layout: null, files: [], shape: null, length: 0, writeCursor: 0 };
  const layout = Layout.fromJSON(m.layout, file);
  const shape = m.shape;
  if (!Array.isArray(shape) || !shape.every(int) || shape.length !== ndim) throw new Error(`${file}: corrupt: storage shape ${JSON.stringify(shape)}`);
  const capacity = sizeOf(shape);
  if (m.length! > capacity || m.writeCursor! >= capacity) throw new Error(`${file}: corrupt: length ${m.length} / writeCursor ${m.writeCursor} exceed the capacity ${capacity}`);
  const files = m.files;
  if (!Array.isArray(files) || files.length !== layout.leaves.length || !files.every((f) => typeof f === "string" && /^[\w.-]+$/.test(f))) {
    throw new Error(`${file}: corrupt: the file list ${JSON.stringify(files)} does not match the ${layout.leaves.length} leaves`);
  }
  layout.leaves.forEach((l, i) => {
    const data = join(dir, files[i]!);
    const expected = capacity * l.size * bytesPer(l.dtype);
    if (!existsSync(data)) throw new Error(`${data}: missing (leaf "${l.path}")`);
    const size = statSync(data).size;
    if (size !== expected) throw new Error(`${data}: ${size < expected ? "truncated" : "too long"}: leaf "${l.path}" needs ${expected} bytes, the file has ${size}`);
  });
  return { layout, files, shape: Object.freeze([...shape]), length: m.length!, writeCursor: m.writeCursor! };
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

function writeFully(fd: number, bytes: Uint8Array, position: number): void {
  let done = 0;
  while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done, position + done);
}

function readFully(fd: number, bytes: Uint8Array, position: number, file: string): void {
  let done = 0;
  while (done < bytes.length) {
    const n = readSync(fd, bytes, done, bytes.length - done, position + done);
    if (n === 0) throw new Error(`${file}: truncated: no data at byte ${position + done} (file size ${fstatSync(fd).size})`);
    done += n;
  }
}
