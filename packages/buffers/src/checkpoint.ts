import { createHash } from "node:crypto";
import {
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  closeSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { sizeOf } from "@tdrl/tensordict";
import {
  allocateArray,
  arrayDType,
  bytesOf,
  hashFile,
  verifyFile,
  readVerifiedFile,
  writeBinaryFile,
  type ArrayDType,
} from "./binary-file";
import type { ComponentState, JsonValue, StateArray } from "./component-state";
import type { Sampler } from "./sampler";
import { checkCounters, checkStorageShape, isFileBacked, type Storage, type StoredExtent } from "./storage";
import type { Writer } from "./writer";

/** What a checkpoint holds. */
export interface CheckpointParts {
  storage: Storage;
  sampler: Sampler;
  writer: Writer;
}

const FORMAT = "tdrl-replay-buffer-checkpoint";
/** 2: the pointer carries the manifest's sha256. Version 1 checkpoints (no checksum) still load, range-checked. */
const VERSION = 2;
const POINTER = "checkpoint.json";
const MANIFEST = "manifest.json";
const STORAGE_FILES = "storage-files";

interface ArrayEntry {
  file: string;
  dtype: ArrayDType;
  length: number;
  bytes: number;
  sha256: string;
}
interface FileEntry {
  file: string;
  bytes: number;
  sha256: string;
}
interface ComponentEntry {
  kind: string;
  meta: { [key: string]: JsonValue };
  arrays: { [name: string]: ArrayEntry };
  /** Files a file-backed storage dumped, under `storage-files/`. */
  files?: FileEntry[];
}
type Manifest = {
  format: string;
  version: number;
  components: Record<"storage" | "sampler" | "writer", ComponentEntry>;
};

/**
 * Writes a checkpoint into `dir` without ever destroying the previous one: the data goes to a fresh
 * `data-*` directory, and only when every file is written and synced does `checkpoint.json` (replaced by an
 * atomic rename) start pointing at it. A crash or error before that leaves the old pointer and data.
 */
export function saveCheckpoint(dir: string, parts: CheckpointParts): void {
  mkdirSync(dir, { recursive: true });
  const name = `data-${Date.now().toString(36)}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const tmp = join(dir, `${name}.tmp`);
  mkdirSync(tmp);
  try {
    const components = {} as Manifest["components"];
    for (const key of ["storage", "sampler", "writer"] as const) {
      const component = parts[key];
      if (key === "storage" && isFileBacked(parts.storage)) {
        const filesDir = join(tmp, STORAGE_FILES);
        mkdirSync(filesDir);
        parts.storage.dumpFiles(filesDir);
        const files = readdirSync(filesDir)
          .sort()
          .map((file) => ({ file, ...hashFile(join(filesDir, file)) }));
        components.storage = { kind: "files", meta: {}, arrays: {}, files };
        continue;
      }
      components[key] = writeComponent(tmp, key, component.state());
    }
    const manifest: Manifest = { format: FORMAT, version: VERSION, components };
    const manifestText = JSON.stringify(manifest);
    writeSynced(join(tmp, MANIFEST), manifestText);
    renameSync(tmp, join(dir, name));
    const pointerTmp = join(dir, `${POINTER}.tmp`);
    // The metadata is checksummed like the data: the pointer holds the manifest's sha256, the manifest every file's.
    writeSynced(
      pointerTmp,
      JSON.stringify({ format: FORMAT, version: VERSION, current: name, manifestSha256: sha256(manifestText) }),
    );
    renameSync(pointerTmp, join(dir, POINTER));
    syncDir(dir);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  // The new checkpoint is in place; older data directories (and leftovers of failed dumps) can go.
  for (const entry of readdirSync(dir)) {
    if (entry.startsWith("data-") && entry !== name) rmSync(join(dir, entry), { recursive: true, force: true });
  }
}

/**
 * Reads and verifies every file of the checkpoint in `dir` (sizes and sha256) before loading anything, then
 * loads writer, sampler and storage. If a component still refuses its state, the components already loaded
 * are put back as they were.
 */
export function loadCheckpoint(dir: string, parts: CheckpointParts): void {
  const pointerFile = join(dir, POINTER);
  if (!existsSync(pointerFile)) throw new Error(`${pointerFile}: no checkpoint here (the file does not exist)`);
  const pointer = parseJson(pointerFile) as {
    format?: unknown;
    version?: unknown;
    current?: unknown;
    manifestSha256?: unknown;
  };
  if (pointer.format !== FORMAT || typeof pointer.current !== "string" || !/^data-[\w-]+$/.test(pointer.current)) {
    throw new Error(`${pointerFile}: not a tdrl replay buffer checkpoint pointer: ${JSON.stringify(pointer)}`);
  }
  const version = pointer.version ?? 1;
  if (version !== 1 && version !== VERSION)
    throw new Error(
      `${pointerFile}: checkpoint version ${JSON.stringify(version)}, this tdrl reads versions 1 and ${VERSION}`,
    );
  if (
    version === VERSION &&
    (typeof pointer.manifestSha256 !== "string" || !/^[0-9a-f]{64}$/.test(pointer.manifestSha256))
  ) {
    throw new Error(
      `${pointerFile}: corrupt: manifestSha256 ${JSON.stringify(pointer.manifestSha256)} is not a sha256`,
    );
  }
  const dataDir = join(dir, pointer.current);
  const manifestFile = join(dataDir, MANIFEST);
  const manifestText = readText(manifestFile);
  if (version === VERSION && sha256(manifestText) !== pointer.manifestSha256) {
    throw new Error(
      `${manifestFile}: corrupt: sha256 is ${sha256(manifestText)}, ${pointerFile} says ${pointer.manifestSha256}`,
    );
  }
  const manifest = parseText(manifestText, manifestFile) as Manifest;
  if (
    manifest.format !== FORMAT ||
    manifest.version !== version ||
    typeof manifest.components !== "object" ||
    manifest.components === null
  ) {
    throw new Error(`${manifestFile}: not a version ${JSON.stringify(version)} tdrl replay buffer checkpoint manifest`);
  }
  const states: Partial<Record<"storage" | "sampler" | "writer", ComponentState>> = {};
  let storageFiles: string | null = null;
  for (const key of ["writer", "sampler", "storage"] as const) {
    const entry = manifest.components[key];
    if (entry === undefined) throw new Error(`${manifestFile}: the manifest has no "${key}" component`);
    if (key === "storage" && entry.kind === "files") {
      if (!isFileBacked(parts.storage))
        throw new Error(
          `${manifestFile}: the checkpoint holds a file-backed storage, this buffer's storage (${parts.storage.constructor.name}) is not`,
        );
      storageFiles = join(dataDir, STORAGE_FILES);
      for (const f of entry.files ?? []) {
        const file = join(storageFiles, f.file);
        verifyFile(file, f);
      }
      continue;
    }
    states[key] = readComponent(dataDir, entry);
  }
  // Every counter is checked against what the checkpoint's storage holds before anything is loaded.
  const extent = storedExtent(parts.storage, storageFiles, states.storage, manifestFile);
  const previous = { writer: parts.writer.state(), sampler: parts.sampler.state() };
  try {
    parts.writer.loadState(states.writer!, extent);
    parts.sampler.loadState(states.sampler!, extent);
    if (storageFiles !== null && isFileBacked(parts.storage)) parts.storage.loadFiles(storageFiles);
    else parts.storage.loadState(states.storage!);
  } catch (e) {
    parts.writer.loadState(previous.writer);
    parts.sampler.loadState(previous.sampler);
    throw e;
  }
}

function writeComponent(dir: string, key: string, state: ComponentState): ComponentEntry {
  const arrays: { [name: string]: ArrayEntry } = {};
  Object.entries(state.arrays).forEach(([name, array], i) => {
    const file = `${key}-${i}.bin`;
    const sha256 = writeBinaryFile(join(dir, file), bytesOf(array));
    arrays[name] = { file, dtype: arrayDType(array), length: array.length, bytes: array.byteLength, sha256 };
  });
  return { kind: state.kind, meta: { ...state.meta }, arrays };
}

function readComponent(dir: string, entry: ComponentEntry): ComponentState {
  const arrays: { [name: string]: StateArray } = {};
  for (const [name, a] of Object.entries(entry.arrays ?? {})) {
    const array = allocateArray(a.dtype, a.length);
    if (array.byteLength !== a.bytes)
      throw new Error(`${join(dir, a.file)}: the manifest says ${a.bytes} bytes for ${a.length} ${a.dtype} numbers`);
    readVerifiedFile(join(dir, a.file), a.bytes, a.sha256, bytesOf(array));
    arrays[name] = array;
  }
  return { kind: entry.kind, meta: entry.meta, arrays };
}

/**
 * Length, write cursor and shape of the checkpoint's storage (from its state's meta, or the manifest of a
 * file-backed storage's dump), range-checked against the storage it will be loaded into.
 */
function storedExtent(
  storage: Storage,
  storageFiles: string | null,
  state: ComponentState | undefined,
  manifestFile: string,
): StoredExtent | undefined {
  const meta = (storageFiles !== null ? parseJson(join(storageFiles, MANIFEST)) : (state?.meta ?? {})) as {
    [key: string]: unknown;
  };
  const what = `${storageFiles !== null ? join(storageFiles, MANIFEST) : manifestFile} (storage): corrupt`;
  const { maxSize, ndim } = storage;
  if ((meta.maxSize !== undefined && meta.maxSize !== maxSize) || (meta.ndim !== undefined && meta.ndim !== ndim)) {
    throw new Error(
      `${manifestFile}: the checkpoint holds a storage with maxSize ${JSON.stringify(meta.maxSize)} and ndim ${JSON.stringify(meta.ndim ?? 1)}, this one has ${maxSize} and ${ndim}`,
    );
  }
  if (Array.isArray(meta.layouts)) {
    // ListStorage: one layout per element, 1-dim, capacity maxSize.
    const { length, writeCursor } = checkCounters(meta.layouts.length, meta.writeCursor, maxSize, what);
    return { maxSize, ndim, shape: [maxSize], length, writeCursor };
  }
  if (meta.layout === null) {
    if (meta.length !== 0 || meta.writeCursor !== 0)
      throw new Error(
        `${what}: no layout, but length ${JSON.stringify(meta.length)} / writeCursor ${JSON.stringify(meta.writeCursor)} are not 0`,
      );
    return { maxSize, ndim, shape: null, length: 0, writeCursor: 0 };
  }
  // A storage kind this function does not know: its own loadState checks its state.
  if (meta.shape === undefined) return undefined;
  const shape = checkStorageShape(meta.shape, maxSize, ndim, what);
  const { length, writeCursor } = checkCounters(meta.length, meta.writeCursor, sizeOf(shape), what);
  return { maxSize, ndim, shape, length, writeCursor };
}

function sha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

function readText(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    throw new Error(`${file}: cannot read (${(e as Error).message})`);
  }
}

function parseText(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: corrupt JSON (${(e as Error).message})`);
  }
}

function parseJson(file: string): unknown {
  return parseText(readText(file), file);
}

/** Writes a small file and fsyncs it, so a rename that follows publishes complete content. */
export function writeSynced(file: string, text: string): void {
  writeFileSync(file, text);
  const fd = openSync(file, "r+");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function syncDir(dir: string): void {
  // Makes the renames durable; some platforms cannot fsync a directory, which only weakens durability.
  try {
    const fd = openSync(dir, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    /* not supported here */
  }
}
