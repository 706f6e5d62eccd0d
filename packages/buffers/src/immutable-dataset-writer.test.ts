import { describe, expect, it } from "vitest";
import { ImmutableDatasetWriter } from "./immutable-dataset-writer";
import { LazyTensorStorage } from "./lazy-tensor-storage";
import { transitions } from "../test/fixtures";

describe("ImmutableDatasetWriter", () => {
  it("fills in order over several calls, then refuses every write", () => {
    const s = new LazyTensorStorage(5);
    const w = new ImmutableDatasetWriter();
    expect(Array.from(w.extend(s, transitions(3)))).toEqual([0, 1, 2]);
    expect(() => w.extend(s, transitions(3, 3))).toThrow(/3 elements do not fit after the 3 written \(capacity 5\)/);
    expect(s.length).toBe(3);
    expect(Array.from(w.extend(s, transitions(2, 3)))).toEqual([3, 4]);
    expect(w.isSealed).toBe(true);
    expect(() => w.extend(s, transitions(1, 9))).toThrow(/filled \(5 elements\) and immutable/);
    expect(Array.from(s.getLeaf("action", Int32Array.from([0, 4])).data)).toEqual([0, 4]);
  });

  it("is sealed by seal() and by a storage that already holds data", () => {
    const s = new LazyTensorStorage(5);
    const w = new ImmutableDatasetWriter();
    w.extend(s, transitions(1));
    w.seal();
    expect(() => w.extend(s, transitions(1))).toThrow(/immutable/);
    const again = new ImmutableDatasetWriter();
    again.attach(s);
    expect(again.isSealed).toBe(true);
    const copy = new ImmutableDatasetWriter();
    copy.loadState(w.state());
    expect(copy.isSealed).toBe(true);
    expect(copy.cursor).toBe(1);
  });
});
