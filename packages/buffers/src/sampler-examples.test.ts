// The doc-comment examples of the samplers, run as written (imports from the package sources).
import { HostArray, Rng, TensorDict } from "@tdrl/tensordict";
import { describe, expect, it } from "vitest";
import { LazyTensorStorage } from "./lazy-tensor-storage";
import { PrioritizedSampler } from "./prioritized-sampler";
import { PrioritizedSliceSampler } from "./prioritized-slice-sampler";
import { RandomSampler } from "./random-sampler";
import { ReplayBuffer } from "./replay-buffer";
import { SamplerWithoutReplacement } from "./sampler-without-replacement";
import { MinTree, SumTree } from "./segment-tree";
import { SliceSampler } from "./slice-sampler";

describe("sampler doc examples", () => {
  it("RandomSampler", () => {
    const rb = new ReplayBuffer({
      storage: new LazyTensorStorage(100),
      sampler: new RandomSampler({ rng: new Rng(7) }),
    });
    rb.extend(new TensorDict({ obs: HostArray.zeros("float32", [10, 3]) }, [10]));
    expect(rb.sample(32).batchSize).toEqual([32]);
  });

  it("SamplerWithoutReplacement", () => {
    const sampler = new SamplerWithoutReplacement({ dropLast: true, rng: new Rng(0) });
    const rb = new ReplayBuffer({ storage: new LazyTensorStorage(100), sampler });
    rb.extend(new TensorDict({ id: HostArray.from("int32", [10], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]) }, [10]));
    const epoch = [rb.sample(4), rb.sample(4)];
    expect(new Set(epoch.flatMap((td) => [...td.getHost("id").data])).size).toBe(8);
  });

  it("PrioritizedSampler", () => {
    const sampler = new PrioritizedSampler({ maxCapacity: 1000, alpha: 0.6, beta: 0.4, rng: new Rng(0) });
    const rb = new ReplayBuffer({ storage: new LazyTensorStorage(1000), sampler });
    rb.extend(new TensorDict({ obs: HostArray.zeros("float32", [100, 4]) }, [100]));
    const { index, info } = rb.sampleWithInfo(32);
    const w = info!.getHost("priority_weight");
    expect(w.shape).toEqual([32]);
    expect(Math.max(...w.data)).toBeLessThanOrEqual(1);
    rb.updatePriority(index, new Float32Array(32).fill(0.5));
    expect(sampler.priorityOf(index[0]!)).toBeCloseTo((0.5 + 1e-8) ** 0.6, 6);
  });

  it("SliceSampler", () => {
    const rb = new ReplayBuffer({
      storage: new LazyTensorStorage(1000),
      sampler: new SliceSampler({ sliceLen: 10, rng: new Rng(0) }),
    });
    const done = HostArray.zeros("bool", [100, 1]);
    done.data[39] = 1;
    rb.extend(new TensorDict({ obs: HostArray.zeros("float32", [100, 4]), next: { done } }, [100]));
    const { data, info } = rb.sampleWithInfo(40);
    expect(data.batchSize).toEqual([4, 10]);
    const init = info!.getHost("is_init");
    expect(init.shape).toEqual([4, 10, 1]);
    expect([...init.data]).toEqual(Array.from({ length: 40 }, (_, i) => (i % 10 === 0 ? 1 : 0)));
  });

  it("PrioritizedSliceSampler", () => {
    const sampler = new PrioritizedSliceSampler({
      sliceLen: 8,
      maxCapacity: 1000,
      alpha: 0.7,
      beta: 0.5,
      rng: new Rng(0),
    });
    const rb = new ReplayBuffer({ storage: new LazyTensorStorage(1000), sampler });
    rb.extend(
      new TensorDict(
        { obs: HostArray.zeros("float32", [100, 4]), next: { done: HostArray.zeros("bool", [100, 1]) } },
        [100],
      ),
    );
    const { index, info } = rb.sampleWithInfo(64);
    rb.updatePriority(index, new Float32Array(64).fill(2));
    expect(info!.getHost("priority_weight").shape).toEqual([8, 8]);
  });

  it("SumTree and MinTree", () => {
    const sum = new SumTree(4);
    sum.setMany(new Int32Array([0, 1, 2, 3]), [1, 2, 3, 4]);
    expect([sum.total(), sum.find(2.5)]).toEqual([10, 1]);
    expect([...sum.findMany([0.5, 2.5, 9.5], new Int32Array(3))]).toEqual([0, 1, 3]);
    const min = new MinTree(4);
    min.set(2, 0.5);
    min.set(3, 0.25);
    expect(min.min()).toBe(0.25);
  });
});
