import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Rng } from "@tdrl/tensordict";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DirectoryLock, LOCK_FILE } from "./directory-lock";
import { LazyMemmapStorage } from "./lazy-memmap-storage";
import { RandomSampler } from "./random-sampler";
import { ReplayBuffer } from "./replay-buffer";
import { transitions } from "../test/fixtures";

const packageDir = fileURLToPath(new URL("..", import.meta.url));
const child = (...args: string[]) =>
  spawn(process.execPath, ["--import", "tsx", "test/memmap-child.ts", ...args], {
    cwd: packageDir,
    stdio: ["ignore", "pipe", "inherit"],
  });
const childSync = (...args: string[]) =>
  spawnSync(process.execPath, ["--import", "tsx", "test/memmap-child.ts", ...args], {
    cwd: packageDir,
    encoding: "utf8",
    timeout: 60_000,
  });

/** Resolves with the child's first line of output. */
function firstLine(p: ReturnType<typeof child>): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = "";
    p.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      if (out.includes("\n")) resolve(out.split("\n")[0]!);
    });
    p.once("exit", (code) => reject(new Error(`child exited early with ${code}`)));
  });
}

async function kill9(p: ReturnType<typeof child>): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  const exited = new Promise((r) => p.once("exit", r));
  p.kill("SIGKILL");
  await exited;
}

let root = "";
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "tdrl-lock-"));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

describe("one live LazyMemmapStorage per directory", () => {
  it("refuses a second opener in the same process, naming the holder, and lets it in after close", () => {
    const dir = join(root, "rb");
    const first = new LazyMemmapStorage(10, { scratchDir: dir });
    first.set(Int32Array.from([0, 1]), transitions(2));
    expect(() => new LazyMemmapStorage(10, { scratchDir: dir, existsOk: true })).toThrow(
      new RegExp(
        `rb is locked by this process \\(pid ${process.pid}\\) on ${hostname()} since \\d{4}-.*lock file .*${LOCK_FILE}.*close the other one first`,
      ),
    );
    // The refused opener changed nothing: the first one still writes and reads.
    first.set(Int32Array.from([2]), transitions(1, 2));
    expect(first.length).toBe(3);
    first.close();
    const second = new LazyMemmapStorage(10, { scratchDir: dir, existsOk: true });
    expect(second.length).toBe(3);
    expect(() => new LazyMemmapStorage(10, { scratchDir: dir, existsOk: true })).toThrow(/is locked by this process/);
    second.close();
    second.close(); // idempotent
  });

  it("refuses an opener in another process while this one holds the directory, naming this pid", () => {
    const dir = join(root, "rb");
    const mine = new LazyMemmapStorage(100, { scratchDir: dir });
    const r = childSync("open", dir);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout) as { error?: string }).toEqual({
      error: expect.stringMatching(new RegExp(`is locked by pid ${process.pid} on ${hostname()}`)),
    });
    mine.close();
    expect(JSON.parse(childSync("open", dir).stdout)).toEqual({ ok: true });
  });

  it("refuses this process while another process holds it, and takes over the lock once that process is killed (kill -9)", async () => {
    const dir = join(root, "rb");
    const holder = child("hold", dir);
    try {
      expect(await firstLine(holder)).toBe("ready");
      expect(() => new LazyMemmapStorage(100, { scratchDir: dir, existsOk: true })).toThrow(
        new RegExp(`is locked by pid ${holder.pid} on ${hostname()}`),
      );
    } finally {
      await kill9(holder);
    }
    // The lock file is still there, naming a dead pid: stale, taken over.
    expect((JSON.parse(readFileSync(join(dir, LOCK_FILE), "utf8")) as { pid: number }).pid).toBe(holder.pid);
    const storage = new LazyMemmapStorage(100, { scratchDir: dir, existsOk: true });
    expect(storage.length).toBe(5);
    expect(Array.from(storage.getLeaf("id", Int32Array.from([0, 4])).data)).toEqual([0, 4]);
    expect((JSON.parse(readFileSync(join(dir, LOCK_FILE), "utf8")) as { pid: number }).pid).toBe(process.pid);
    storage.close();
  });

  it("refuses a lock held on another host (it cannot check that process) and an unreadable lock file, naming the file", () => {
    const dir = mkdtempSync(join(root, "d-"));
    writeFileSync(
      join(dir, LOCK_FILE),
      JSON.stringify({ pid: 1, host: "elsewhere", time: "2026-01-01T00:00:00.000Z" }),
    );
    expect(() => DirectoryLock.acquire(dir, "test")).toThrow(
      /locked by pid 1 on elsewhere since 2026-01-01T00:00:00.000Z.*if the process is gone, delete .*tdrl\.lock/,
    );
    writeFileSync(join(dir, LOCK_FILE), "{ torn");
    expect(() => DirectoryLock.acquire(dir, "test")).toThrow(/is locked \(.*tdrl\.lock exists but cannot be read\)/);
  });
});

describe("kill -9 during dumps", () => {
  it("never corrupts the previous dump: after every kill the checkpoint loads whole and consistent", async () => {
    const seen = new Set<number>();
    for (const delayMs of [0, 60, 250]) {
      const dir = join(root, `rb-${delayMs}`);
      const ckpt = join(root, `ckpt-${delayMs}`);
      const p = child("dump-loop", dir, ckpt);
      try {
        await firstLine(p); // at least one dump is complete
        await new Promise((r) => setTimeout(r, delayMs));
      } finally {
        await kill9(p);
      }
      const rb = new ReplayBuffer({
        storage: new LazyMemmapStorage(100, { scratchDir: join(root, `restore-${delayMs}`) }),
        sampler: new RandomSampler({ rng: new Rng(1) }),
      });
      rb.loads(ckpt);
      const n = rb.length;
      seen.add(n);
      expect(n % 3).toBe(0);
      expect(rb.writer.cursor).toBe(n);
      const index = Int32Array.from({ length: n }, (_, i) => i);
      const ids = Array.from(rb.storage.getLeaf("id", index).data);
      const frames = rb.storage.getLeaf("frame", index).data;
      for (let i = 0; i < n; i++) {
        expect(ids[i]).toBe(i);
        expect(frames[i * 4096]).toBe(i % 256);
        expect(frames[i * 4096 + 4095]).toBe(i % 256);
      }
    }
    // The kills landed at different points (not all right after the first dump).
    expect(Math.max(...seen)).toBeGreaterThan(3);
  });
});
