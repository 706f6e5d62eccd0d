import { HostArray, TensorDict } from "@tdrl/tensordict";
import { describe, expect, it } from "vitest";
import { LazyTensorStorage } from "./lazy-tensor-storage";
import { RoundRobinWriter } from "./round-robin-writer";
import { transitions } from "../test/fixtures";

describe("RoundRobinWriter", () => {
  it("wraps around and overwrites the oldest items", () => {
    const s = new LazyTensorStorage(5);
    const w = new RoundRobinWriter();
    expect(Array.from(w.extend(s, transitions(3, 0)))).toEqual([0, 1, 2]);
    expect(Array.from(w.extend(s, transitions(4, 3)))).toEqual([3, 4, 0, 1]);
    expect(w.cursor).toBe(2);
    expect(s.length).toBe(5);
    expect(Array.from(s.getLeaf("action", Int32Array.from([0, 1, 2, 3, 4])).data)).toEqual([5, 6, 2, 3, 4]);
  });

  it("keeps the last of several writes to one slot when a batch exceeds the capacity", () => {
    const s = new LazyTensorStorage(3);
    const w = new RoundRobinWriter();
    expect(Array.from(w.extend(s, transitions(7, 0)))).toEqual([0, 1, 2, 0, 1, 2, 0]);
    expect(Array.from(s.getLeaf("action", Int32Array.from([0, 1, 2])).data)).toEqual([6, 4, 5]);
    expect(w.cursor).toBe(1);
  });

  it("does not move the cursor when the storage refuses the data", () => {
    const s = new LazyTensorStorage(5);
    const w = new RoundRobinWriter();
    w.extend(s, transitions(2));
    expect(() => w.extend(s, transitions(2).exclude("obs"))).toThrow(/"obs" is missing/);
    expect(w.cursor).toBe(2);
    expect(s.length).toBe(2);
  });

  it("writes [numEnvs, T] blocks along time for 2-dim storages", () => {
    const s = new LazyTensorStorage(6, { ndim: 2 });
    const w = new RoundRobinWriter();
    const block = (t0: number) =>
      new TensorDict({ id: HostArray.from("int32", [2, 2], [t0, t0 + 1, 100 + t0, 101 + t0]) }, [2, 2]);
    expect(Array.from(w.extend(s, block(0)))).toEqual([0, 2, 1, 3]);
    expect(Array.from(w.extend(s, block(2)))).toEqual([4, 0, 5, 1]); // t = 2, then wraps to t = 0
    expect(w.cursor).toBe(1);
    expect(Array.from(s.getLeaf("id", Int32Array.from([0, 1, 2, 3, 4, 5])).data)).toEqual([3, 103, 1, 101, 2, 102]);
  });

  it("resumes from a storage that already holds data, and round-trips its state", () => {
    const s = new LazyTensorStorage(5);
    new RoundRobinWriter().extend(s, transitions(3));
    const w = new RoundRobinWriter();
    w.attach(s);
    expect(w.cursor).toBe(3);
    const other = new RoundRobinWriter();
    other.loadState(w.state());
    expect(other.cursor).toBe(3);
    expect(() => other.loadState({ kind: "MaxValueWriter", meta: {}, arrays: {} })).toThrow(
      /"MaxValueWriter" state, expected "RoundRobinWriter"/,
    );
  });
});
