import { existsSync, fsyncSync, mkdirSync, openSync, closeSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { allocateArray, arrayDType, bytesOf, hashFile, readVerifiedFile, writeBinaryFile, type ArrayDType } from "./binary-file";
import type { ComponentState, JsonValue, StateArray } from "./component-state";
import type { Sampler } from "./sampler";
import { isFileBacked, type Storage } from "./storage";
import type { Writer } from "./writer";

/** What a checkpoint holds. */
export interface CheckpointParts {
  storage: Storage;
  sampler: Sampler;
  writer: Writer;
}

const FORMAT = "tdrl-replay-buffer-checkpoint";
const VERSION = 1;
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
type Manifest = { format: string; version: number; components: Record<"storage" | "sampler" | "writer", ComponentEntry> };

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
        const files = readdirSync(filesDir).sort().map((file) => ({ file, ...hashFile(join(filesDir, file)) }));
        components.storage = { kind: "files", meta: {}, arrays: {}, files };
        continue;
      }
      components[key] = writeComponent(tmp, key, component.state());
    }
    const manifest: Manifest = { format: FORMAT, version: VERSION, components };
    writeSynced(join(tmp, MANIFEST), JSON.stringify(manifest));
    renameSync(tmp, join(dir, name));
    const pointerTmp = join(dir, `${POINTER}.tmp`);
    writeSynced(pointerTmp, JSON.stringify({ format: FORMAT, version: VERSION, current: name }));
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
  const pointer = parseJson(pointerFile) as { format?: unknown; current?: unknown };
  if (pointer.format !== FORMAT || typeof pointer.current !== "string" || !/^data-[\w-]+$/.test(pointer.current)) {
    throw new Error(`${pointerFile}: not a tdrl replay buffer checkpoint pointer: ${JSON.stringify(pointer)}`);
  }
  const dataDir = join(dir, pointer.current);
  const manifestFile = join(dataDir, MANIFEST);
  const manifest = parseJson(manifestFile) as Manifest;
  if (manifest.format !== FORMAT || manifest.version !== VERSION || typeof manifest.components !== "object") {
    throw new Error(`${manifestFile}: not a version ${VERSION} tdrl replay buffer checkpoint manifest`);
  }
  const states: Partial<Record<"storage" | "sampler" | "writer", ComponentState>> = {};
  let storageFiles: string | null = null;
  for (const key of ["writer", "sampler", "storage"] as const) {
    const entry = manifest.components[key];
    if (entry === undefined) throw new Error(`${manifestFile}: the manifest has no "${key}" component`);
    if (key === "storage" && entry.kind === "files") {
      if (!isFileBacked(parts.storage)) throw new Error(`${manifestFile}: the checkpoint holds a file-backed storage, this buffer's storage (${parts.storage.constructor.name}) is not`);
      storageFiles = join(dataDir, STORAGE_FILES);
      for (const f of entry.files ?? []) {
        const file = join(storageFiles, f.file);
        const actual = existsSync(file) ? hashFile(file) : null;
        if (actual === null) throw new Error(`${file}: missing from the checkpoint`);
        if (actual.bytes !== f.bytes) throw new Error(`${file}: ${actual.bytes < f.bytes ? "truncated" : "too long"}: expected ${f.bytes} bytes, found ${actual.bytes}`);
        if (actual.sha256 !== f.sha256) throw new Error(`${file}: corrupt: sha256 is ${actual.sha256}, the manifest says ${f.sha256}`);
      }
      continue;
    }
    states[key] = readComponent(dataDir, entry);
  }
  const previous = { writer: parts.writer.state(), sampler: parts.sampler.state() };
  try {
    parts.writer.loadState(states.writer!);
    parts.sampler.loadState(states.sampler!);
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
    if (array.byteLength !== a.bytes) throw new Error(`${join(dir, a.file)}: the manifest says ${a.bytes} bytes for ${a.length} ${a.dtype} numbers`);
    readVerifiedFile(join(dir, a.file), a.bytes, a.sha256, bytesOf(array));
    arrays[name] = array;
  }
  return { kind: entry.kind, meta: entry.meta, arrays };
}

function parseJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new Error(`${file}: cannot read (${(e as Error).message})`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: corrupt JSON (${(e as Error).message})`);
  }
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
