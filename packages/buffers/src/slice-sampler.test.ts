import { HostArray, Rng, TensorDict } from "@tdrl/tensordict";
import { describe, expect, it } from "vitest";
import { SamplerTestStorage } from "../test/sampler-storage";
import { SliceSampler } from "./slice-sampler";

/** A 1-dim storage of `capacity` whose `next.done` is set at `ends`. */
function doneStorage(capacity: number, length: number, ends: number[]): SamplerTestStorage {
  const done = new Uint8Array(capacity);
  for (const e of ends) done[e] = 1;
  return new SamplerTestStorage([capacity], length).column("next.done", "bool", done);
}

/** The episode (list of flat indices, in order) that contains `row` as consecutive steps, or throws. */
function episodeOf(row: number[], episodes: number[][]): number {
  const j = episodes.findIndex((ep) => {
    const at = ep.indexOf(row[0]!);
    return at >= 0 && row.every((v, k) => ep[at + k] === v);
  });
  if (j < 0) throw new Error(`slice [${row.join(", ")}] lies in no episode`);
  return j;
}

function rowsOf(index: Int32Array, width: number): number[][] {
  const rows: number[][] = [];
  for (let s = 0; s < index.length / width; s++) rows.push([...index.subarray(s * width, (s + 1) * width)]);
  return rows;
}

function flags(info: TensorDict, key: string): number[] {
  return [...info.getHost(key).data];
}

/** Chi-square of observed counts against expected probabilities (cells with p > 0). */
function chiSquare(counts: Map<number, number>, probs: Map<number, number>, draws: number): number {
  let chi2 = 0;
  for (const [k, p] of probs) chi2 += ((counts.get(k) ?? 0) - draws * p) ** 2 / (draws * p);
  for (const k of counts.keys()) if (!probs.has(k)) return Number.POSITIVE_INFINITY;
  return chi2;
}

describe("SliceSampler", () => {
  it("keeps every slice inside one episode and covers starts as TorchRL does (episode uniform, then start uniform)", () => {
    const storage = doneStorage(20, 14, [3, 8, 13]);
    const episodes = [
      [0, 1, 2, 3],
      [4, 5, 6, 7, 8],
      [9, 10, 11, 12, 13],
    ];
    const sampler = new SliceSampler({ sliceLen: 3, rng: new Rng(4) });
    const counts = new Map<number, number>();
    const rounds = 3000;
    for (let r = 0; r < rounds; r++) {
      const { index, batchShape } = sampler.sample(storage, 12);
      expect(batchShape).toEqual([4, 3]);
      for (const row of rowsOf(index, 3)) {
        episodeOf(row, episodes);
        counts.set(row[0]!, (counts.get(row[0]!) ?? 0) + 1);
      }
    }
    const probs = new Map<number, number>();
    for (const ep of episodes) for (let k = 0; k + 3 <= ep.length; k++) probs.set(ep[k]!, 1 / 3 / (ep.length - 2));
    expect(chiSquare(counts, probs, rounds * 4)).toBeLessThan(26.1); // 7 dof, 99.9%
  });

  it("never stitches the newest data to the oldest when the ring has wrapped, but follows an episode across the ring end", () => {
    // Capacity 10, full, newest write at slot 3. Chronological: 4 5 | 6 7 8 9 0 | 1 2 3 (ongoing, no done).
    const storage = doneStorage(10, 10, [5, 0]);
    const sampler = new SliceSampler({ sliceLen: 2, rng: new Rng(1) });
    storage.writeCursor = 4;
    const episodes = [
      [4, 5],
      [6, 7, 8, 9, 0],
      [1, 2, 3],
    ];
    const starts = new Set<number>();
    for (let r = 0; r < 400; r++) {
      for (const row of rowsOf(sampler.sample(storage, 8).index, 2)) {
        episodeOf(row, episodes);
        starts.add(row[0]!);
      }
    }
    expect([...starts].sort((a, b) => a - b)).toEqual([1, 2, 4, 6, 7, 8, 9]); // 9 -> 0 is sampled, 3 -> 4 never
  });

  it("refreshes its episodes from the written data after extend", () => {
    const storage = doneStorage(8, 4, [1]);
    const sampler = new SliceSampler({ sliceLen: 2, rng: new Rng(2) });
    sampler.extend(new Int32Array([0, 1, 2, 3]), new TensorDict({}, [4]));
    for (let r = 0; r < 50; r++)
      for (const row of rowsOf(sampler.sample(storage, 4).index, 2))
        episodeOf(row, [
          [0, 1],
          [2, 3],
        ]);
    // Four more steps: [2, 3] continues to 4, 5 (done at 5); 6, 7 start a new episode. The ring is now full, newest at 7.
    const next = new TensorDict({ next: { done: HostArray.from("bool", [4, 1], [0, 1, 0, 0]) } }, [4]);
    storage.set(new Int32Array([4, 5, 6, 7]), next);
    sampler.extend(new Int32Array([4, 5, 6, 7]), next);
    const episodes = [
      [0, 1],
      [2, 3, 4, 5],
      [6, 7],
    ];
    const starts = new Set<number>();
    for (let r = 0; r < 200; r++) {
      for (const row of rowsOf(sampler.sample(storage, 4).index, 2)) {
        episodeOf(row, episodes);
        starts.add(row[0]!);
      }
    }
    expect([...starts].sort((a, b) => a - b)).toEqual([0, 2, 3, 4, 6]);
  });

  it("finds episodes from trajectory ids", () => {
    const storage = new SamplerTestStorage([9], 9).column("traj", "int32", [7, 7, 7, 2, 2, 2, 2, 5, 5], []);
    const sampler = new SliceSampler({ sliceLen: 3, trajKey: "traj", rng: new Rng(3) });
    const starts = new Set<number>();
    for (let r = 0; r < 200; r++)
      for (const row of rowsOf(sampler.sample(storage, 6).index, 3))
        starts.add(
          episodeOf(row, [
            [0, 1, 2],
            [3, 4, 5, 6],
          ]) *
            100 +
            row[0]!,
        );
    expect([...starts].sort((a, b) => a - b)).toEqual([0, 103, 104]);
  });

  it("keeps each env column of a 2-dim storage apart, with the ring wrapped", () => {
    // Shape [5, 2]: flat = t * 2 + env. Newest time slot 1, so chronological slots are 2 3 4 0 1.
    // env 0: done at slot 3 -> episodes {2,3} and {4,0,1}; env 1: no done -> one episode {2,3,4,0,1}.
    const done = new Uint8Array(10);
    done[3 * 2 + 0] = 1;
    const storage = new SamplerTestStorage([5, 2], 10).column("next.done", "bool", done);
    const sampler = new SliceSampler({ sliceLen: 3, rng: new Rng(5) });
    storage.writeCursor = 4;
    const flat = (t: number, e: number) => t * 2 + e;
    const episodes = [
      [flat(2, 0), flat(3, 0)],
      [flat(4, 0), flat(0, 0), flat(1, 0)],
      [2, 3, 4, 0, 1].map((t) => flat(t, 1)),
    ];
    const seen = new Set<string>();
    for (let r = 0; r < 300; r++)
      for (const row of rowsOf(sampler.sample(storage, 6).index, 3)) seen.add(`${episodeOf(row, episodes)}:${row[0]}`);
    expect([...seen].sort()).toEqual(["1:8", "2:5", "2:7", "2:9"]);
  });

  it("writes is_init, truncated, done and terminated exactly", () => {
    const storage = doneStorage(8, 8, [3, 7]).column("next.terminated", "bool", [0, 0, 0, 1, 0, 0, 0, 0]);
    const sampler = new SliceSampler({ numSlices: 2, rng: new Rng(6) });
    for (let r = 0; r < 20; r++) {
      const { index, info } = sampler.sample(storage, 8); // sliceLen 4: each slice is a whole episode
      expect(rowsOf(index, 4).every((row) => row[3]! % 4 === 3)).toBe(true);
      expect(info!.batchSize).toEqual([2, 4]);
      expect(info!.getHost("is_init").shape).toEqual([2, 4, 1]);
      expect(flags(info!, "is_init")).toEqual([1, 0, 0, 0, 1, 0, 0, 0]);
      expect(flags(info!, "next.truncated")).toEqual([0, 0, 0, 1, 0, 0, 0, 1]);
      expect(flags(info!, "next.done")).toEqual([0, 0, 0, 1, 0, 0, 0, 1]);
      expect(flags(info!, "next.terminated")).toEqual([...index].map((i) => (i === 3 ? 1 : 0)));
    }
    const mid = new SliceSampler({ sliceLen: 2, rng: new Rng(7) }).sample(storage, 4);
    expect(flags(mid.info!, "next.done")).toEqual([...mid.index].map((i, k) => (k % 2 === 1 || i % 4 === 3 ? 1 : 0)));
  });

  it("pads short episodes with their last index and a false mask when padOutput is set", () => {
    const storage = doneStorage(6, 6, [1, 5]); // episodes [0, 1] and [2, 3, 4, 5]
    const sampler = new SliceSampler({ sliceLen: 3, strictLength: false, padOutput: true, rng: new Rng(8) });
    let sawShort = false;
    for (let r = 0; r < 100; r++) {
      const { index, batchShape, info } = sampler.sample(storage, 6);
      expect(batchShape).toEqual([2, 3]);
      for (const [s, row] of rowsOf(index, 3).entries()) {
        const mask = flags(info!, "mask").slice(s * 3, s * 3 + 3);
        const trunc = flags(info!, "next.truncated").slice(s * 3, s * 3 + 3);
        if (row[0] === 0) {
          sawShort = true;
          expect(row).toEqual([0, 1, 1]);
          expect(mask).toEqual([1, 1, 0]);
          expect(trunc).toEqual([0, 1, 0]);
        } else {
          episodeOf(row, [[2, 3, 4, 5]]);
          expect(mask).toEqual([1, 1, 1]);
          expect(trunc).toEqual([0, 0, 1]);
        }
      }
    }
    expect(sawShort).toBe(true);
  });

  it("concatenates short slices into a flat batch when neither strict nor padded", () => {
    const storage = doneStorage(5, 5, [1, 4]); // episodes [0, 1] and [2, 3, 4]
    const sampler = new SliceSampler({ sliceLen: 3, strictLength: false, rng: new Rng(9) });
    const { index, batchShape, info } = sampler.sample(storage, 30);
    const expectedLength = [...flags(info!, "is_init")].filter((v) => v === 1).length;
    expect(expectedLength).toBe(10);
    expect(batchShape).toEqual([index.length]);
    const init = flags(info!, "is_init");
    const trunc = flags(info!, "next.truncated");
    for (let i = 0; i < index.length; i++) {
      expect(init[i]).toBe(index[i] === 0 || index[i] === 2 ? 1 : 0);
      expect(trunc[i]).toBe(index[i] === 1 || index[i] === 4 ? 1 : 0);
    }
  });

  it("names the longest episode when strict slices fit nowhere, and the missing key", () => {
    const storage = doneStorage(10, 10, [2, 6, 9]);
    expect(() => new SliceSampler({ sliceLen: 5 }).sample(storage, 10)).toThrow(
      "SliceSampler.sample: no episode has at least sliceLen 5 steps (the longest of 3 has 4)",
    );
    expect(() => new SliceSampler({ sliceLen: 2, endKey: "end" }).sample(storage, 4)).toThrow(
      'the storage has no endKey "end"',
    );
    expect(() => new SliceSampler({ sliceLen: 3 }).sample(storage, 4)).toThrow(
      "batchSize 4 is not a multiple of sliceLen 3",
    );
  });

  it("restores its rng and write cursor from state and draws the same slices", () => {
    const storage = doneStorage(10, 10, [5, 0]);
    const a = new SliceSampler({ sliceLen: 2, rng: new Rng(10) });
    storage.writeCursor = 4;
    a.sample(storage, 4);
    const b = new SliceSampler({ sliceLen: 2 });
    b.loadState(JSON.parse(JSON.stringify(a.state())));
    for (let r = 0; r < 5; r++) expect(b.sample(storage, 8).index).toEqual(a.sample(storage, 8).index);
  });
});
