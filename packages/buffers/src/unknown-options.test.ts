import { describe, expect, it } from "vitest";
import { LazyTensorStorage } from "./lazy-tensor-storage";
import { PrioritizedSampler } from "./prioritized-sampler";
import { PrioritizedSliceSampler } from "./prioritized-slice-sampler";
import { RandomSampler } from "./random-sampler";
import { ReplayBuffer } from "./replay-buffer";
import { SliceSampler } from "./slice-sampler";
import { TensorDictReplayBuffer } from "./tensordict-replay-buffer";

describe("buffers refuse unknown options and sizes too large to allocate", () => {
  it("names the unknown key and the likely meant one", () => {
    const storage = new LazyTensorStorage(10);
    expect(() => new ReplayBuffer({ storage, batch_size: 4 } as never)).toThrow(
      'ReplayBuffer: unknown option "batch_size" (known: storage, sampler, writer, batchSize, transform, prefetch; did you mean batchSize?)',
    );
    expect(() => new TensorDictReplayBuffer({ storage, priority_key: "p" } as never)).toThrow(
      'TensorDictReplayBuffer: unknown option "priority_key"',
    );
    expect(() => new RandomSampler({ seed: 1 } as never)).toThrow('RandomSampler: unknown option "seed" (known: rng)');
    expect(() => new PrioritizedSampler({ maxCapacity: 8, alpha: 0.6, beta: 0.4, max_capacity: 8 } as never)).toThrow(
      "did you mean maxCapacity?",
    );
    expect(() => new SliceSampler({ sliceLen: 4, slice_len: 4 } as never)).toThrow(
      'SliceSampler: unknown option "slice_len"',
    );
    // Subclass options reach the base class without its own keys.
    expect(
      () => new PrioritizedSliceSampler({ maxCapacity: 8, alpha: 0.6, beta: 0.4, sliceLen: 2, endKey: "done" }),
    ).not.toThrow();
    expect(() => new TensorDictReplayBuffer({ storage, sampler: new RandomSampler(), priorityKey: "p" })).not.toThrow();
  });

  it("refuses a maxCapacity whose trees would not fit, naming the bytes", () => {
    expect(() => new PrioritizedSampler({ maxCapacity: 2 ** 29, alpha: 0.6, beta: 0.4 })).toThrow(
      "PrioritizedSampler: maxCapacity 536870912 would need 8589934592 bytes (8.0 GiB); the limit is 2 GiB",
    );
    expect(() => new PrioritizedSliceSampler({ maxCapacity: 2 ** 29, alpha: 0.6, beta: 0.4, sliceLen: 2 })).toThrow(
      "PrioritizedSliceSampler: maxCapacity 536870912 would need",
    );
  });
});

describe("defects found by the property suite", () => {
  it("updatePriority names the index as given (-1e12), not wrapped into int32 range", () => {
    const rb = new ReplayBuffer({
      storage: new LazyTensorStorage(16),
      sampler: new PrioritizedSampler({ maxCapacity: 16, alpha: 0.7, beta: 0.5 }),
    });
    expect(() => rb.updatePriority([-1e12], [1])).toThrow(
      "ReplayBuffer.updatePriority: index: HostArray.from: value -1000000000000 at index [0] cannot be held by int32",
    );
    expect(() => rb.updatePriority([0], [1e39])).toThrow(
      "ReplayBuffer.updatePriority: priority: HostArray.from: value 1e+39 at index [0] cannot be held by float32",
    );
  });

  it("sample refuses a batch size too large to allocate instead of crashing the process", () => {
    const rb = new ReplayBuffer({ storage: new LazyTensorStorage(16), sampler: new RandomSampler() });
    expect(() => rb.sample(2 ** 31)).toThrow("ReplayBuffer.sample: batch size 2147483648 would need 25769803776 bytes");
  });
});
