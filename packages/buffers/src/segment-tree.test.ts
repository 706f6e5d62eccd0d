import { Rng } from "@tdrl/tensordict";
import { describe, expect, it } from "vitest";
import { MinTree, SumTree } from "./segment-tree";

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
      if (step % 50 === 0) expect(tree.total()).toBeCloseTo(brute.reduce((a, b) => a + b, 0), 9);
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
});
