import { mkdtempSync, readdirSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HostArray, TensorDict } from "@tdrl/tensordict";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LazyMemmapStorage } from "./lazy-memmap-storage";
import { LazyTensorStorage } from "./lazy-tensor-storage";
import { RoundRobinWriter } from "./round-robin-writer";
import { transitions } from "../test/fixtures";

const idx = (...k: number[]) => Int32Array.from(k);
let root = "";
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "tdrl-memmap-test-"));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

describe("LazyMemmapStorage", () => {
  it("stores and reads like LazyTensorStorage, dtypes included", () => {
    const disk = new LazyMemmapStorage(20, { scratchDir: join(root, "rb") });
    const memory = new LazyTensorStorage(20);
    const wd = new RoundRobinWriter();
    const wm = new RoundRobinWriter();
    for (const start of [0, 7, 14]) {
      wd.extend(disk, transitions(9, start));
      wm.extend(memory, transitions(9, start));
    }
    expect(disk.length).toBe(20);
    expect(disk.writeCursor).toBe(7);
    // scattered, repeated and contiguous indices
    const pick = idx(19, 0, 1, 2, 5, 5, 18, 3, 11);
    const a = disk.get(pick);
    const b = memory.get(pick);
    for (const key of b.keys({ nested: true, leavesOnly: true })) {
      expect(a.getHost(key).dtype).toBe(b.getHost(key).dtype);
      expect(Array.from(a.getHost(key).data)).toEqual(Array.from(b.getHost(key).data));
    }
    expect(a.getHost("pixels").data).toBeInstanceOf(Uint8Array);
    expect(Array.from(disk.getLeaf("action", idx(0, 6, 7)).data)).toEqual([16, 22, 7]);
    disk.close();
  });

  it("writes repeated indices last-wins and refuses bad data without storing", () => {
    const s = new LazyMemmapStorage(4, { scratchDir: join(root, "rb") });
    s.set(idx(0, 1, 0, 2), transitions(4, 10));
    expect(Array.from(s.getLeaf("action", idx(0, 1, 2)).data)).toEqual([12, 11, 13]);
    const bad = transitions(1, 50).set("pixels", HostArray.zeros("uint8", [1, 4, 4]));
    expect(() => s.set(idx(3), bad)).toThrow(/key "pixels" has shape \[1, 4, 4\], the storage expects \[1, 3, 3\]/);
    expect(s.length).toBe(3);
    s.close();
    const again = new LazyMemmapStorage(4, { scratchDir: join(root, "rb"), existsOk: true });
    expect(again.length).toBe(3);
    again.close();
  });

  it("reopens with existsOk, giving back data and the write cursor", () => {
    const dir = join(root, "rb");
    const first = new LazyMemmapStorage(6, { scratchDir: dir });
    const w = new RoundRobinWriter();
    w.extend(first, transitions(4, 0));
    w.extend(first, transitions(4, 4)); // wraps: cursor 2
    first.close();
    const reopened = new LazyMemmapStorage(6, { scratchDir: dir, existsOk: true });
    expect(reopened.length).toBe(6);
    expect(reopened.writeCursor).toBe(2);
    const resumed = new RoundRobinWriter();
    resumed.attach(reopened);
    expect(resumed.cursor).toBe(2);
    expect(Array.from(resumed.extend(reopened, transitions(1, 100)))).toEqual([2]);
    expect(Array.from(reopened.getLeaf("action", idx(0, 1, 2, 3, 4, 5)).data)).toEqual([6, 7, 100, 3, 4, 5]);
    reopened.close();
  });

  it("refuses an existing non-empty directory without existsOk, and a mismatched capacity with it", () => {
    const dir = join(root, "rb");
    const first = new LazyMemmapStorage(6, { scratchDir: dir });
    first.set(idx(0), transitions(1));
    first.close();
    expect(() => new LazyMemmapStorage(6, { scratchDir: dir })).toThrow(
      /already exists and is not empty; pass existsOk/,
    );
    expect(() => new LazyMemmapStorage(7, { scratchDir: dir, existsOk: true })).toThrow(
      /maxSize 6 and ndim 1, this one was asked for 7 and 1/,
    );
    const empty = mkdtempSync(join(root, "empty-"));
    expect(new LazyMemmapStorage(3, { scratchDir: empty }).length).toBe(0);
    const stranger = join(root, "other");
    new LazyMemmapStorage(3, { scratchDir: stranger }).close();
    writeFileSync(join(stranger, "notes.txt"), "hi");
    rmSync(join(stranger, "manifest.json"), { force: true });
    expect(() => new LazyMemmapStorage(3, { scratchDir: stranger, existsOk: true })).toThrow(/manifest.json: missing/);
  });

  it("refuses a truncated data file or a corrupt manifest, naming the file", () => {
    const dir = join(root, "rb");
    const s = new LazyMemmapStorage(8, { scratchDir: dir });
    s.set(idx(0, 1, 2), transitions(3));
    s.close();
    const pixels = readdirSync(dir).find((f) => f.includes("pixels"))!;
    truncateSync(join(dir, pixels), 20);
    expect(() => new LazyMemmapStorage(8, { scratchDir: dir, existsOk: true })).toThrow(
      new RegExp(`${pixels}: truncated: leaf "pixels" needs 72 bytes, the file has 20`),
    );
    writeFileSync(join(dir, "manifest.json"), '{"format": "tdrl-memm');
    expect(() => new LazyMemmapStorage(8, { scratchDir: dir, existsOk: true })).toThrow(/manifest.json: corrupt JSON/);
  });

  it("supports 2-dim [numEnvs, T] data and survives a reopen", () => {
    const dir = join(root, "rb2");
    const s = new LazyMemmapStorage(6, { scratchDir: dir, ndim: 2 });
    const w = new RoundRobinWriter();
    w.extend(s, new TensorDict({ id: HostArray.from("int32", [2, 2], [0, 1, 10, 11]) }, [2, 2]));
    s.close();
    const r = new LazyMemmapStorage(6, { scratchDir: dir, ndim: 2, existsOk: true });
    expect(r.shape).toEqual([3, 2]);
    expect(Array.from(r.getLeaf("id", idx(0, 1, 2, 3)).data)).toEqual([0, 10, 1, 11]);
    const w2 = new RoundRobinWriter();
    w2.attach(r);
    expect(w2.cursor).toBe(2);
    r.close();
  });

  it("clear() deletes the data files", () => {
    const dir = join(root, "rb");
    const s = new LazyMemmapStorage(8, { scratchDir: dir });
    s.set(idx(0), transitions(1));
    s.clear();
    expect(readdirSync(dir).sort()).toEqual(["manifest.json", "tdrl.lock"]);
    expect(s.length).toBe(0);
    s.set(idx(0), transitions(1, 3));
    expect(Array.from(s.getLeaf("action", idx(0)).data)).toEqual([3]);
    s.close();
  });

  it("reopening removes what an interrupted load left beside the current files, and keeps the data", () => {
    const dir = join(root, "rb");
    const s = new LazyMemmapStorage(8, { scratchDir: dir });
    s.set(idx(0, 1), transitions(2));
    s.close();
    // A process killed during loadFiles: new-generation files written, manifest not yet swapped.
    writeFileSync(join(dir, "0-obs.lxyz1234.bin"), "partial");
    writeFileSync(join(dir, "manifest.json.tmp"), '{"format": "tdrl-me');
    const r = new LazyMemmapStorage(8, { scratchDir: dir, existsOk: true });
    expect(readdirSync(dir).filter((f) => f.includes("lxyz") || f.endsWith(".tmp"))).toEqual([]);
    expect(Array.from(r.getLeaf("action", idx(0, 1)).data)).toEqual([0, 1]);
    r.close();
  });
});
