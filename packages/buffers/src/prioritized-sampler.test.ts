import { Rng } from "@tdrl/tensordict";
import { describe, expect, it } from "vitest";
import { PRIORITY_WEIGHT_KEY, PrioritizedSampler } from "./prioritized-sampler";
import { SamplerTestStorage } from "../test/sampler-storage";
import { SumTree } from "./segment-tree";

function range(n: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => i);
}

describe("PrioritizedSampler", () => {
  it("refuses a priority for a slot that holds nothing yet (>= the stored length), naming index and length, and changes nothing", () => {
    const storage = new SamplerTestStorage([100], 5);
    const sampler = new PrioritizedSampler({ maxCapacity: 100, alpha: 0.6, beta: 0.4, rng: new Rng(0) });
    sampler.extend(range(5));
    const before = sampler.state();
    expect(() => sampler.updatePriority(Int32Array.from([1, 50]), Float32Array.from([2, 1000]))).toThrow(
      /index 50 holds nothing yet: the buffer has stored 5 elements/,
    );
    expect(() => sampler.updatePriority(Int32Array.from([5]), Float32Array.from([1]))).toThrow(
      /index 5 holds nothing yet/,
    );
    expect(sampler.state().arrays.sumLeaves).toEqual(before.arrays.sumLeaves);
    expect(sampler.priorityOf(1)).toBeCloseTo(1, 6);
    // Every stored slot is still drawable and weights are not all 1 after a legal update.
    sampler.updatePriority(Int32Array.from([4]), Float32Array.from([5]));
    const draws = sampler.sample(storage, 64).index;
    expect(Math.max(...draws)).toBeLessThan(5);
    // The stored length survives a state round trip; an inconsistent state (priority past the length) is refused.
    const copy = new PrioritizedSampler({ maxCapacity: 100, alpha: 0.6, beta: 0.4 });
    copy.loadState(sampler.state());
    expect(() => copy.updatePriority(Int32Array.from([7]), Float32Array.from([1]))).toThrow(
      /index 7 holds nothing yet/,
    );
    const bad = sampler.state();
    expect(() => copy.loadState({ ...bad, meta: { ...bad.meta, length: 3 } })).toThrow(
      /priority leaf 3 .* length is 3/,
    );
  });

  const priorities = Float32Array.from([0.5, 1, 2, 4, 0.25, 8, 1, 3]);

  function filled(alpha: number, beta: number, seed = 0) {
    const storage = new SamplerTestStorage([10], 8);
    const sampler = new PrioritizedSampler({ maxCapacity: 10, alpha, beta, eps: 0, rng: new Rng(seed) });
    sampler.extend(range(8));
    sampler.updatePriority(range(8), priorities);
    return { storage, sampler };
  }

  it("draws each element with probability p^alpha / sum p^alpha (chi-square over 32k draws)", () => {
    const alpha = 0.7;
    const { storage, sampler } = filled(alpha, 0.5, 11);
    const counts = new Float64Array(10);
    const draws = 32 * 1000;
    for (let r = 0; r < 1000; r++) for (const i of sampler.sample(storage, 32).index) counts[i]!++;
    const q = [...priorities].map((p) => p ** alpha);
    const sum = q.reduce((a, b) => a + b, 0);
    let chi2 = 0;
    for (let i = 0; i < 8; i++) chi2 += (counts[i]! - (draws * q[i]!) / sum) ** 2 / ((draws * q[i]!) / sum);
    expect(chi2).toBeLessThan(24.3); // 7 dof, 99.9%
    expect(counts[8]! + counts[9]!).toBe(0);
  });

  it("returns weights (N P(i))^-beta / max_j (N P(j))^-beta, computed by brute force", () => {
    const alpha = 0.6;
    const beta = 0.4;
    const { storage, sampler } = filled(alpha, beta);
    const { index, info } = sampler.sample(storage, 64);
    const q = [...priorities].map((p) => p ** alpha);
    const sum = q.reduce((a, b) => a + b, 0);
    const N = 8;
    const raw = q.map((qi) => (N * (qi / sum)) ** -beta);
    const maxRaw = Math.max(...raw);
    const w = info!.getHost(PRIORITY_WEIGHT_KEY);
    expect(w.shape).toEqual([64]);
    for (let b = 0; b < 64; b++) expect(w.data[b]).toBeCloseTo(raw[index[b]!]! / maxRaw, 6);
  });

  it("is stratified: draw b lies in the b-th equal segment of the total mass", () => {
    const storage = new SamplerTestStorage([4], 4);
    const sampler = new PrioritizedSampler({ maxCapacity: 4, alpha: 1, beta: 0, eps: 0 });
    sampler.extend(range(4));
    sampler.updatePriority(range(4), Float32Array.from([1, 1, 1, 1]));
    for (let r = 0; r < 20; r++) expect([...sampler.sample(storage, 4).index]).toEqual([0, 1, 2, 3]);
  });

  it("draws segment b at (b + u_b) * total / batchSize with u from its rng, on a tree large enough for batched descents", () => {
    const n = 70_000;
    const storage = new SamplerTestStorage([n], n);
    const sampler = new PrioritizedSampler({ maxCapacity: n, alpha: 0.6, beta: 0.4, rng: new Rng(21) });
    const rng = new Rng(22);
    sampler.extend(range(n));
    sampler.updatePriority(rng.fillInt(new Int32Array(30_000), 0, n), rng.fillUniform(new Float32Array(30_000), 0, 3));
    // The reference: one single-mass descent per segment, on a tree rebuilt from the sampler's leaves.
    const q = Float64Array.from({ length: n }, (_, i) => sampler.priorityOf(i));
    const tree = new SumTree(n);
    tree.build(q);
    const minQ = q.reduce((a, b) => Math.min(a, b));
    const uniforms = new Rng(21);
    for (const batchSize of [1, 7, 256]) {
      const { index, info } = sampler.sample(storage, batchSize);
      const expected = Array.from({ length: batchSize }, (_, b) =>
        tree.find((b + uniforms.uniform()) * (tree.total() / batchSize)),
      );
      expect([...index]).toEqual(expected);
      expect([...info!.getHost(PRIORITY_WEIGHT_KEY).data]).toEqual(
        expected.map((i) => Math.fround((q[i]! / minQ) ** -0.4)),
      );
    }
  });

  it("gives new elements the largest priority seen so far", () => {
    const sampler = new PrioritizedSampler({ maxCapacity: 8, alpha: 0.5, beta: 1, eps: 0 });
    sampler.extend(range(2));
    expect(sampler.priorityOf(0)).toBe(1);
    sampler.updatePriority(new Int32Array([0, 1]), Float32Array.from([9, 0.25]));
    sampler.extend(new Int32Array([2]));
    expect([0, 1, 2].map((i) => sampler.priorityOf(i))).toEqual([3, 0.5, 3]);
  });

  it("updates a whole batch in one call and validates before changing anything", () => {
    const sampler = new PrioritizedSampler({ maxCapacity: 4, alpha: 1, beta: 1, eps: 0 });
    sampler.extend(range(4));
    expect(() => sampler.updatePriority(new Int32Array([0, 7]), Float32Array.from([5, 5]))).toThrow(
      "PrioritizedSampler.updatePriority: index 7 is out of range [0, 4) (maxCapacity)",
    );
    expect(() => sampler.updatePriority(new Int32Array([0, 1]), Float32Array.from([5, Number.NaN]))).toThrow(
      "priority NaN at position 1 (index 1)",
    );
    expect(sampler.priorityOf(0)).toBe(1);
  });

  it("round-trips its trees, max priority and rng through state()", () => {
    const { storage, sampler } = filled(0.6, 0.4, 5);
    const copy = new PrioritizedSampler({ maxCapacity: 10, alpha: 0.6, beta: 0.4, eps: 0 });
    copy.loadState(sampler.state());
    const a = sampler.sample(storage, 16);
    const b = copy.sample(storage, 16);
    expect(b.index).toEqual(a.index);
    expect(b.info!.getHost(PRIORITY_WEIGHT_KEY).data).toEqual(a.info!.getHost(PRIORITY_WEIGHT_KEY).data);
    sampler.extend(new Int32Array([8]));
    copy.extend(new Int32Array([8]));
    expect(copy.priorityOf(8)).toBe(sampler.priorityOf(8));
  });

  it("names the problem when the storage outgrows maxCapacity or nothing was extended", () => {
    const sampler = new PrioritizedSampler({ maxCapacity: 4, alpha: 1, beta: 1 });
    expect(() => sampler.sample(new SamplerTestStorage([8], 8), 2)).toThrow(
      "the storage holds up to 8 elements but maxCapacity is 4",
    );
    expect(() => sampler.sample(new SamplerTestStorage([4], 4), 2)).toThrow("the priorities sum to 0");
  });
});
