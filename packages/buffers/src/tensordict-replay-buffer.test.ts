import { HostArray, TensorDict } from "@tdrl/tensordict";
import { describe, expect, it } from "vitest";
import { LazyTensorStorage } from "./lazy-tensor-storage";
import type { Sampler } from "./sampler";
import { TensorDictReplayBuffer } from "./tensordict-replay-buffer";
import { ScriptedSampler, transitions } from "../test/fixtures";

describe("TensorDictReplayBuffer", () => {
  it('writes the sampled indices as "index", shaped like the batch, with the sampler\'s info', () => {
    const sampler: Sampler = {
      sample: () => ({
        index: Int32Array.from([3, 4, 7, 8]),
        batchShape: [2, 2],
        info: new TensorDict({ _weight: HostArray.from("float32", [2, 2], [1, 0.5, 0.25, 1]) }, [2, 2]),
      }),
      empty() {},
      state: () => ({ kind: "x", meta: {}, arrays: {} }),
      loadState() {},
    };
    const rb = new TensorDictReplayBuffer({ storage: new LazyTensorStorage(10), sampler });
    rb.extend(transitions(10));
    const batch = rb.sample(4);
    expect(batch.getHost("index").toNested()).toEqual([
      [3, 4],
      [7, 8],
    ]);
    expect(Array.from(batch.getHost("_weight").data)).toEqual([1, 0.5, 0.25, 1]);
    expect(batch.getHost("action").toNested()).toEqual([
      [3, 4],
      [7, 8],
    ]);
  });

  it("reads priorities from td_error on update (max of |error| over extra dims) and on extend", () => {
    const sampler = new ScriptedSampler(() => [2, 5]);
    const rb = new TensorDictReplayBuffer({ storage: new LazyTensorStorage(10), sampler, batchSize: 2 });
    rb.extend(transitions(6));
    const batch = rb.sample();
    batch.set("td_error", HostArray.from("float32", [2, 2], [0.1, -0.7, 0.3, 0.2]));
    rb.updateTensorDictPriority(batch);
    expect(sampler.priorities.get(2)).toBeCloseTo(0.7, 6);
    expect(sampler.priorities.get(5)).toBeCloseTo(0.3, 6);
    expect(() => rb.updateTensorDictPriority(batch.exclude("index"))).toThrow(/no "index" key/);

    const custom = new TensorDictReplayBuffer({
      storage: new LazyTensorStorage(10),
      sampler: new ScriptedSampler(),
      priorityKey: "p",
    });
    const data = transitions(2).set("p", HostArray.from("float32", [2], [3, 4]));
    custom.extend(data);
    expect([...(custom.sampler as ScriptedSampler).priorities]).toEqual([
      [0, 3],
      [1, 4],
    ]);
  });

  it("skips masked (padded) elements on update, so padding never overwrites the priority of the step it repeats", () => {
    const sampler = new ScriptedSampler(() => [2, 5]);
    const rb = new TensorDictReplayBuffer({ storage: new LazyTensorStorage(10), sampler, batchSize: 2 });
    rb.extend(transitions(6));
    // A padded slice batch: the second row's step 3 (index 4) is padding repeating index 3.
    const batch = new TensorDict(
      {
        index: HostArray.from("int32", [2, 2], [1, 2, 3, 3]),
        mask: HostArray.from("bool", [2, 2], [1, 1, 1, 0]),
        td_error: HostArray.from("float32", [2, 2], [0.5, 0.25, 0.75, 0]),
      },
      [2, 2],
    );
    rb.updateTensorDictPriority(batch);
    expect([...sampler.priorities]).toEqual([
      [1, 0.5],
      [2, 0.25],
      [3, 0.75],
    ]);
  });
});
