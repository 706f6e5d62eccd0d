import { Rng, TensorDict } from "@tdrl/tensordict";
import { describe, expect, it } from "vitest";
import { PRIORITY_WEIGHT_KEY } from "./prioritized-sampler";
import { PrioritizedSliceSampler } from "./prioritized-slice-sampler";
import { SamplerTestStorage } from "../test/sampler-storage";

// Episodes [0..4], [5..7], [8..11]; with sliceLen 3 the valid starts are 0, 1, 2, 5, 8, 9.
const EPISODES = [
  [0, 1, 2, 3, 4],
  [5, 6, 7],
  [8, 9, 10, 11],
];
const VALID_STARTS = [0, 1, 2, 5, 8, 9];
const PRIORITIES = Float32Array.from([1, 2, 0.5, 9, 9, 3, 9, 9, 4, 0.25, 9, 9]);

function setup(alpha: number, beta: number, seed: number) {
  const done = new Uint8Array(12);
  for (const e of [4, 7, 11]) done[e] = 1;
  const storage = new SamplerTestStorage([12], 12).column("next.done", "bool", done);
  const sampler = new PrioritizedSliceSampler({
    sliceLen: 3,
    maxCapacity: 12,
    alpha,
    beta,
    eps: 0,
    rng: new Rng(seed),
  });
  const all = Int32Array.from({ length: 12 }, (_, i) => i);
  sampler.extend(all, new TensorDict({}, [12]));
  sampler.updatePriority(all, PRIORITIES);
  return { storage, sampler };
}

function inEpisode(row: number[]): boolean {
  return EPISODES.some((ep) => {
    const at = ep.indexOf(row[0]!);
    return at >= 0 && row.every((v, k) => ep[at + k] === v);
  });
}

describe("PrioritizedSliceSampler", () => {
  it("refuses a priority for a slot that holds nothing yet, naming index and length", () => {
    const sampler = new PrioritizedSliceSampler({
      sliceLen: 3,
      maxCapacity: 100,
      alpha: 0.6,
      beta: 0.4,
      rng: new Rng(0),
    });
    sampler.extend(Int32Array.from([0, 1, 2, 3]), new TensorDict({}, [4]));
    expect(() => sampler.updatePriority(Int32Array.from([2, 40]), Float32Array.from([1, 9]))).toThrow(
      /index 40 holds nothing yet: the buffer has stored 4 elements/,
    );
    expect(sampler.priorityOf(2)).toBeCloseTo(1, 6);
    sampler.updatePriority(Int32Array.from([3]), Float32Array.from([2]));
    expect(sampler.priorityOf(3)).toBeCloseTo(2 ** 0.6, 6);
  });

  it("draws slice starts with probability q / sum q over the valid starts only (chi-square)", () => {
    const alpha = 0.8;
    const { storage, sampler } = setup(alpha, 0.5, 1);
    const counts = new Float64Array(12);
    const rounds = 2000;
    for (let r = 0; r < rounds; r++) {
      const { index, batchShape } = sampler.sample(storage, 12);
      expect(batchShape).toEqual([4, 3]);
      for (let s = 0; s < 4; s++) {
        const row = [...index.subarray(s * 3, s * 3 + 3)];
        expect(inEpisode(row)).toBe(true);
        counts[row[0]!]!++;
      }
    }
    const q = VALID_STARTS.map((i) => PRIORITIES[i]! ** alpha);
    const sum = q.reduce((a, b) => a + b, 0);
    let chi2 = 0;
    VALID_STARTS.forEach(
      (i, k) => (chi2 += (counts[i]! - (rounds * 4 * q[k]!) / sum) ** 2 / ((rounds * 4 * q[k]!) / sum)),
    );
    expect(chi2).toBeLessThan(20.5); // 5 dof, 99.9%
    expect(counts.reduce((a, b) => a + b, 0)).toBe(VALID_STARTS.reduce((a, i) => a + counts[i]!, 0));
  });

  it("returns the start's weight (q_i / min over valid starts q)^-beta along its slice", () => {
    const alpha = 0.6;
    const beta = 0.7;
    const { storage, sampler } = setup(alpha, beta, 2);
    const { index, info } = sampler.sample(storage, 24);
    const w = info!.getHost(PRIORITY_WEIGHT_KEY);
    expect(w.shape).toEqual([8, 3]);
    const minQ = Math.min(...VALID_STARTS.map((i) => PRIORITIES[i]! ** alpha));
    for (let s = 0; s < 8; s++) {
      const expected = (PRIORITIES[index[s * 3]!]! ** alpha / minQ) ** -beta;
      for (let k = 0; k < 3; k++) expect(w.data[s * 3 + k]).toBeCloseTo(expected, 6);
    }
    expect(info!.has("next.truncated")).toBe(true);
  });

  it("sees a priority update at once, without a rebuild", () => {
    const { storage, sampler } = setup(1, 0, 3);
    sampler.sample(storage, 3);
    sampler.updatePriority(new Int32Array([9]), Float32Array.from([1e6]));
    const { index } = sampler.sample(storage, 30);
    const starts = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((s) => index[s * 3]);
    expect(starts.filter((i) => i === 9).length).toBeGreaterThanOrEqual(9);
  });

  it("round-trips priorities and rng through state()", () => {
    const { storage, sampler } = setup(0.7, 0.4, 4);
    sampler.sample(storage, 6);
    const copy = new PrioritizedSliceSampler({ sliceLen: 3, maxCapacity: 12, alpha: 0.7, beta: 0.4, eps: 0 });
    copy.loadState(sampler.state());
    expect(copy.priorityOf(3)).toBe(sampler.priorityOf(3));
    const a = sampler.sample(storage, 12);
    const b = copy.sample(storage, 12);
    expect(b.index).toEqual(a.index);
    expect(b.info!.getHost(PRIORITY_WEIGHT_KEY).data).toEqual(a.info!.getHost(PRIORITY_WEIGHT_KEY).data);
  });
});
