import { HostArray, TensorDict } from "@tdrl/tensordict";
import { describe, expect, it } from "vitest";
import { LazyTensorStorage } from "./lazy-tensor-storage";
import { MaxValueWriter } from "./max-value-writer";

const batch = (ranks: number[], ids: number[]) =>
  new TensorDict(
    { r: HostArray.from("float32", [ranks.length], ranks), id: HostArray.from("int32", [ids.length], ids) },
    [ranks.length],
  );

function storedIds(s: LazyTensorStorage): number[] {
  return Array.from(
    s.getLeaf(
      "id",
      Int32Array.from({ length: s.length }, (_, i) => i),
    ).data,
  ).sort((a, b) => a - b);
}

describe("MaxValueWriter", () => {
  it("keeps the highest-ranked items, replacing the lowest when full", () => {
    const s = new LazyTensorStorage(3);
    const w = new MaxValueWriter({ rankKey: "r" });
    expect(Array.from(w.extend(s, batch([5, 1, 3], [0, 1, 2])))).toEqual([0, 1, 2]);
    // 4 replaces rank 1 (slot 1); 0 is dropped; 9 replaces rank 3 (slot 2)
    expect(Array.from(w.extend(s, batch([4, 0, 9], [3, 4, 5])))).toEqual([1, 2]);
    expect(storedIds(s)).toEqual([0, 3, 5]);
    // within one batch, a later item can evict an earlier one of the same batch
    // 6 takes slot 1 (rank 4), 7 takes slot 0 (rank 5), 8 then evicts 6 from slot 1
    expect(Array.from(w.extend(s, batch([6, 7, 8], [6, 7, 8])))).toEqual([0, 1]);
    expect(storedIds(s)).toEqual([5, 7, 8]);
  });

  it("rolls back its ranks when the storage refuses the data", () => {
    const s = new LazyTensorStorage(2);
    const w = new MaxValueWriter({ rankKey: "r" });
    w.extend(s, batch([1, 2], [0, 1]));
    const bad = batch([10, 20], [2, 3]).set("extra", HostArray.zeros("float32", [2]));
    expect(() => w.extend(s, bad)).toThrow(/"extra"/);
    expect(Array.from(w.extend(s, batch([1.5], [9])))).toEqual([0]); // still replaces rank 1 at slot 0
    expect(storedIds(s)).toEqual([1, 9]);
  });

  it("names a missing rank key and round-trips its state", () => {
    const s = new LazyTensorStorage(2);
    const w = new MaxValueWriter({ rankKey: "ret" });
    expect(() => w.extend(s, batch([1], [0]))).toThrow(/no rank key "ret"/);
    const v = new MaxValueWriter({ rankKey: "r" });
    v.extend(s, batch([3, 1], [0, 1]));
    const u = new MaxValueWriter({ rankKey: "r" });
    u.loadState(v.state());
    expect(Array.from(u.extend(s, batch([2], [5])))).toEqual([1]);
  });
});

describe("MaxValueWriter in a buffer", () => {
  it("tells the sampler only about the rows it kept, lined up with their indices", async () => {
    const { ReplayBuffer } = await import("./replay-buffer");
    const { ScriptedSampler } = await import("../test/fixtures");
    const seen: number[][] = [];
    const sampler = new ScriptedSampler();
    sampler.extend = (index: Int32Array, data?: TensorDict) => {
      seen.push([...index], Array.from(data!.getHost("id").data));
    };
    const rb = new ReplayBuffer({
      storage: new LazyTensorStorage(2),
      sampler,
      writer: new MaxValueWriter({ rankKey: "r" }),
    });
    rb.extend(batch([1, 2], [10, 11]));
    rb.extend(batch([0, 5], [12, 13]));
    expect(seen).toEqual([[0, 1], [10, 11], [0], [13]]);
  });
});
