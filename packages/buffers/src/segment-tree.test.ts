import { Rng } from "@tdrl/tensordict";
import { describe, expect, it } from "vitest";
import { MinTree, SumTree } from "./segment-tree";

/** The first position where two arrays differ (-1 if none): toEqual on 70k-element arrays takes seconds. */
function firstDifference(a: Float64Array, b: Float64Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

describe("SumTree", () => {
  it("keeps the total equal to the sum of the leaves through random updates (non power-of-two capacity)", () => {
    const rng = new Rng(1);
    const n = 37;
    const tree = new SumTree(n);
    const brute = new Float64Array(n);
    for (let step = 0; step < 500; step++) {
      const i = rng.int(0, n);
      const v = rng.uniform(0, 10);
      tree.set(i, v);
      brute[i] = v;
      if (step % 50 === 0)
        expect(tree.total()).toBeCloseTo(
          brute.reduce((a, b) => a + b, 0),
          9,
        );
    }
    for (let i = 0; i < n; i++) expect(tree.get(i)).toBe(brute[i]);
  });

  it("find returns the leaf whose prefix-sum interval holds the mass", () => {
    const tree = new SumTree(5);
    tree.setMany(new Int32Array([0, 1, 2, 3, 4]), [1, 0, 2, 0, 3]);
    expect([0, 0.99, 1, 2.5, 2.999, 3, 5.9].map((m) => tree.find(m))).toEqual([0, 0, 2, 2, 2, 4, 4]);
  });

  it("find agrees with a brute-force prefix-sum search on a multi-level tree with empty leaves", () => {
    const rng = new Rng(7);
    const n = 5000; // 16-ary: levels of 5008, 320, 32 and 16 nodes
    const tree = new SumTree(n);
    const leaves = new Float64Array(n);
    for (let i = 0; i < n; i++) leaves[i] = rng.bool(0.3) ? 0 : rng.uniform(0, 3);
    tree.build(leaves);
    for (let step = 0; step < 2000; step++) {
      const i = rng.int(0, n);
      leaves[i] = rng.bool(0.3) ? 0 : rng.uniform(0, 3);
      tree.set(i, leaves[i]!);
    }
    const prefix = new Float64Array(n + 1);
    for (let i = 0; i < n; i++) prefix[i + 1] = prefix[i]! + leaves[i]!;
    expect(tree.total()).toBeCloseTo(prefix[n]!, 6);
    for (let r = 0; r < 500; r++) {
      const mass = rng.uniform(0, prefix[n]!);
      const i = tree.find(mass);
      expect(leaves[i]).toBeGreaterThan(0);
      // Rounding between the two summation orders may move a mass on a boundary by one leaf at most.
      expect(prefix[i]! - 1e-9).toBeLessThanOrEqual(mass);
      expect(mass).toBeLessThan(prefix[i + 1]! + 1e-9);
    }
    expect(tree.find(prefix[n]! * 1.5)).toBe(leaves.findLastIndex((v) => v > 0));
  });

  it("find never lands on an empty leaf, even for a mass at or past the total", () => {
    const tree = new SumTree(8);
    tree.setMany(new Int32Array([1, 5]), [0.1, 0.2]);
    expect(tree.find(tree.total())).toBe(5);
    expect(tree.find(tree.total() * 2)).toBe(5);
    expect(tree.find(0)).toBe(1);
  });

  it("build matches a sequence of sets and clears the leaves it is not given", () => {
    const a = new SumTree(10);
    a.set(9, 100);
    a.build([1, 2, 3]);
    expect(a.total()).toBe(6);
    expect(a.get(9)).toBe(0);
  });

  it("setMany in one batch (duplicates, contiguous runs, empty leaves) equals the sets one by one and a rebuild", () => {
    const rng = new Rng(11);
    const n = 70_000; // bottom level large enough for the touch pass
    const batched = new SumTree(n);
    const single = new SumTree(n);
    const rebuilt = new SumTree(n);
    for (let round = 0; round < 6; round++) {
      const k = round === 0 ? n : 1 + rng.int(0, 2000);
      const start = rng.int(0, n - k + 1);
      const index =
        round % 2 === 0 ? Int32Array.from({ length: k }, (_, j) => start + j) : rng.fillInt(new Int32Array(k), 0, n);
      if (k > 2) index[k - 1] = index[0]!; // a later duplicate wins
      const values = Float64Array.from(index, () => (rng.bool(0.2) ? 0 : rng.uniform(0, 4)));
      batched.setMany(index, values);
      for (let j = 0; j < k; j++) single.set(index[j]!, values[j]!);
      rebuilt.build(batched.leaves());
      expect(firstDifference(batched.leaves(), single.leaves())).toBe(-1);
      expect(batched.total()).toBe(single.total());
      expect(batched.total()).toBe(rebuilt.total());
      const masses = Float64Array.from({ length: 300 }, () => rng.uniform(0, batched.total() * 1.05));
      const found = batched.findMany(masses, new Int32Array(300));
      expect([...found]).toEqual([...masses].map((m) => rebuilt.find(m)));
      expect([...found]).toEqual([...masses].map((m) => single.find(m)));
    }
  });

  it("findMany equals find for every mass, including 0 and masses past the total", () => {
    const rng = new Rng(12);
    const tree = new SumTree(5000);
    tree.build(Float64Array.from({ length: 5000 }, () => (rng.bool(0.4) ? 0 : rng.uniform(0, 2))));
    const masses = [
      0,
      tree.total(),
      tree.total() * 3,
      ...Array.from({ length: 200 }, () => rng.uniform(0, tree.total())),
    ];
    expect([...tree.findMany(masses, new Int32Array(masses.length))]).toEqual(masses.map((m) => tree.find(m)));
    expect(() => tree.findMany([1, 2], new Int32Array(3))).toThrow("SumTree.findMany: 2 masses but out has 3 entries");
  });

  it("setMany checks every index before changing anything", () => {
    const tree = new SumTree(100);
    tree.setMany(new Int32Array([3, 4]), [1, 2]);
    expect(() => tree.setMany(new Int32Array([0, 1, 100]), [5, 5, 5])).toThrow(
      "SumTree: index 100 is out of range [0, 100)",
    );
    expect([tree.get(0), tree.get(1), tree.total()]).toEqual([0, 0, 3]);
    const min = new MinTree(100);
    min.set(7, 2);
    expect(() => min.setMany(new Int32Array([1, -1]), [1, 1])).toThrow("MinTree: index -1 is out of range [0, 100)");
    expect([min.get(1), min.min()]).toEqual([Number.POSITIVE_INFINITY, 2]);
  });

  it("names the index and the range when out of bounds", () => {
    expect(() => new SumTree(4).set(4, 1)).toThrow("SumTree: index 4 is out of range [0, 4)");
    expect(() => new SumTree(0)).toThrow("SumTree: capacity must be an integer in [1, 2^30], got 0");
  });
});

describe("MinTree", () => {
  it("tracks the minimum of the set leaves; empty leaves are +Infinity", () => {
    const rng = new Rng(2);
    const n = 19;
    const tree = new MinTree(n);
    expect(tree.min()).toBe(Number.POSITIVE_INFINITY);
    const brute = new Float64Array(n).fill(Number.POSITIVE_INFINITY);
    for (let step = 0; step < 300; step++) {
      const i = rng.int(0, n);
      const v = rng.uniform(0, 10);
      tree.set(i, v);
      brute[i] = v;
      expect(tree.min()).toBe(Math.min(...brute));
    }
  });

  it("tracks the minimum across levels of a large tree", () => {
    const rng = new Rng(8);
    const n = 3000;
    const tree = new MinTree(n);
    const brute = new Float64Array(n).fill(Number.POSITIVE_INFINITY);
    for (let step = 0; step < 3000; step++) {
      const i = rng.int(0, n);
      brute[i] = rng.uniform(0, 100);
      tree.set(i, brute[i]!);
      if (step % 100 === 0) expect(tree.min()).toBe(brute.reduce((a, b) => Math.min(a, b)));
    }
  });

  it("setMany in one batch equals the minimum of the leaves on a large tree, with duplicates", () => {
    const rng = new Rng(13);
    const n = 70_000;
    const tree = new MinTree(n);
    const brute = new Float64Array(n).fill(Number.POSITIVE_INFINITY);
    for (let round = 0; round < 20; round++) {
      const index = rng.fillInt(new Int32Array(1 + rng.int(0, 500)), 0, n);
      index[index.length - 1] = index[0]!;
      const values = Float64Array.from(index, () => rng.uniform(round, 100));
      tree.setMany(index, values);
      index.forEach((i, j) => (brute[i] = values[j]!));
      let min = Number.POSITIVE_INFINITY;
      for (const v of brute) if (v < min) min = v;
      expect(tree.min()).toBe(min);
    }
    expect(firstDifference(tree.leaves(), brute)).toBe(-1);
  });
});
