import { HostArray, TensorDict } from "@tdrl/tensordict";
import { describe, expect, it } from "vitest";
import { LazyTensorStorage } from "./lazy-tensor-storage";
import { transitions } from "../test/fixtures";

const idx = (...k: number[]) => Int32Array.from(k);

describe("LazyTensorStorage", () => {
  it("refuses a maxSize it cannot index at construction, naming the option and the bytes", () => {
    expect(() => new LazyTensorStorage(1e12)).toThrow(
      /LazyTensorStorage: maxSize 1000000000000 is above 2147483647.*at least 1.00 TB/,
    );
    expect(() => new LazyTensorStorage(2 ** 31)).toThrow(/maxSize 2147483648 is above 2147483647/);
  });

  it("refuses a first write whose memory cannot be allocated with a clear error, and stays empty and usable", () => {
    const storage = new LazyTensorStorage(2e9);
    const big = new TensorDict({ obs: HostArray.zeros("float32", [1, 100]) }, [1]);
    expect(() => storage.set(Int32Array.from([0]), big)).toThrow(
      /LazyTensorStorage.set: maxSize 2000000000 with elements of 400 bytes needs 800 GB \(800000000000 bytes\) of memory, and allocating it failed/,
    );
    expect(storage.length).toBe(0);
    expect(storage.keys()).toEqual([]);
  });

  it("stores at the given indices and keeps dtypes (uint8 stays uint8)", () => {
    const s = new LazyTensorStorage(10);
    expect(s.length).toBe(0);
    s.set(idx(3, 4, 5), transitions(3, 100));
    expect(s.length).toBe(6);
    expect(s.writeCursor).toBe(6);
    const got = s.get(idx(5, 3));
    expect(got.batchSize).toEqual([2]);
    expect(got.getHost("pixels").dtype).toBe("uint8");
    expect(got.getHost("pixels").data).toBeInstanceOf(Uint8Array);
    expect(Array.from(got.getHost("pixels").data.slice(0, 9))).toEqual(Array(9).fill(102));
    expect(Array.from(got.getHost("obs").data)).toEqual([102, 102.5, 100, 100.5]);
    expect(Array.from(got.getHost("next.reward").data)).toEqual([-102, -100]);
    expect(got.getHost("next.done").dtype).toBe("bool");
    expect(Array.from(s.getLeaf("action", idx(4)).data)).toEqual([101]);
    expect(s.keys()).toEqual(["obs", "action", "pixels", "next.reward", "next.done"]);
  });

  it("gets batches of changing sizes (the per-size plan is rebuilt) and after a clear with another layout", () => {
    const s = new LazyTensorStorage(10);
    s.set(idx(0, 1, 2, 3), transitions(4, 10));
    for (const k of [idx(3, 1), idx(2), idx(0, 1, 2, 3, 3), idx(1, 0)]) {
      const got = s.get(k);
      expect(got.batchSize).toEqual([k.length]);
      expect(got.getHost("pixels").shape).toEqual([k.length, 3, 3]);
      expect(Array.from(got.getHost("action").data)).toEqual([...k].map((i) => 10 + i));
      expect(Array.from(got.getHost("next.reward").data)).toEqual([...k].map((i) => -10 - i));
    }
    s.clear();
    s.set(idx(0, 1), new TensorDict({ a: HostArray.from("int32", [2, 3], [1, 2, 3, 4, 5, 6]) }, [2]));
    const got = s.get(idx(1, 0));
    expect(got.keys()).toEqual(["a"]);
    expect(Array.from(got.getHost("a").data)).toEqual([4, 5, 6, 1, 2, 3]);
  });

  it("returns copies, not views of the storage", () => {
    const s = new LazyTensorStorage(4);
    s.set(idx(0), transitions(1, 7));
    s.get(idx(0)).getHost("obs").data[0] = -1;
    expect(s.get(idx(0)).getHost("obs").data[0]).toBe(7);
  });

  it("refuses a key, shape or dtype that differs from the layout, naming it, and stores nothing", () => {
    const s = new LazyTensorStorage(10);
    s.set(idx(0, 1), transitions(2));
    const bad = transitions(2, 50);
    bad.set("obs", HostArray.zeros("float32", [2, 3]));
    expect(() => s.set(idx(2, 3), bad)).toThrow(/key "obs" has shape \[2, 3\], the storage expects \[2, 2\]/);
    const badType = transitions(2, 50);
    badType.set("action", HostArray.zeros("float32", [2]));
    expect(() => s.set(idx(2, 3), badType)).toThrow(/key "action" has dtype float32, the storage holds int32/);
    const missing = transitions(2, 50).exclude("pixels");
    expect(() => s.set(idx(2, 3), missing)).toThrow(/key "pixels" is missing/);
    const extra = transitions(2, 50).set("extra", HostArray.zeros("float32", [2]));
    expect(() => s.set(idx(2, 3), extra)).toThrow(/key "extra" is not in the storage layout/);
    expect(() => s.set(idx(2, 10), transitions(2, 50))).toThrow(/index 10 \(position 1\) is out of range \[0, 10\)/);
    expect(s.length).toBe(2);
    expect(s.writeCursor).toBe(2);
    expect(Array.from(s.getLeaf("action", idx(0, 1)).data)).toEqual([0, 1]);
  });

  it("lays out 2-dim storages time-major: flat = t * numEnvs + env", () => {
    const s = new LazyTensorStorage(7, { ndim: 2 });
    expect(s.shape).toBeNull();
    // 2 envs x 3 steps; env e step j has id 10 * e + j
    const obs = HostArray.from("int32", [2, 3], [0, 1, 2, 10, 11, 12]);
    const index = idx(0, 2, 4, 1, 3, 5); // env 0 at t=0..2, env 1 at t=0..2
    s.set(index, new TensorDict({ id: obs }, [2, 3]));
    expect(s.shape).toEqual([3, 2]); // floor(7 / 2) = 3 time slots
    expect(s.length).toBe(6);
    expect(Array.from(s.getLeaf("id", idx(0, 1, 2, 3, 4, 5)).data)).toEqual([0, 10, 1, 11, 2, 12]);
    expect(() => s.set(idx(0, 1, 2), new TensorDict({ id: HostArray.zeros("int32", [3, 1]) }, [3, 1]))).toThrow(
      /3 envs .* the storage holds 2/,
    );
  });

  it("round-trips its state and refuses an empty get", () => {
    const s = new LazyTensorStorage(5);
    expect(() => s.get(idx(0))).toThrow(/empty/);
    s.set(idx(0, 1, 2), transitions(3, 40));
    const copy = new LazyTensorStorage(5);
    copy.loadState(s.state());
    expect(Array.from(copy.getLeaf("obs", idx(2)).data)).toEqual([42, 42.5]);
    expect(copy.length).toBe(3);
    expect(() => new LazyTensorStorage(6).loadState(s.state())).toThrow(/maxSize 5 .* this one has 6/);
    s.clear();
    expect(s.length).toBe(0);
    expect(s.keys()).toEqual([]);
  });
});

describe("LazyTensorStorage row packing", () => {
  it("interleaves small leaves and keeps large ones apart, with the same values either way", () => {
    const n = 5;
    const big = HostArray.from(
      "float32",
      [n, 20],
      Array.from({ length: n * 20 }, (_, i) => i / 4),
    );
    const small = HostArray.from(
      "uint8",
      [n, 3],
      Array.from({ length: n * 3 }, (_, i) => (i * 7) % 256),
    );
    const flag = HostArray.from("bool", [n], [1, 0, 1, 1, 0]);
    const id = HostArray.from("int32", [n], [-5, 6, -7, 8, 2147483647]);
    const s = new LazyTensorStorage(8);
    s.set(Int32Array.from([7, 0, 3, 1, 5]), new TensorDict({ small, big, flag, id }, [n]));
    const meta = s.state();
    expect(Object.keys(meta.arrays).sort()).toEqual(["big", "rows"]);
    expect(meta.meta.rowBytes).toBe(8); // int32 (4) + uint8 x3 + bool, rounded up to 4
    const got = s.get(Int32Array.from([1, 7, 5]));
    expect(Array.from(got.getHost("id").data)).toEqual([8, -5, 2147483647]);
    expect(Array.from(got.getHost("flag").data)).toEqual([1, 1, 0]);
    expect(Array.from(got.getHost("small").data)).toEqual([63, 70, 77, 0, 7, 14, 84, 91, 98]); // data rows 3, 0, 4
    expect(Array.from(got.getHost("big").data.slice(0, 2))).toEqual([15, 15.25]);
    const copy = new LazyTensorStorage(8);
    copy.loadState(meta);
    expect(Array.from(copy.getLeaf("small", Int32Array.from([3])).data)).toEqual([42, 49, 56]);
    expect(Array.from(copy.getLeaf("big", Int32Array.from([5])).data.slice(18))).toEqual([24.5, 24.75]);
  });
});
