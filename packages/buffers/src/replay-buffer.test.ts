import { HostArray, TensorDict } from "@tdrl/tensordict";
import { describe, expect, it } from "vitest";
import { LazyTensorStorage } from "./lazy-tensor-storage";
import { PrioritizedSampler } from "./prioritized-sampler";
import { RandomSampler } from "./random-sampler";
import { ReplayBuffer } from "./replay-buffer";
import type { Sampler } from "./sampler";
import { ScriptedSampler, ids, transitions } from "../test/fixtures";

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
async function ticks(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await tick();
}

describe("ReplayBuffer", () => {
  it("defaults to a RandomSampler when none is given (TorchRL's default), so extend and sample work", () => {
    const rb = new ReplayBuffer({ storage: new LazyTensorStorage(10), batchSize: 4 });
    expect(rb.sampler).toBeInstanceOf(RandomSampler);
    expect(Array.from(rb.extend(transitions(5)))).toEqual([0, 1, 2, 3, 4]);
    expect(rb.length).toBe(5);
    expect(ids(rb.sample()).every((i) => i >= 0 && i < 5)).toBe(true);
  });

  it("refuses at construction a sampler whose maxCapacity cannot index the storage, before anything is stored", () => {
    const storage = new LazyTensorStorage(10);
    expect(
      () => new ReplayBuffer({ storage, sampler: new PrioritizedSampler({ maxCapacity: 5, alpha: 0.6, beta: 0.4 }) }),
    ).toThrow(/maxCapacity 5 is smaller than the storage's maxSize 10/);
    expect(storage.length).toBe(0);
  });

  it("extends, samples the sampler's indices and reports its length", () => {
    const rb = new ReplayBuffer({
      storage: new LazyTensorStorage(10),
      sampler: new ScriptedSampler(() => [4, 0, 4]),
      batchSize: 3,
    });
    expect(Array.from(rb.extend(transitions(5)))).toEqual([0, 1, 2, 3, 4]);
    expect(rb.length).toBe(5);
    const s = rb.sampleWithInfo();
    expect(ids(s.data)).toEqual([4, 0, 4]);
    expect(Array.from(s.index)).toEqual([4, 0, 4]);
    expect(Array.from(rb.add(transitions(1, 77).index(0)))).toEqual([5]);
    expect(rb.length).toBe(6);
  });

  it("reshapes to the sampler's batch shape instead of flattening", () => {
    const slices: Sampler = {
      sample: () => ({ index: Int32Array.from([0, 1, 2, 5, 6, 7]), batchShape: [2, 3] }),
      empty() {},
      state: () => ({ kind: "x", meta: {}, arrays: {} }),
      loadState() {},
    };
    const rb = new ReplayBuffer({ storage: new LazyTensorStorage(10), sampler: slices });
    rb.extend(transitions(8));
    const batch = rb.sample(6);
    expect(batch.batchSize).toEqual([2, 3]);
    expect(batch.getHost("obs").shape).toEqual([2, 3, 2]);
    expect(batch.getHost("action").toNested()).toEqual([
      [0, 1, 2],
      [5, 6, 7],
    ]);
  });

  it("runs the transform on every sample (uint8 pixels to float at sample time)", () => {
    const toFloat = (td: TensorDict) => {
      const px = td.getHost("pixels");
      return td.set(
        "pixels",
        new HostArray(
          "float32",
          px.shape,
          Float32Array.from(px.data, (v) => v / 255),
        ),
      );
    };
    const rb = new ReplayBuffer({
      storage: new LazyTensorStorage(10),
      sampler: new ScriptedSampler(() => [1]),
      transform: toFloat,
    });
    rb.extend(transitions(3, 50));
    const px = rb.sample(1).getHost("pixels");
    expect(px.dtype).toBe("float32");
    expect(px.data[0]).toBeCloseTo(51 / 255, 6);
    expect(rb.storage.get(Int32Array.from([1])).getHost("pixels").dtype).toBe("uint8");
  });

  it("throws clearly when sampling an empty buffer or without a batch size", () => {
    const rb = new ReplayBuffer({ storage: new LazyTensorStorage(10), sampler: new ScriptedSampler() });
    expect(() => rb.sample(4)).toThrow(/ReplayBuffer.sample: the buffer is empty/);
    rb.extend(transitions(2));
    expect(() => rb.sample()).toThrow(/no batch size/);
    expect(() => rb.sample(0)).toThrow(/batch size must be a positive integer, got 0/);
  });

  it("stores nothing and keeps the cursor when extend is refused", () => {
    const sampler = new ScriptedSampler();
    const rb = new ReplayBuffer({ storage: new LazyTensorStorage(10), sampler });
    rb.extend(transitions(3));
    const bad = transitions(2, 10);
    bad.set("obs", HostArray.zeros("float32", [2, 5]));
    expect(() => rb.extend(bad)).toThrow(/key "obs" has shape \[2, 5\], the storage expects \[2, 2\]/);
    expect(rb.length).toBe(3);
    expect(rb.writer.cursor).toBe(3);
    expect(sampler.extended).toEqual([0, 1, 2]);
    expect(Array.from(rb.extend(transitions(1, 9)))).toEqual([3]);
  });

  it("keeps exactly `prefetch` batches sampled ahead", async () => {
    const sampler = new ScriptedSampler();
    const rb = new ReplayBuffer({ storage: new LazyTensorStorage(100), sampler, batchSize: 2, prefetch: 3 });
    rb.extend(transitions(50));
    expect(sampler.calls).toBe(0);
    const first = rb.sample();
    expect(ids(first)).toEqual([0, 1]);
    await ticks(10);
    expect(rb.prefetched).toBe(3);
    expect(sampler.calls).toBe(4); // 1 handed out + 3 ahead
    for (let i = 1; i <= 5; i++) {
      expect(ids(rb.sample())).toEqual([2 * i, 2 * i + 1]); // batches come out in order
      await ticks(10);
      expect(rb.prefetched).toBe(3);
      expect(sampler.calls).toBe(i + 1 + 3);
    }
    rb.empty();
    await ticks(5);
    expect(rb.prefetched).toBe(0);
    expect(() => rb.sample()).toThrow(/empty/);
  });

  it("does not prefetch without the option", async () => {
    const sampler = new ScriptedSampler();
    const rb = new ReplayBuffer({ storage: new LazyTensorStorage(10), sampler, batchSize: 2 });
    rb.extend(transitions(5));
    rb.sample();
    await ticks(5);
    expect(sampler.calls).toBe(1);
    expect(rb.prefetched).toBe(0);
  });

  it("iterates batches asynchronously", async () => {
    const rb = new ReplayBuffer({ storage: new LazyTensorStorage(10), sampler: new ScriptedSampler(), batchSize: 2 });
    rb.extend(transitions(6));
    const seen: number[][] = [];
    for await (const batch of rb) {
      seen.push(ids(batch));
      if (seen.length === 3) break;
    }
    expect(seen).toEqual([
      [0, 1],
      [2, 3],
      [4, 5],
    ]);
  });

  it("forwards priorities and refuses them for samplers without", () => {
    const sampler = new ScriptedSampler();
    const rb = new ReplayBuffer({ storage: new LazyTensorStorage(10), sampler });
    rb.extend(transitions(4));
    rb.updatePriority([1, 3], [0.5, 2]);
    expect([...sampler.priorities]).toEqual([
      [1, 0.5],
      [3, 2],
    ]);
    expect(() => rb.updatePriority([1], [1, 2])).toThrow(/1 indices but 2 priorities/);
    const noPriorities: Sampler = {
      sample: (s, n) => sampler.sample(s, n),
      empty() {},
      state: () => sampler.state(),
      loadState() {},
    };
    const plain = new ReplayBuffer({ storage: new LazyTensorStorage(10), sampler: noPriorities });
    expect(() => plain.updatePriority([0], 1)).toThrow(/has no priorities/);
  });

  it("writes [numEnvs, T] blocks and single steps into a 2-dim storage", () => {
    const sampler = new ScriptedSampler(() => [0, 1, 6, 7]);
    const rb = new ReplayBuffer({ storage: new LazyTensorStorage(8, { ndim: 2 }), sampler });
    const block = new TensorDict({ id: HostArray.from("int32", [2, 3], [0, 1, 2, 10, 11, 12]) }, [2, 3]);
    expect(Array.from(rb.extend(block))).toEqual([0, 2, 4, 1, 3, 5]);
    expect(Array.from(rb.add(new TensorDict({ id: HostArray.from("int32", [2], [3, 13]) }, [2])))).toEqual([6, 7]);
    expect(rb.length).toBe(8);
    expect(Array.from(rb.sample(4).getHost("id").data)).toEqual([0, 10, 3, 13]);
    expect(Array.from(rb.add(new TensorDict({ id: HostArray.from("int32", [2], [4, 14]) }, [2])))).toEqual([0, 1]); // wraps in time
    expect(() => rb.extend(new TensorDict({ id: HostArray.zeros("int32", [3, 1]) }, [3, 1]))).toThrow(
      /3 envs .* the storage holds 2/,
    );
  });

  it("empty() clears storage, writer and sampler", () => {
    const sampler = new ScriptedSampler();
    const rb = new ReplayBuffer({ storage: new LazyTensorStorage(10), sampler });
    rb.extend(transitions(4));
    rb.empty();
    expect(rb.length).toBe(0);
    expect(rb.writer.cursor).toBe(0);
    expect(sampler.extended).toEqual([]);
    expect(Array.from(rb.extend(transitions(1)))).toEqual([0]);
  });
});
