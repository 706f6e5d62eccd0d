import { HostArray, Rng, TensorDict } from "@tdrl/tensordict";
import { describe, expect, it } from "vitest";
import { LazyTensorStorage } from "./lazy-tensor-storage";
import { PrioritizedSliceSampler } from "./prioritized-slice-sampler";
import { ReplayBuffer } from "./replay-buffer";
import { SliceSampler } from "./slice-sampler";
import { EpisodeTable } from "./slice-sampler-episodes";
import type { Storage } from "./storage";

/** Exposes the cached episode table, to compare it with a full rebuild. */
class InspectableSliceSampler extends SliceSampler {
  tableOf(storage: Storage): EpisodeTable {
    return this.episodes(storage);
  }
}

function chronological(table: EpisodeTable): string[] {
  return Array.from({ length: table.count }, (_, k) => `${table.startSlot[table.id(k)]}+${table.length[table.id(k)]}`);
}

/**
 * Writes random-length episodes through a real ReplayBuffer (round-robin writer, ring wrapping many
 * times) and checks every sampled slice against what was written: one episode id, consecutive global
 * steps (a slice joining the newest data to the oldest would jump), and exact slice flags.
 */
function episodeWriter(rb: ReplayBuffer, rng: Rng, numEnvs: number, ndim: 1 | 2): (chunkT: number) => void {
  const nextEp = Array.from({ length: numEnvs }, (_, e) => e * 1_000_000);
  const left = Array.from({ length: numEnvs }, () => rng.int(1, 12));
  const step = Array.from({ length: numEnvs }, () => 0);
  return (chunkT) => {
    const n = numEnvs * chunkT;
    const ep = new HostArray("int32", ndim === 2 ? [numEnvs, chunkT] : [n]);
    const st = new HostArray("int32", ndim === 2 ? [numEnvs, chunkT] : [n]);
    const done = new HostArray("bool", ndim === 2 ? [numEnvs, chunkT, 1] : [n, 1]);
    for (let e = 0; e < numEnvs; e++) {
      for (let t = 0; t < chunkT; t++) {
        const k = e * chunkT + t;
        ep.data[k] = nextEp[e]!;
        st.data[k] = step[e]!++;
        if (--left[e]! === 0) {
          done.data[k] = 1;
          nextEp[e]!++;
          left[e] = rng.int(1, 12);
        }
      }
    }
    rb.extend(new TensorDict({ ep, step: st, next: { done } }, ndim === 2 ? [numEnvs, chunkT] : [n]));
  };
}

function checkSlices(rb: ReplayBuffer, sliceLen: number, numSlices: number): Set<number> {
  const { data, info, batchShape } = rb.sampleWithInfo(sliceLen * numSlices);
  expect(batchShape).toEqual([numSlices, sliceLen]);
  const ep = data.getHost("ep").data;
  const st = data.getHost("step").data;
  const init = info!.getHost("is_init").data;
  const trunc = info!.getHost("next.truncated").data;
  const starts = new Set<number>();
  for (let s = 0; s < numSlices; s++) {
    for (let k = 0; k < sliceLen; k++) {
      const i = s * sliceLen + k;
      if (k > 0) {
        expect(ep[i]).toBe(ep[i - 1]);
        expect(st[i]).toBe(st[i - 1]! + 1);
      }
      expect(init[i]).toBe(k === 0 ? 1 : 0);
      expect(trunc[i]).toBe(k === sliceLen - 1 ? 1 : 0);
    }
    starts.add(
      st[s * sliceLen]! * 8 + (ep[s * sliceLen]! >= 1_000_000 ? Math.floor(ep[s * sliceLen]! / 1_000_000) : 0),
    );
  }
  return starts;
}

describe("SliceSampler in a ReplayBuffer whose ring wraps", () => {
  it("1-dim storage: every slice is consecutive steps of one episode, across many wraps", () => {
    const rng = new Rng(21);
    const rb = new ReplayBuffer({
      storage: new LazyTensorStorage(97),
      sampler: new SliceSampler({ sliceLen: 4, rng: new Rng(1) }),
    });
    const write = episodeWriter(rb, rng, 1, 1);
    for (let round = 0; round < 30; round++) {
      write(rng.int(1, 40));
      for (let r = 0; r < 5; r++) checkSlices(rb, 4, 6);
    }
  });

  it("2-dim storage: env columns stay apart and no slice crosses the seam", () => {
    const rb = new ReplayBuffer({
      storage: new LazyTensorStorage(3 * 41, { ndim: 2 }),
      sampler: new SliceSampler({ sliceLen: 3, rng: new Rng(2) }),
    });
    const write = episodeWriter(rb, new Rng(100), 3, 2);
    for (let round = 0; round < 20; round++) {
      write(7);
      for (let r = 0; r < 5; r++) checkSlices(rb, 3, 8);
    }
  });

  it("prioritized slices obey the same rules", () => {
    const sampler = new PrioritizedSliceSampler({
      sliceLen: 3,
      maxCapacity: 64,
      alpha: 0.7,
      beta: 0.5,
      rng: new Rng(3),
    });
    const rb = new ReplayBuffer({ storage: new LazyTensorStorage(64), sampler });
    const rng = new Rng(4);
    const write = episodeWriter(rb, new Rng(200), 1, 1);
    for (let round = 0; round < 20; round++) {
      write(13);
      const { index } = rb.sampleWithInfo(12);
      rb.updatePriority(
        index,
        Float32Array.from(index, () => rng.uniform(0, 5)),
      );
      for (let r = 0; r < 5; r++) checkSlices(rb, 3, 4);
    }
  });

  for (const byTraj of [false, true]) {
    it(`updates its episodes incrementally after contiguous writes, equal to a full rebuild (${byTraj ? "trajKey" : "endKey"})`, () => {
      const capacity = 61;
      const sampler = new InspectableSliceSampler({
        sliceLen: 2,
        rng: new Rng(5),
        ...(byTraj ? { trajKey: "ep" } : {}),
      });
      const storage = new LazyTensorStorage(capacity);
      const rb = new ReplayBuffer({ storage, sampler });
      const rng = new Rng(6);
      const write = episodeWriter(rb, rng, 1, 1);
      let movedHead = false;
      for (let round = 0; round < 60; round++) {
        write(rng.int(1, 25));
        const table = sampler.tableOf(storage);
        movedHead ||= table.head !== 0;
        const all = Int32Array.from({ length: storage.length }, (_, i) => i);
        const key = byTraj ? "ep" : "next.done";
        const column = Int32Array.from(storage.getLeaf(key, all).data);
        const fresh = new EpisodeTable(1, capacity);
        const filled = storage.length;
        fresh.rebuild(
          column,
          byTraj,
          filled,
          filled < capacity ? filled - 1 : (storage.writeCursor - 1 + capacity) % capacity,
          false,
        );
        expect(chronological(table)).toEqual(chronological(fresh));
        expect(table.maxLength).toBe(fresh.maxLength);
      }
      expect(movedHead).toBe(true); // the incremental path ran (a full rebuild resets head to 0)
    });
  }

  it("prioritized: start trees patched after each append equal a full rebuild (same draws and weights after a reload)", () => {
    const capacity = 53;
    const make = (seed: number) =>
      new PrioritizedSliceSampler({ sliceLen: 3, maxCapacity: capacity, alpha: 0.8, beta: 0.6, rng: new Rng(seed) });
    const sampler = make(7);
    const storage = new LazyTensorStorage(capacity);
    const rb = new ReplayBuffer({ storage, sampler });
    const rng = new Rng(8);
    const write = episodeWriter(rb, rng, 1, 1);
    let last: Int32Array | null = null;
    for (let round = 0; round < 40; round++) {
      write(rng.int(1, 20));
      // A priority update between the write and the next sample, as a training loop does.
      if (last !== null)
        rb.updatePriority(
          last,
          Float32Array.from(last, () => rng.uniform(0, 4)),
        );
      const fresh = make(0);
      fresh.loadState(sampler.state()); // same rng and priorities; its trees are built from scratch
      const a = sampler.sample(storage, 12);
      const b = fresh.sample(storage, 12);
      expect(a.index).toEqual(b.index);
      expect(a.info!.getHost("priority_weight").data).toEqual(b.info!.getHost("priority_weight").data);
      last = a.index;
    }
  });
});
