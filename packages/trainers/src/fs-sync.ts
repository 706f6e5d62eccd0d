import { closeSync, fsyncSync, openSync, renameSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import { writeBinaryFile } from "@tdrl/buffers/internal";

/**
 * Replaces `file` with `content` so that a reader (or a crash) sees the old content or the new, never a
 * mix: the data goes to a synced sibling first, then an atomic rename publishes it.
 */
export function writeSynced(file: string, content: string | Uint8Array): void {
  const tmp = `${file}.tmp-${process.pid}`;
  rmSync(tmp, { force: true });
  try {
    writeBinaryFile(tmp, typeof content === "string" ? new TextEncoder().encode(content) : content);
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  syncDir(dirname(file));
}

/** Makes renames in `dir` durable. Some platforms cannot fsync a directory; that only weakens durability. */
export function syncDir(dir: string): void {
  let fd: number;
  try {
    fd = openSync(dir, "r");
  } catch {
    return;
  }
  try {
    fsyncSync(fd);
  } catch {
    /* not supported here */
  } finally {
    closeSync(fd);
  }
}
