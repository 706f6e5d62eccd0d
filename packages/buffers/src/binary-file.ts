import { createHash } from "node:crypto";
import { closeSync, existsSync, fstatSync, fsyncSync, openSync, readSync, writeSync } from "node:fs";
import type { StateArray } from "./component-state";

/** dtype names of `StateArray`s as they appear in manifests. */
export type ArrayDType = "float32" | "float64" | "int32" | "uint32" | "uint8";

const CHUNK = 64 * 1024 * 1024;

export function arrayDType(a: StateArray): ArrayDType {
  if (a instanceof Float32Array) return "float32";
  if (a instanceof Float64Array) return "float64";
  if (a instanceof Int32Array) return "int32";
  if (a instanceof Uint32Array) return "uint32";
  return "uint8";
}

export function allocateArray(dtype: ArrayDType, length: number): StateArray {
  switch (dtype) {
    case "float32":
      return new Float32Array(length);
    case "float64":
      return new Float64Array(length);
    case "int32":
      return new Int32Array(length);
    case "uint32":
      return new Uint32Array(length);
    case "uint8":
      return new Uint8Array(length);
    default:
      throw new Error(`unknown array dtype ${JSON.stringify(dtype)}`);
  }
}

/** Writes `bytes` to a new file, fsyncs it, and returns its sha256 (hex). */
export function writeBinaryFile(file: string, bytes: Uint8Array): string {
  const hash = createHash("sha256");
  const fd = openSync(file, "wx");
  try {
    for (let off = 0; off < bytes.length; off += CHUNK) {
      const chunk = bytes.subarray(off, Math.min(bytes.length, off + CHUNK));
      let done = 0;
      while (done < chunk.length) done += writeSync(fd, chunk, done, chunk.length - done, off + done);
      hash.update(chunk);
    }
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return hash.digest("hex");
}

/**
 * Reads a file that must hold exactly `expectedBytes` bytes with sha256 `expectedHash`, into `into` when
 * given (or a new buffer). Throws naming the file and what is wrong with it.
 */
export function readVerifiedFile(
  file: string,
  expectedBytes: number,
  expectedHash: string,
  into?: Uint8Array,
): Uint8Array {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch (e) {
    throw new Error(`${file}: cannot open (${(e as Error).message})`);
  }
  try {
    const size = fstatSync(fd).size;
    if (size !== expectedBytes)
      throw new Error(
        `${file}: ${size < expectedBytes ? "truncated" : "too long"}: expected ${expectedBytes} bytes, found ${size}`,
      );
    const out = into ?? new Uint8Array(expectedBytes);
    const hash = createHash("sha256");
    for (let off = 0; off < expectedBytes; off += CHUNK) {
      const end = Math.min(expectedBytes, off + CHUNK);
      let done = off;
      while (done < end) {
        const n = readSync(fd, out, done, end - done, done);
        if (n === 0) throw new Error(`${file}: truncated while reading at byte ${done}`);
        done += n;
      }
      hash.update(out.subarray(off, end));
    }
    const actual = hash.digest("hex");
    if (actual !== expectedHash)
      throw new Error(`${file}: corrupt: sha256 is ${actual}, the manifest says ${expectedHash}`);
    return out;
  } finally {
    closeSync(fd);
  }
}

/**
 * Checks that `file` exists and has the size and sha256 a manifest recorded for it; throws naming the file and
 * what differs (missing, truncated, too long, corrupt). For checkpoint files whose contents are read later.
 */
export function verifyFile(file: string, expected: { bytes: number; sha256: string }): void {
  const actual = existsSync(file) ? hashFile(file) : null;
  if (actual === null) throw new Error(`${file}: missing from the checkpoint`);
  if (actual.bytes !== expected.bytes) {
    const what = actual.bytes < expected.bytes ? "truncated" : "too long";
    throw new Error(`${file}: ${what}: expected ${expected.bytes} bytes, found ${actual.bytes}`);
  }
  if (actual.sha256 !== expected.sha256) {
    throw new Error(`${file}: corrupt: sha256 is ${actual.sha256}, the manifest says ${expected.sha256}`);
  }
}

/** sha256 (hex) and size of a file, read in chunks. */
export function hashFile(file: string): { bytes: number; sha256: string } {
  const fd = openSync(file, "r");
  try {
    const size = fstatSync(fd).size;
    const hash = createHash("sha256");
    const buf = new Uint8Array(Math.min(CHUNK, Math.max(size, 1)));
    for (let off = 0; off < size; ) {
      const n = readSync(fd, buf, 0, Math.min(buf.length, size - off), off);
      if (n === 0) throw new Error(`${file}: truncated while reading at byte ${off}`);
      hash.update(buf.subarray(0, n));
      off += n;
    }
    return { bytes: size, sha256: hash.digest("hex") };
  } finally {
    closeSync(fd);
  }
}

export function bytesOf(a: StateArray): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}
