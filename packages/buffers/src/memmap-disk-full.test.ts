import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HostArray, Rng, TensorDict } from "@tdrl/tensordict";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SKIP_REASON, SmallFs, canMount } from "../test/small-fs";
import { LazyMemmapStorage } from "./lazy-memmap-storage";
import { RandomSampler } from "./random-sampler";
import { ReplayBuffer } from "./replay-buffer";
import type { Storage } from "./storage";

// Real disk-full faults: a 1 MiB tmpfs the test mounts (as root) and fills up.
let root = "";
let fs: SmallFs | null = null;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "tdrl-diskfull-"));
  if (canMount) fs = new SmallFs(1024 * 1024);
});
afterEach(() => {
  fs?.unmount();
  fs = null;
  rmSync(root, { recursive: true, force: true });
});

/** `n` items of a 32x32 uint8 frame (1 KB) filled with (start + i) % 256, and an int32 id. */
function items(n: number, start: number): TensorDict {
  const pixels = new HostArray("uint8", [n, 32, 32]);
  for (let i = 0; i < n; i++) pixels.data.fill((start + i) % 256, i * 1024, (i + 1) * 1024);
  return new TensorDict(
    {
      pixels,
      id: HostArray.from(
        "int32",
        [n],
        Array.from({ length: n }, (_, i) => start + i),
      ),
    },
    [n],
  );
}

function contents(storage: Storage): Record<string, number[]> {
  const index = Int32Array.from({ length: storage.length }, (_, i) => i);
  return Object.fromEntries(storage.keys().map((k) => [k, Array.from(storage.getLeaf(k, index).data)]));
}

const buffer = (scratchDir: string, existsOk = false) =>
  new ReplayBuffer({
    storage: new LazyMemmapStorage(64, { scratchDir, existsOk }),
    sampler: new RandomSampler({ rng: new Rng(3) }),
    batchSize: 8,
  });

const title = (name: string) => (canMount ? name : `${name} (${SKIP_REASON})`);

describe.skipIf(!canMount)(title("LazyMemmapStorage on a full disk (tmpfs)"), () => {
  it("a loads that hits ENOSPC leaves the buffer exactly as it was, open and usable; the same loads succeeds once there is room", () => {
    const dir = join(fs!.dir, "rb");
    const rb = buffer(dir);
    rb.extend(items(40, 0));
    const before = {
      contents: contents(rb.storage),
      length: rb.length,
      cursor: rb.storage.writeCursor,
      writer: rb.writer.cursor,
      files: readdirSync(dir).sort(),
    };
    const source = buffer(join(root, "source"));
    source.extend(items(60, 100));
    source.dumps(join(root, "ckpt"));

    fs!.fill();
    expect(() => rb.loads(join(root, "ckpt"))).toThrow(/ENOSPC/);
    expect(rb.length).toBe(before.length);
    expect(rb.storage.writeCursor).toBe(before.cursor);
    expect(rb.writer.cursor).toBe(before.writer);
    expect(contents(rb.storage)).toEqual(before.contents);
    expect(readdirSync(dir).sort()).toEqual(before.files); // nothing half-written left beside
    expect(rb.sample().batchSize).toEqual([8]);

    fs!.free();
    rb.extend(items(2, 200)); // still open and writable
    rb.loads(join(root, "ckpt"));
    const expected = contents(source.storage);
    expect(contents(rb.storage)).toEqual(expected);
    expect(rb.writer.cursor).toBe(60);
    (rb.storage as LazyMemmapStorage).close();
    (source.storage as LazyMemmapStorage).close();
    const reopened = buffer(dir, true);
    expect(contents(reopened.storage)).toEqual(expected);
    expect(reopened.writer.cursor).toBe(60);
    (reopened.storage as LazyMemmapStorage).close();
  });

  it("a loadState that hits ENOSPC changes nothing", () => {
    const storage = new LazyMemmapStorage(64, { scratchDir: join(fs!.dir, "rb") });
    storage.set(
      Int32Array.from({ length: 10 }, (_, i) => i),
      items(10, 0),
    );
    const before = contents(storage);
    const other = new LazyMemmapStorage(64, { scratchDir: join(root, "other") });
    other.set(
      Int32Array.from({ length: 50 }, (_, i) => i),
      items(50, 77),
    );
    fs!.fill();
    expect(() => storage.loadState(other.state())).toThrow(/ENOSPC/);
    expect(storage.length).toBe(10);
    expect(contents(storage)).toEqual(before);
    fs!.free();
    storage.loadState(other.state());
    expect(contents(storage)).toEqual(contents(other));
    storage.close();
    other.close();
  });

  it("an extend whose manifest rewrite hits ENOSPC after the ring wrapped stores nothing and keeps writer and storage cursors together", () => {
    const rb = buffer(join(fs!.dir, "rb"));
    rb.extend(items(64, 0));
    rb.extend(items(10, 64)); // wrapped: cursor 10
    const before = contents(rb.storage);
    fs!.fill();
    // The rows 10..14 sit in blocks the files already have; the manifest's new file needs a block.
    expect(() => rb.extend(items(5, 500))).toThrow(/ENOSPC/);
    expect(contents(rb.storage)).toEqual(before);
    expect(rb.length).toBe(64);
    expect(rb.storage.writeCursor).toBe(10);
    expect(rb.writer.cursor).toBe(10);
    fs!.free();
    expect(Array.from(rb.extend(items(5, 500)))).toEqual([10, 11, 12, 13, 14]);
    expect(rb.storage.writeCursor).toBe(15);
    expect(Array.from(rb.storage.getLeaf("id", Int32Array.from([9, 10, 14, 15])).data)).toEqual([73, 500, 504, 15]);
    (rb.storage as LazyMemmapStorage).close();
  });

  it("an extend whose data write hits ENOSPC (before the ring wrapped) stores nothing; a failed first write leaves an empty storage", () => {
    const rb = buffer(join(fs!.dir, "rb"));
    rb.extend(items(10, 0));
    const fresh = buffer(join(fs!.dir, "fresh"));
    const before = contents(rb.storage);
    fs!.fill();
    expect(() => rb.extend(items(20, 300))).toThrow(/ENOSPC/);
    expect(contents(rb.storage)).toEqual(before);
    expect([rb.length, rb.storage.writeCursor, rb.writer.cursor]).toEqual([10, 10, 10]);
    expect(() => fresh.extend(items(3, 0))).toThrow(/ENOSPC/);
    expect([fresh.length, fresh.writer.cursor, fresh.storage.keys().length]).toEqual([0, 0, 0]);
    fs!.free();
    expect(Array.from(rb.extend(items(2, 300)))).toEqual([10, 11]);
    expect(Array.from(fresh.extend(items(3, 0)))).toEqual([0, 1, 2]);
    (rb.storage as LazyMemmapStorage).close();
    (fresh.storage as LazyMemmapStorage).close();
  });

  it("a dumps that hits ENOSPC leaves the previous checkpoint loadable and no half-written directory", () => {
    const rb = buffer(join(root, "rb"));
    rb.extend(items(5, 0));
    const ckpt = join(fs!.dir, "ckpt");
    rb.dumps(ckpt);
    const previous = readdirSync(ckpt).sort();
    rb.extend(items(40, 5));
    fs!.fill();
    expect(() => rb.dumps(ckpt)).toThrow(/ENOSPC/);
    expect(readdirSync(ckpt).sort()).toEqual(previous);
    fs!.free();
    const restored = buffer(join(root, "restored"));
    restored.loads(ckpt);
    expect(restored.length).toBe(5);
    expect(Array.from(restored.storage.getLeaf("id", Int32Array.from([0, 4])).data)).toEqual([0, 4]);
    (rb.storage as LazyMemmapStorage).close();
    (restored.storage as LazyMemmapStorage).close();
  });
});
