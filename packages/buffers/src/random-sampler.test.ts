import { Rng } from "@tdrl/tensordict";
import { describe, expect, it } from "vitest";
import { RandomSampler } from "./random-sampler";
import { SamplerTestStorage } from "../test/sampler-storage";
import { SamplerWithoutReplacement } from "./sampler-without-replacement";

describe("RandomSampler", () => {
  it("draws every stored element about equally often, and nothing past length", () => {
    const storage = new SamplerTestStorage([20], 10);
    const sampler = new RandomSampler({ rng: new Rng(3) });
    const counts = new Float64Array(20);
    for (let r = 0; r < 200; r++) for (const i of sampler.sample(storage, 100).index) counts[i]!++;
    // 20000 draws over 10 cells: chi-square with 9 dof, 99.9% quantile 27.9.
    const expected = 2000;
    let chi2 = 0;
    for (let i = 0; i < 10; i++) chi2 += (counts[i]! - expected) ** 2 / expected;
    expect(chi2).toBeLessThan(27.9);
    expect(counts.slice(10).every((c) => c === 0)).toBe(true);
  });

  it("restores its rng from state and draws the same batch", () => {
    const storage = new SamplerTestStorage([20], 20);
    const a = new RandomSampler({ rng: new Rng(5) });
    a.sample(storage, 4);
    const saved = a.state();
    const next = a.sample(storage, 8).index;
    const b = new RandomSampler();
    b.loadState(JSON.parse(JSON.stringify({ ...saved, arrays: {} })));
    expect(b.sample(storage, 8).index).toEqual(next);
  });

  it("refuses an empty storage and a bad batch size", () => {
    expect(() => new RandomSampler().sample(new SamplerTestStorage([4], 0), 2)).toThrow(
      "RandomSampler.sample: the storage is empty",
    );
    expect(() => new RandomSampler().sample(new SamplerTestStorage([4], 4), 0)).toThrow(
      "batchSize must be a positive integer, got 0",
    );
  });
});

describe("SamplerWithoutReplacement", () => {
  it("visits every element once per epoch, the last batch short", () => {
    const storage = new SamplerTestStorage([10], 10);
    const sampler = new SamplerWithoutReplacement({ rng: new Rng(1) });
    const batches = [0, 1, 2].map(() => sampler.sample(storage, 4));
    expect(batches.map((b) => b.batchShape)).toEqual([[4], [4], [2]]);
    expect([...batches.flatMap((b) => [...b.index])].sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(sampler.sample(storage, 4).batchShape).toEqual([4]); // a new epoch
  });

  it("dropLast skips the short batch; shuffle false keeps storage order", () => {
    const storage = new SamplerTestStorage([10], 10);
    const sampler = new SamplerWithoutReplacement({ dropLast: true, shuffle: false });
    const seen = [0, 1, 2].map(() => [...sampler.sample(storage, 4).index]);
    expect(seen).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [0, 1, 2, 3],
    ]);
  });

  it("starts a new epoch over the new length when the storage grows", () => {
    const storage = new SamplerTestStorage([10], 4);
    const sampler = new SamplerWithoutReplacement({ shuffle: false });
    expect([...sampler.sample(storage, 3).index]).toEqual([0, 1, 2]);
    storage.length = 6;
    expect([...sampler.sample(storage, 6).index]).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it("refuses a batch larger than the storage, naming both sizes, unless allowShortBatches is set", () => {
    const storage = new SamplerTestStorage([10], 3);
    const sampler = new SamplerWithoutReplacement({ rng: new Rng(2) });
    expect(() => sampler.sample(storage, 32)).toThrow(
      /batchSize 32 is larger than the 3 stored elements.*allowShortBatches/,
    );
    expect(sampler.sample(storage, 3).batchShape).toEqual([3]); // nothing consumed by the refused call
    const lenient = new SamplerWithoutReplacement({ allowShortBatches: true, shuffle: false });
    const short = lenient.sample(storage, 32);
    expect(short.batchShape).toEqual([3]);
    expect([...short.index]).toEqual([0, 1, 2]);
  });

  it("resumes mid-epoch from state", () => {
    const storage = new SamplerTestStorage([50], 50);
    const a = new SamplerWithoutReplacement({ rng: new Rng(9) });
    a.sample(storage, 7);
    const b = new SamplerWithoutReplacement();
    b.loadState(a.state());
    expect(b.sample(storage, 7).index).toEqual(a.sample(storage, 7).index);
    expect(b.sample(storage, 50).index).toEqual(a.sample(storage, 50).index);
  });
});
