import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HostArray, Rng, TensorDict } from "@tdrl/tensordict";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LazyMemmapStorage } from "./lazy-memmap-storage";
import { LazyTensorStorage } from "./lazy-tensor-storage";
import { RandomSampler } from "./random-sampler";
import { ReplayBuffer } from "./replay-buffer";
import type { Storage } from "./storage";
import { transitions } from "../test/fixtures";

let root = "";
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "tdrl-compact-"));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

/** Bytes of every file under `dir`, recursively. */
function bytesUnder(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    n += e.isDirectory() ? bytesUnder(p) : statSync(p).size;
  }
  return n;
}

function frames(n: number, start: number): TensorDict {
  const pixels = new HostArray("uint8", [n, 84, 84]);
  for (let i = 0; i < n; i++) for (let k = 0; k < 84 * 84; k++) pixels.data[i * 84 * 84 + k] = (start + i + k) % 251;
  return new TensorDict(
    {
      pixels,
      action: HostArray.from(
        "int32",
        [n],
        Array.from({ length: n }, (_, i) => start + i),
      ),
    },
    [n],
  );
}

const kinds: [string, (name: string, capacity: number) => Storage][] = [
  ["LazyTensorStorage", (_name, capacity) => new LazyTensorStorage(capacity)],
  ["LazyMemmapStorage", (name, capacity) => new LazyMemmapStorage(capacity, { scratchDir: join(root, name) })],
];

/** Every stored row of every leaf, as plain numbers. */
function contents(storage: Storage): Record<string, number[]> {
  const index = Int32Array.from({ length: storage.length }, (_, i) => i);
  return Object.fromEntries(storage.keys().map((k) => [k, Array.from(storage.getLeaf(k, index).data)]));
}

describe.each(kinds)("dumps of a %s write only the rows that hold data", (_kind, make) => {
  it("10 frames of 84x84 uint8 in a 5000-slot buffer dump about 70 KB, not the 35 MB capacity", () => {
    const rb = new ReplayBuffer({ storage: make("a", 5000), sampler: new RandomSampler({ rng: new Rng(1) }) });
    rb.extend(frames(10, 0));
    rb.dumps(join(root, "ckpt"));
    const frameBytes = 10 * 84 * 84 + 10 * 4;
    expect(bytesUnder(join(root, "ckpt"))).toBeGreaterThanOrEqual(frameBytes);
    expect(bytesUnder(join(root, "ckpt"))).toBeLessThan(frameBytes + 16 * 1024);
  });

  it("restores bit-exactly, with length and ring position, before and after the ring wraps", () => {
    for (const counts of [[3], [5, 4], [7, 7, 2]]) {
      const rb = new ReplayBuffer({
        storage: make(`src-${counts.join("-")}`, 7),
        sampler: new RandomSampler({ rng: new Rng(1) }),
      });
      let next = 0;
      for (const c of counts) {
        rb.extend(transitions(c, next));
        next += c;
      }
      const dir = join(root, `ckpt-${counts.join("-")}`);
      rb.dumps(dir);
      const other = new ReplayBuffer({
        storage: make(`dst-${counts.join("-")}`, 7),
        sampler: new RandomSampler({ rng: new Rng(5) }),
      });
      other.extend(transitions(6, 500));
      other.loads(dir);
      expect(other.length).toBe(rb.length);
      expect(other.storage.writeCursor).toBe(rb.storage.writeCursor);
      expect(other.writer.cursor).toBe(rb.writer.cursor);
      expect(contents(other.storage)).toEqual(contents(rb.storage));
      // Both continue at the same slot with the same data.
      expect(Array.from(other.extend(transitions(2, 900)))).toEqual(Array.from(rb.extend(transitions(2, 900))));
      expect(contents(other.storage)).toEqual(contents(rb.storage));
    }
  });
});

describe("storage states hold only the rows with data", () => {
  it("LazyTensorStorage.state() arrays span length rows, and older full-capacity states still load", () => {
    const s = new LazyTensorStorage(100);
    s.set(Int32Array.from([0, 1, 2]), transitions(3));
    const state = s.state();
    const rowBytes = state.meta.rowBytes as number;
    expect(state.arrays.rows!.length).toBe(3 * rowBytes);
    expect(state.arrays.pixels ?? null).toBeNull(); // 9-byte pixels are packed into the rows
    const full = {
      ...state,
      arrays: {
        rows: (() => {
          const a = new Uint8Array(100 * rowBytes);
          a.set(state.arrays.rows as Uint8Array);
          return a;
        })(),
      },
    };
    const t = new LazyTensorStorage(100);
    t.loadState(full);
    expect(contents(t)).toEqual(contents(s));
  });

  it("LazyMemmapStorage.loadFiles still reads a full-capacity directory (dumps written before, or a live directory)", () => {
    const src = new LazyMemmapStorage(9, { scratchDir: join(root, "old") });
    src.set(Int32Array.from([0, 1, 2, 3]), transitions(4, 10));
    const expected = contents(src);
    src.close();
    const dst = new LazyMemmapStorage(9, { scratchDir: join(root, "new") });
    dst.loadFiles(join(root, "old"));
    expect(contents(dst)).toEqual(expected);
    expect(dst.writeCursor).toBe(4);
    dst.close();
  });
});
