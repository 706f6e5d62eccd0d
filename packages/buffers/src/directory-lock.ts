import { closeSync, linkSync, openSync, readFileSync, renameSync, rmSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";

/** The lock file's name inside the locked directory. */
export const LOCK_FILE = "tdrl.lock";

/** Who holds a directory lock, as written in the lock file. */
export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  /** ISO time the lock was taken. */
  readonly time: string;
}

/**
 * An exclusive lock on a directory: a `tdrl.lock` file naming the holder (pid, host, time). It is created
 * complete and atomically (written to a private file, then hard-linked into place, which fails if a lock
 * exists), so two openers can never both succeed. A lock whose holder is a dead process on this host (the
 * process crashed or was killed) is stale and is taken over; a live holder, or one on another host (its
 * liveness cannot be checked), is refused with an error naming it.
 *
 * @example
 * import { mkdtempSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { DirectoryLock } from "@tdrl/buffers";
 * const dir = mkdtempSync(join(tmpdir(), "lock-"));
 * const lock = DirectoryLock.acquire(dir, "example");
 * // DirectoryLock.acquire(dir, "example") now throws: "... is locked by pid <this pid> on <host> since ..."
 * lock.release();
 * rmSync(dir, { recursive: true, force: true });
 */
export class DirectoryLock {
  readonly file: string;
  readonly holder: LockHolder;
  private held = true;

  private constructor(file: string, holder: LockHolder) {
    this.file = file;
    this.holder = holder;
  }

  /** Takes the lock on `dir` (which exists), taking over a stale one; `what` names the caller in errors. */
  static acquire(dir: string, what: string): DirectoryLock {
    const file = join(dir, LOCK_FILE);
    const holder: LockHolder = { pid: process.pid, host: hostname(), time: new Date().toISOString() };
    const text = JSON.stringify(holder);
    // A stale lock is taken over at most a few times (another opener may race for it).
    for (let attempt = 0; attempt < 5; attempt++) {
      if (tryCreate(dir, file, text)) return new DirectoryLock(file, holder);
      const current = readHolder(file);
      if (current === "gone") continue;
      if (current === "unreadable" || !isStale(current)) throw new Error(lockedMessage(what, dir, file, current));
      breakStale(dir, file, current);
    }
    throw new Error(
      `${what}: could not lock ${dir}: the lock file ${file} kept changing (other processes are opening it)`,
    );
  }

  /** Deletes the lock file if it is still this lock's. Idempotent. */
  release(): void {
    if (!this.held) return;
    this.held = false;
    const current = readHolder(this.file);
    if (typeof current === "object" && sameHolder(current, this.holder)) rmSync(this.file, { force: true });
  }
}

function tryCreate(dir: string, file: string, text: string): boolean {
  const tmp = join(dir, `${LOCK_FILE}.${process.pid}.${Math.random().toString(36).slice(2, 10)}.tmp`);
  const fd = openSync(tmp, "wx");
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, file);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw e;
  } finally {
    rmSync(tmp, { force: true });
  }
}

function readHolder(file: string): LockHolder | "gone" | "unreadable" {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return "gone";
    return "unreadable";
  }
  try {
    const h = JSON.parse(text) as Partial<LockHolder>;
    if (Number.isSafeInteger(h.pid) && typeof h.host === "string" && typeof h.time === "string") return h as LockHolder;
  } catch {
    /* falls through */
  }
  return "unreadable";
}

/** A holder on this host whose process no longer exists. */
function isStale(h: LockHolder): boolean {
  if (h.host !== hostname()) return false;
  if (h.pid === process.pid) return false;
  try {
    process.kill(h.pid, 0);
    return false;
  } catch (e) {
    // EPERM: the process exists (another user's).
    return (e as NodeJS.ErrnoException).code === "ESRCH";
  }
}

function sameHolder(a: LockHolder, b: LockHolder): boolean {
  return a.pid === b.pid && a.host === b.host && a.time === b.time;
}

/**
 * Moves the stale lock aside atomically and deletes it; if what was moved is not the stale lock seen
 * (another opener took over in between), it is put back.
 */
function breakStale(dir: string, file: string, stale: LockHolder): void {
  const aside = join(dir, `${LOCK_FILE}.stale.${process.pid}.${Math.random().toString(36).slice(2, 10)}`);
  try {
    renameSync(file, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
    throw e;
  }
  const moved = readHolder(aside);
  if (typeof moved === "object" && !sameHolder(moved, stale)) {
    try {
      linkSync(aside, file);
    } catch {
      /* a newer lock is in place: that opener holds it */
    }
  }
  rmSync(aside, { force: true });
}

function lockedMessage(what: string, dir: string, file: string, h: LockHolder | "unreadable"): string {
  if (h === "unreadable")
    return `${what}: ${dir} is locked (${file} exists but cannot be read); if no process uses the directory, delete ${file}`;
  const who = h.pid === process.pid && h.host === hostname() ? `this process (pid ${h.pid})` : `pid ${h.pid}`;
  const remote =
    h.host !== hostname()
      ? `; that host's processes cannot be checked from here: if the process is gone, delete ${file}`
      : h.pid === process.pid
        ? ""
        : ` (if pid ${h.pid} is now an unrelated process, the holder is gone: delete ${file})`;
  return `${what}: ${dir} is locked by ${who} on ${h.host} since ${h.time} (lock file ${file}); two live buffers on one directory would overwrite each other: close the other one first${remote}`;
}
