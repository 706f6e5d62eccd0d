// Test-only: a real small file system for disk-full tests. Mounting needs root (CI runs as root); tests
// that use it skip, saying why, everywhere else.
import { execFileSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Whether this process can mount a tmpfs (it runs as root). */
export const canMount = typeof process.getuid === "function" && process.getuid() === 0;

/** Why the disk-full tests are skipped when they are. */
export const SKIP_REASON = "disk-full tests mount a small tmpfs and need root; skipped (CI runs them as root)";

/** A tmpfs of `bytes` bytes mounted on a fresh directory; `fill()` uses up every free block with a filler file. */
export class SmallFs {
  readonly dir: string;
  private mounted = false;

  constructor(bytes: number) {
    this.dir = mkdtempSync(join(tmpdir(), "tdrl-smallfs-"));
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${bytes}`, "tmpfs", this.dir]);
    this.mounted = true;
  }

  /** Writes a filler file until the file system refuses (ENOSPC); returns the bytes it took. */
  fill(name = "filler"): number {
    const fd = openSync(join(this.dir, name), "a");
    const block = new Uint8Array(4096).fill(7);
    let written = 0;
    try {
      for (;;) {
        try {
          written += writeSync(fd, block);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === "ENOSPC") break;
          throw e;
        }
      }
      // The last partial block, byte by byte.
      for (;;) {
        try {
          written += writeSync(fd, block, 0, 1);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === "ENOSPC") break;
          throw e;
        }
      }
    } finally {
      closeSync(fd);
    }
    return written;
  }

  /** Frees what `fill` took. */
  free(name = "filler"): void {
    rmSync(join(this.dir, name), { force: true });
  }

  unmount(): void {
    // Lazy: a test that failed with files still open must not leave the mount behind.
    if (this.mounted) execFileSync("umount", ["-l", this.dir]);
    this.mounted = false;
    rmSync(this.dir, { recursive: true, force: true });
  }
}
