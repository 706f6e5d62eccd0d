import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { basename, dirname, join, relative } from "node:path";
import type { JsonValue, StateArray } from "@tdrl/buffers";
import { hashFile, readVerifiedFile, verifyFile, writeBinaryFile } from "@tdrl/buffers/internal";
import { syncDir } from "./fs-sync";

/** What a checkpoint holds, by name: JSON values, typed arrays, and directories filled by a writer (e.g. `buffer.dumps`). */
export interface CheckpointContents {
  json?: Record<string, JsonValue>;
  arrays?: Record<string, StateArray>;
  /** Each writer fills the fresh directory it is given; every file it writes is checksummed with the rest. */
  dirs?: Record<string, (dir: string) => void>;
}

export interface WriteCheckpointOptions {
  /** Move the checkpoint this one replaces here (a whole, verified checkpoint) instead of deleting it: how older ones are kept. */
  keepPrevious?: string;
}

type ArrayDType = "float32" | "float64" | "int32" | "uint32" | "uint8";
interface FileEntry {
  file: string;
  bytes: number;
  sha256: string;
}
interface Manifest {
  format: "tdrl-run-checkpoint";
  version: 1;
  json: Record<string, FileEntry>;
  arrays: Record<string, FileEntry & { dtype: ArrayDType; length: number }>;
  dirs: Record<string, { dir: string; files: FileEntry[] }>;
}

const MANIFEST = "manifest.json";
const FORMAT = "tdrl-run-checkpoint";
const ARRAY_TYPES = {
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  uint32: Uint32Array,
  uint8: Uint8Array,
} as const;

/**
 * Writes a checkpoint directory atomically: everything goes into `<dir>.tmp-<pid>` and is fsynced; then the
 * previous checkpoint is renamed to `<dir>.old`, the new one renamed into place, and only then is `.old`
 * removed. A failure or crash at any point leaves a complete checkpoint at `dir` or (between the two renames)
 * at `<dir>.old`, which `readCheckpoint` falls back to. The manifest (sizes and sha256 of every file) is
 * written last, so a half-written directory is never mistaken for a checkpoint.
 *
 * @example
 * import { mkdtempSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { readCheckpoint, writeCheckpoint } from "./checkpoint-files";
 *
 * const dir = join(mkdtempSync(join(tmpdir(), "ckpt-")), "checkpoint");
 * writeCheckpoint(dir, { json: { counters: { frames: 1000 } }, arrays: { weights: new Float32Array([0.5, -1]) } });
 * const ckpt = readCheckpoint(dir);
 * const weights = ckpt.array("weights", Float32Array);
 * if (weights[1] !== -1 || (ckpt.json("counters") as { frames: number }).frames !== 1000) throw new Error("bad checkpoint");
 */
export function writeCheckpoint(dir: string, contents: CheckpointContents, options: WriteCheckpointOptions = {}): void {
  const names = [
    ...Object.keys(contents.json ?? {}),
    ...Object.keys(contents.arrays ?? {}),
    ...Object.keys(contents.dirs ?? {}),
  ];
  const bad = names.find((n) => !/^[A-Za-z0-9][\w.-]*$/.test(n) || n === MANIFEST);
  if (bad !== undefined)
    throw new Error(
      `writeCheckpoint: entry name ${JSON.stringify(bad)}: use letters, digits, "_", "-" and "." (not "${MANIFEST}")`,
    );
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup !== undefined) throw new Error(`writeCheckpoint: entry name "${dup}" is used twice`);
  for (const [name, a] of Object.entries(contents.arrays ?? {})) {
    if (dtypeOf(a) === null)
      throw new Error(
        `writeCheckpoint: array "${name}" is a ${(a as object)?.constructor?.name ?? typeof a}, expected a Float32Array, Float64Array, Int32Array, Uint32Array or Uint8Array`,
      );
  }

  mkdirSync(dirname(dir), { recursive: true });
  removeStaleTemporaries(dir);
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  try {
    const manifest: Manifest = { format: FORMAT, version: 1, json: {}, arrays: {}, dirs: {} };
    for (const [name, value] of Object.entries(contents.json ?? {})) {
      const text = JSON.stringify(value);
      if (text === undefined) throw new Error(`writeCheckpoint: json "${name}" is not a JSON value`);
      const bytes = new TextEncoder().encode(text);
      const file = `${name}.json`;
      manifest.json[name] = { file, bytes: bytes.length, sha256: writeBinaryFile(join(tmp, file), bytes) };
    }
    for (const [name, array] of Object.entries(contents.arrays ?? {})) {
      const dtype = dtypeOf(array)!;
      const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
      const file = `${name}.${dtype}.bin`;
      manifest.arrays[name] = {
        file,
        dtype,
        length: array.length,
        bytes: bytes.length,
        sha256: writeBinaryFile(join(tmp, file), bytes),
      };
    }
    for (const [name, write] of Object.entries(contents.dirs ?? {})) {
      const sub = join(tmp, name);
      mkdirSync(sub);
      const result: unknown = write(sub);
      if (typeof (result as { then?: unknown } | undefined)?.then === "function")
        throw new Error(
          `writeCheckpoint: the writer of "${name}" returned a promise; it must finish writing before it returns`,
        );
      // Hash what the writer left (its own temporaries are gone by now); the listing is sorted to be stable.
      manifest.dirs[name] = { dir: name, files: listFiles(sub).map((f) => ({ file: f, ...hashFile(join(sub, f)) })) };
      syncTree(sub);
    }
    writeBinaryFile(join(tmp, MANIFEST), new TextEncoder().encode(JSON.stringify(manifest)));
    syncDir(tmp);

    const old = `${dir}.old`;
    if (existsSync(dir)) {
      // `dir` is complete (only finished checkpoints are renamed there), so a leftover `.old` is not needed.
      rmSync(old, { recursive: true, force: true });
      renameSync(dir, old);
    }
    try {
      renameSync(tmp, dir);
    } catch (e) {
      if (existsSync(old) && !existsSync(dir)) renameSync(old, dir);
      throw e;
    }
    syncDir(dirname(dir));
    if (options.keepPrevious !== undefined && existsSync(old)) {
      rmSync(options.keepPrevious, { recursive: true, force: true });
      renameSync(old, options.keepPrevious);
      syncDir(dirname(options.keepPrevious));
    }
    rmSync(old, { recursive: true, force: true });
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

/** True when `dir` (or its `.old` fallback) holds a checkpoint manifest. */
export function hasCheckpoint(dir: string): boolean {
  return existsSync(join(dir, MANIFEST)) || existsSync(join(`${dir}.old`, MANIFEST));
}

/**
 * Reads and verifies a checkpoint written by `writeCheckpoint`: every file's size and sha256 are checked
 * against the manifest before anything is returned, so a truncated or corrupt checkpoint is refused with the
 * file and what is wrong with it.
 */
export function readCheckpoint(dir: string): Checkpoint {
  // A crash between writeCheckpoint's two renames leaves the last complete checkpoint at `.old`.
  const where = existsSync(join(dir, MANIFEST)) || !existsSync(`${dir}.old`) ? dir : `${dir}.old`;
  const manifestFile = join(where, MANIFEST);
  if (!existsSync(manifestFile)) throw new Error(`${dir}: no checkpoint here (${MANIFEST} does not exist)`);
  let manifest: Manifest;
  try {
    manifest = JSON.parse(readFileSync(manifestFile, "utf8")) as Manifest;
  } catch (e) {
    throw new Error(`${manifestFile}: corrupt (${(e as Error).message})`);
  }
  if (manifest.format !== FORMAT || manifest.version !== 1)
    throw new Error(`${manifestFile}: not a version 1 ${FORMAT} manifest`);
  const json = new Map<string, JsonValue>();
  for (const [name, e] of Object.entries(manifest.json)) {
    const file = join(where, e.file);
    const text = new TextDecoder().decode(readVerifiedFile(file, e.bytes, e.sha256));
    try {
      json.set(name, JSON.parse(text) as JsonValue);
    } catch (err) {
      throw new Error(`${file}: corrupt JSON (${(err as Error).message})`);
    }
  }
  const arrays = new Map<string, StateArray>();
  for (const [name, e] of Object.entries(manifest.arrays)) {
    const type = ARRAY_TYPES[e.dtype];
    if (type === undefined)
      throw new Error(`${manifestFile}: array "${name}" has unknown dtype ${JSON.stringify(e.dtype)}`);
    const array = new type(e.length);
    if (array.byteLength !== e.bytes)
      throw new Error(
        `${manifestFile}: array "${name}": ${e.length} ${e.dtype} numbers are ${array.byteLength} bytes, the manifest says ${e.bytes}`,
      );
    readVerifiedFile(join(where, e.file), e.bytes, e.sha256, new Uint8Array(array.buffer));
    arrays.set(name, array);
  }
  const dirs = new Map<string, string>();
  for (const [name, e] of Object.entries(manifest.dirs)) {
    const sub = join(where, e.dir);
    for (const f of e.files) {
      const file = join(sub, f.file);
      verifyFile(file, f);
    }
    dirs.set(name, sub);
  }
  return new Checkpoint(where, json, arrays, dirs);
}

/** A verified checkpoint; lookups name what is missing or of the wrong type. */
export class Checkpoint {
  constructor(
    /** Where it was read from: the checkpoint directory, or its `.old` fallback. */
    readonly dir: string,
    private readonly jsonEntries: Map<string, JsonValue>,
    private readonly arrayEntries: Map<string, StateArray>,
    private readonly dirEntries: Map<string, string>,
  ) {}

  /** Every entry name, sorted. */
  get names(): string[] {
    return [...this.jsonEntries.keys(), ...this.arrayEntries.keys(), ...this.dirEntries.keys()].sort();
  }

  json(name: string): JsonValue {
    const v = this.jsonEntries.get(name);
    if (v === undefined) throw this.missing(name, "json");
    return v;
  }

  /** An array entry whatever its type. */
  anyArray(name: string): StateArray {
    const a = this.arrayEntries.get(name);
    if (a === undefined) throw this.missing(name, "array");
    return a;
  }

  array<A extends StateArray>(name: string, type: { new (n: number): A; name: string }): A {
    const a = this.arrayEntries.get(name);
    if (a === undefined) throw this.missing(name, "array");
    if (!(a instanceof type))
      throw new Error(`checkpoint ${this.dir}: array "${name}" is a ${a.constructor.name}, expected a ${type.name}`);
    return a;
  }

  /** The verified directory a `dirs` writer filled, to load from (e.g. `buffer.loadFromDirectory(ckpt.directory("replay"))`). */
  directory(name: string): string {
    const d = this.dirEntries.get(name);
    if (d === undefined) throw this.missing(name, "directory");
    return d;
  }

  private missing(name: string, kind: string): Error {
    return new Error(
      `checkpoint ${this.dir}: no ${kind} entry "${name}" (it has: ${this.names.join(", ") || "nothing"})`,
    );
  }
}

function dtypeOf(a: unknown): ArrayDType | null {
  for (const [dtype, type] of Object.entries(ARRAY_TYPES)) if (a instanceof type) return dtype as ArrayDType;
  return null;
}

/** Files under `dir`, as sorted relative paths. */
function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else out.push(relative(dir, path));
    }
  };
  walk(dir);
  return out.sort();
}

function syncTree(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true }))
    if (entry.isDirectory()) syncTree(join(dir, entry.name));
  syncDir(dir);
}

/** Removes `<dir>.tmp-<pid>` directories left by processes that died mid-write (never a live writer's). */
function removeStaleTemporaries(dir: string): void {
  const prefix = `${basename(dir)}.tmp-`;
  for (const entry of readdirSync(dirname(dir))) {
    if (!entry.startsWith(prefix)) continue;
    const pid = Number(entry.slice(prefix.length));
    if (!Number.isInteger(pid) || pid === process.pid || isAlive(pid)) continue;
    const path = join(dirname(dir), entry);
    if (statSync(path).isDirectory()) rmSync(path, { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
