import { describe, expect, it } from "vitest";
import { Rng, type RngState } from "./rng";

const MASK32 = 0xffffffffn;
const MASK64 = (1n << 64n) - 1n;

// Independent xoshiro128** 1.1 + SplitMix64 seeding on BigInt, written from the reference C code.
function rotl32(x: bigint, k: bigint): bigint {
  return ((x << k) | (x >> (32n - k))) & MASK32;
}
function refWords(seed: number): bigint[] {
  let state = BigInt.asUintN(64, BigInt(seed));
  const outs: bigint[] = [];
  for (let i = 0; i < 2; i++) {
    state = (state + 0x9e3779b97f4a7c15n) & MASK64;
    let z = state;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
    outs.push(z ^ (z >> 31n));
  }
  const [a, b] = outs as [bigint, bigint];
  return [a & MASK32, a >> 32n, b & MASK32, b >> 32n];
}
function refXoshiro(words: bigint[], count: number): number[] {
  const s = [...words] as [bigint, bigint, bigint, bigint];
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    out.push(Number((rotl32((s[1] * 5n) & MASK32, 7n) * 9n) & MASK32));
    const t = (s[1] << 9n) & MASK32;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl32(s[3], 11n);
  }
  return out;
}

const draws = (rng: Rng, n: number, f: (r: Rng) => number): number[] => Array.from({ length: n }, () => f(rng));
const raw = (rng: Rng, n: number) => draws(rng, n, (r) => r.nextUint32());
// Inverts the xoshiro128** output scrambler (rotl(x * 5, 7) * 9) to build a state with chosen next outputs.
const INV9 = 0x38e38e39;
const INV5 = 0xcccccccd;
function s1ForOutput(y: number): number {
  const z = Math.imul(y, INV9) >>> 0;
  return Math.imul((z >>> 7) | (z << 25), INV5) >>> 0;
}
function stateWithOutputs(first: number, second: number): RngState {
  const s1 = s1ForOutput(first);
  // After one step s1 becomes s1 ^ s2 ^ s0; with s0 = 0, s2 chooses it.
  return stateWith([0, s1, (s1 ^ s1ForOutput(second)) >>> 0, 1]);
}
const stateWith = (words: [number, number, number, number]): RngState => ({
  algorithm: "xoshiro128**",
  words,
  key: [0, 0],
  spare: null,
});

describe("Rng: the raw generator", () => {
  it("reproduces the published xoshiro128** outputs from state {1, 2, 3, 4}", () => {
    // The test vector of the Rust rand_xoshiro crate, produced with the reference C code (v1.1).
    const published = [
      11520, 0, 5927040, 70819200, 2031721883, 1637235492, 1287239034, 3734860849, 3729100597, 4258142804,
    ];
    expect(raw(Rng.fromState(stateWith([1, 2, 3, 4])), 10)).toEqual(published);
    expect(refXoshiro([1n, 2n, 3n, 4n], 10)).toEqual(published);
  });

  it("seed 42 gives a fixed golden sequence (SplitMix64 seeding)", () => {
    // Computed with an independent Python implementation of SplitMix64 + xoshiro128**.
    const golden = [1776835114, 4165204688, 17111135, 2317295270, 2792088233, 2554630222, 2940343271, 2244566231];
    expect(raw(new Rng(42), 8)).toEqual(golden);
    expect(new Rng(42).state().words).toEqual([803958421, 3184996902, 2993090819, 686809907]);
  });

  it("agrees with the BigInt reference for many seeds over a long run", () => {
    for (const seed of [0, 1, 2, 3, 12345, 2 ** 31, 2 ** 32 + 1, Number.MAX_SAFE_INTEGER, -1, -987654321]) {
      const rng = new Rng(seed);
      const ref = refXoshiro(refWords(seed), 1000);
      expect(raw(rng, 1000), `seed ${seed}`).toEqual(ref);
    }
  });

  it("same seed, same sequence; different seeds, unrelated sequences", () => {
    expect(raw(new Rng(7), 100)).toEqual(raw(new Rng(7), 100));
    const seqs = [0, 1, 2].map((s) => raw(new Rng(s), 100));
    // Unrelated streams share essentially no 32-bit outputs and have no fixed offset between them.
    for (let i = 0; i < 3; i++) {
      for (let j = i + 1; j < 3; j++) {
        const a = new Set(seqs[i]);
        expect(seqs[j]!.filter((x) => a.has(x)).length).toBe(0);
      }
    }
  });

  it("rejects seeds that are not safe integers, naming the value", () => {
    expect(() => new Rng(1.5)).toThrow("Rng: the seed must be a safe integer, got 1.5");
    expect(() => new Rng(Number.NaN)).toThrow("got NaN");
    expect(() => new Rng(Number.POSITIVE_INFINITY)).toThrow("got Infinity");
    expect(() => new Rng(2 ** 53)).toThrow("got 9007199254740992");
  });
});

describe("Rng: distributions", () => {
  const N = 100_000;

  it("uniform(): mean 1/2 and variance 1/12 within statistical bounds, values in [0, 1)", () => {
    const xs = draws(new Rng(1), N, (r) => r.uniform());
    const mean = xs.reduce((a, b) => a + b, 0) / N;
    const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / N;
    // Standard errors: mean 0.00091, variance 0.00024; bounds are about 5 standard errors.
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.005);
    expect(Math.abs(variance - 1 / 12)).toBeLessThan(0.0012);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
  });

  it("uniform() uses 53 bits: values are multiples of 2^-53 and not all multiples of 2^-32", () => {
    const xs = draws(new Rng(2), 1000, (r) => r.uniform());
    for (const x of xs) expect(Number.isInteger(x * 2 ** 53)).toBe(true);
    expect(xs.some((x) => !Number.isInteger(x * 2 ** 32))).toBe(true);
  });

  it("uniform(low, high) stays in [low, high), even where low + span * u rounds up", () => {
    const rng = new Rng(3);
    const xs = draws(rng, 10_000, (r) => r.uniform(-3, 5));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(-3);
    expect(Math.max(...xs)).toBeLessThan(5);
    expect(Math.min(...xs)).toBeLessThan(-2.99);
    expect(Math.max(...xs)).toBeGreaterThan(4.99);
    expect(rng.uniform(4, 4)).toBe(4);
  });

  it("uniform() reaches 1 - 2^-53, and uniform(1, 2) redraws instead of rounding that up to 2", () => {
    // A state whose next two outputs are 0xffffffff, the largest unit value.
    const top = stateWithOutputs(0xffffffff, 0xffffffff);
    expect(Rng.fromState(top).uniform()).toBe(1 - 2 ** -53);
    expect(1 + (1 - 2 ** -53)).toBe(2);
    const value = Rng.fromState(top).uniform(1, 2);
    expect(value).toBeGreaterThanOrEqual(1);
    expect(value).toBeLessThan(2);
  });

  it("normal(): mean, std and two-sided tail fractions match N(0, 1)", () => {
    const xs = draws(new Rng(4), N, (r) => r.normal());
    const mean = xs.reduce((a, b) => a + b, 0) / N;
    const std = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / N);
    expect(Math.abs(mean)).toBeLessThan(0.015);
    expect(Math.abs(std - 1)).toBeLessThan(0.012);
    const beyond2 = xs.filter((x) => Math.abs(x) > 2).length / N;
    const beyond3 = xs.filter((x) => Math.abs(x) > 3).length / N;
    expect(Math.abs(beyond2 - 0.0455)).toBeLessThan(0.0035); // se 0.00066
    expect(Math.abs(beyond3 - 0.0027)).toBeLessThan(0.001); // se 0.00016
  });

  it("normal(mean, std) shifts and scales", () => {
    const xs = draws(new Rng(5), N, (r) => r.normal(10, 0.5));
    const mean = xs.reduce((a, b) => a + b, 0) / N;
    const std = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / N);
    expect(Math.abs(mean - 10)).toBeLessThan(0.008);
    expect(Math.abs(std - 0.5)).toBeLessThan(0.006);
    expect(new Rng(5).normal(3, 0)).toBe(3);
  });

  it("int(low, high): uniform over 7 buckets by chi-square, bounds hit and respected", () => {
    const rng = new Rng(6);
    const counts = new Array<number>(7).fill(0);
    const n = 70_000;
    let strays = 0;
    for (let i = 0; i < n; i++) {
      const k = rng.int(-3, 4);
      if (Number.isInteger(k) && k >= -3 && k < 4) counts[k + 3]!++;
      else strays++;
    }
    expect(strays).toBe(0);
    const expected = n / 7;
    const chi2 = counts.reduce((a, c) => a + (c - expected) ** 2 / expected, 0);
    expect(chi2).toBeLessThan(22.46); // 6 degrees of freedom, p = 0.001
    expect(counts.every((c) => c > 0)).toBe(true);
  });

  it("int() is unbiased where a modulo would not be: range 3 * 2^30", () => {
    // With x % n, values below 2^32 - 3 * 2^30 = 2^30 would come up twice as often as the rest.
    const rng = new Rng(7);
    const n = 3 * 2 ** 30;
    let low = 0;
    const draws = 30_000;
    for (let i = 0; i < draws; i++) if (rng.int(0, n) < 2 ** 30) low++;
    expect(Math.abs(low / draws - 1 / 3)).toBeLessThan(0.015); // a modulo would give 1/2
  });

  it("int() handles ranges wider than 2^32 and negative bounds", () => {
    const rng = new Rng(8);
    for (let i = 0; i < 1000; i++) {
      const k = rng.int(-(2 ** 52), 2 ** 52);
      expect(Number.isSafeInteger(k) && k >= -(2 ** 52) && k < 2 ** 52).toBe(true);
    }
    const big = draws(rng, 2000, (r) => r.int(0, 2 ** 40));
    expect(big.some((k) => k > 2 ** 39)).toBe(true);
    expect(big.some((k) => k < 2 ** 39)).toBe(true);
    expect(rng.int(5, 6)).toBe(5);
  });

  it("bool(p) has frequency p; bool(0) and bool(1) are constant", () => {
    const rng = new Rng(9);
    const hits = draws(rng, N, (r) => (r.bool(0.3) ? 1 : 0)).reduce((a, b) => a + b, 0);
    expect(Math.abs(hits / N - 0.3)).toBeLessThan(0.007); // se 0.00145
    expect(draws(rng, 1000, (r) => (r.bool(0) ? 1 : 0)).every((b) => b === 0)).toBe(true);
    expect(draws(rng, 1000, (r) => (r.bool(1) ? 1 : 0)).every((b) => b === 1)).toBe(true);
  });

  it("choice picks every index / element, and only those", () => {
    const rng = new Rng(10);
    const idx = new Set(draws(rng, 500, (r) => r.choice(4)));
    expect([...idx].sort()).toEqual([0, 1, 2, 3]);
    const items = ["a", "b", "c"] as const;
    const seen = new Set<string>();
    for (let i = 0; i < 300; i++) seen.add(rng.choice(items));
    expect([...seen].sort()).toEqual(["a", "b", "c"]);
  });

  it("shuffle permutes in place, uniformly over the 6 orders of 3 elements", () => {
    const rng = new Rng(11);
    const arr = [10, 20, 30, 40, 50];
    const same = rng.shuffle(arr);
    expect(same).toBe(arr);
    expect([...arr].sort((a, b) => a - b)).toEqual([10, 20, 30, 40, 50]);
    const counts = new Map<string, number>();
    const n = 60_000;
    for (let i = 0; i < n; i++) {
      const key = rng.shuffle(new Uint8Array([0, 1, 2])).join("");
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual(["012", "021", "102", "120", "201", "210"]);
    const chi2 = [...counts.values()].reduce((a, c) => a + (c - n / 6) ** 2 / (n / 6), 0);
    expect(chi2).toBeLessThan(20.52); // 5 degrees of freedom, p = 0.001
  });

  it("permutation(n) is a permutation of 0..n-1 and depends on the seed", () => {
    const p = new Rng(12).permutation(100);
    expect(p).toBeInstanceOf(Int32Array);
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect([...p]).not.toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect([...new Rng(12).permutation(100)]).toEqual([...p]);
    expect([...new Rng(13).permutation(100)]).not.toEqual([...p]);
    expect(new Rng(1).permutation(0).length).toBe(0);
  });
});

describe("Rng: fill helpers", () => {
  it("fillUniform / fillNormal / fillInt draw the same numbers as the scalar methods", () => {
    const u = new Rng(20).fillUniform(new Float64Array(50), -2, 3);
    expect([...u]).toEqual(draws(new Rng(20), 50, (r) => r.uniform(-2, 3)));
    const z = new Rng(21).fillNormal(new Float64Array(51), 1, 2);
    expect([...z]).toEqual(draws(new Rng(21), 51, (r) => r.normal(1, 2)));
    const k = new Rng(22).fillInt(new Int32Array(50), -5, 9);
    expect([...k]).toEqual(draws(new Rng(22), 50, (r) => r.int(-5, 9)));
  });

  it("write into the given array and return it; float32 arrays get rounded values", () => {
    const out = new Float32Array(1000);
    expect(new Rng(23).fillUniform(out, 0, 10)).toBe(out);
    expect(Math.min(...out)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...out)).toBeLessThanOrEqual(10);
    const bytes = new Uint8Array(2000);
    new Rng(24).fillInt(bytes, 0, 256);
    expect(new Set(bytes).size).toBe(256);
  });

  it("fillInt rejects ranges the array type cannot hold, naming the array and the value", () => {
    expect(() => new Rng(1).fillInt(new Uint8Array(3), 0, 300)).toThrow(
      "Rng.fillInt: a Uint8Array cannot hold 299 (range [0, 300))",
    );
    expect(() => new Rng(1).fillInt(new Uint8Array(3), -1, 3)).toThrow("cannot hold -1");
    expect(() => new Rng(1).fillInt(new Int32Array(3), 0, 2 ** 31 + 1)).toThrow("cannot hold 2147483648");
    expect([...new Rng(1).fillInt(new Uint32Array(2000), 0, 2 ** 32)].some((x) => x >= 2 ** 31)).toBe(true);
  });
});

describe("Rng: child streams", () => {
  it("split(n) streams are reproducible, pairwise different, and equal spawn(i)", () => {
    const children = new Rng(100).split(4);
    const again = new Rng(100).split(4);
    const seqs = children.map((c) => raw(c, 20));
    expect(again.map((c) => raw(c, 20))).toEqual(seqs);
    for (let i = 0; i < 4; i++) for (let j = i + 1; j < 4; j++) expect(seqs[i]).not.toEqual(seqs[j]);
    expect(raw(new Rng(100).spawn(2), 20)).toEqual(seqs[2]);
    expect(raw(new Rng(100), 20)).not.toEqual(seqs[0]);
  });

  it("children depend on the parent seed and the id, not on the parent's draws", () => {
    const parent = new Rng(5);
    const before = raw(parent.spawn(7), 10);
    raw(parent, 1000);
    expect(raw(parent.spawn(7), 10)).toEqual(before);
    expect(raw(new Rng(6).spawn(7), 10)).not.toEqual(before);
    // A restored parent spawns the same children (the key is part of the state).
    expect(raw(Rng.fromState(parent.state()).spawn(7), 10)).toEqual(before);
  });

  it("grandchildren differ from children and from other grandchildren", () => {
    const root = new Rng(9);
    const a = raw(root.spawn(0).spawn(0), 10);
    const b = raw(root.spawn(0).spawn(1), 10);
    const c = raw(root.spawn(1).spawn(0), 10);
    expect(new Set([a, b, c, raw(root.spawn(0), 10)].map((s) => s.join())).size).toBe(4);
  });

  it("rejects bad stream ids and counts", () => {
    expect(() => new Rng(1).spawn(-1)).toThrow("Rng.spawn: the stream id must be a non-negative safe integer, got -1");
    expect(() => new Rng(1).spawn(0.5)).toThrow("got 0.5");
    expect(() => new Rng(1).split(1.5)).toThrow("Rng.split: n must be a non-negative integer, got 1.5");
    expect(new Rng(1).split(0)).toEqual([]);
  });
});

describe("Rng: checkpoints", () => {
  it("a restored generator continues the exact sequence, through JSON, after an odd number of normals", () => {
    const rng = new Rng(31);
    draws(rng, 5, (r) => r.uniform());
    draws(rng, 3, (r) => r.normal()); // leaves one polar value cached
    const saved = rng.state();
    expect(saved.spare).not.toBeNull();
    const restored = Rng.fromState(JSON.parse(JSON.stringify(saved)) as RngState);
    const mixed = (r: Rng) => [r.normal(), r.normal(), r.uniform(), r.int(0, 1000), r.normal(), r.nextUint32()];
    expect(mixed(restored)).toEqual(mixed(rng));
  });

  it("the cached normal is part of the state: dropping it changes the next value", () => {
    const rng = new Rng(32);
    rng.normal();
    const saved = rng.state();
    const withSpare = Rng.fromState(saved).normal();
    const withoutSpare = Rng.fromState({ ...saved, spare: null }).normal();
    expect(withSpare).toBe(saved.spare);
    expect(withoutSpare).not.toBe(withSpare);
  });

  it("setState rewinds; clone() continues independently", () => {
    const rng = new Rng(33);
    const saved = rng.state();
    const first = raw(rng, 5);
    rng.setState(saved);
    expect(raw(rng, 5)).toEqual(first);
    const copy = rng.clone();
    expect(raw(copy, 5)).toEqual(raw(rng, 5));
  });

  it("rejects malformed states, naming the field and the value", () => {
    const good = new Rng(1).state();
    const rng = new Rng(2);
    const before = rng.state();
    expect(() => rng.setState({ ...good, algorithm: "pcg32" } as unknown as RngState)).toThrow(
      'algorithm must be "xoshiro128**", got "pcg32"',
    );
    expect(() => rng.setState({ ...good, words: [1, 2, 3] } as unknown as RngState)).toThrow(
      "words must be 4 unsigned 32-bit integers, got [1,2,3]",
    );
    expect(() => rng.setState({ ...good, words: [1, 2, 3, 2 ** 32] })).toThrow("got [1,2,3,4294967296]");
    expect(() => rng.setState({ ...good, words: [1, 2, -3, 4] })).toThrow("got [1,2,-3,4]");
    expect(() => rng.setState({ ...good, words: [0, 0, 0, 0] })).toThrow("words are all zero");
    expect(() => rng.setState({ ...good, key: [1.5, 0] })).toThrow(
      "key must be 2 unsigned 32-bit integers, got [1.5,0]",
    );
    expect(() => rng.setState({ ...good, spare: Number.NaN })).toThrow(
      "spare must be null or a finite number, got NaN",
    );
    expect(() => Rng.fromState(null as unknown as RngState)).toThrow("Rng.setState: expected a state object, got null");
    expect(rng.state()).toEqual(before);
  });
});

describe("Rng: argument validation", () => {
  const rng = new Rng(0);
  it("int", () => {
    expect(() => rng.int(5, 5)).toThrow("Rng.int: high (5) must be greater than low (5)");
    expect(() => rng.int(5, 2)).toThrow("Rng.int: high (2) must be greater than low (5)");
    expect(() => rng.int(0.5, 2)).toThrow("Rng.int: low and high must be safe integers, got low 0.5 and high 2");
    expect(() => rng.int(-(2 ** 53) + 1, 2 ** 53 - 1)).toThrow("wider than 2^53");
  });
  it("uniform, normal, bool, choice, permutation", () => {
    expect(() => rng.uniform(2, 1)).toThrow(
      "Rng.uniform: needs finite low <= high with a finite difference, got low 2 and high 1",
    );
    expect(() => rng.uniform(0, Number.POSITIVE_INFINITY)).toThrow("high Infinity");
    expect(() => rng.uniform(-1e308, 1e308)).toThrow("low -1e+308");
    expect(() => rng.normal(0, -1)).toThrow(
      "Rng.normal: needs a finite mean and a finite std >= 0, got mean 0 and std -1",
    );
    expect(() => rng.fillNormal(new Float32Array(1), Number.NaN)).toThrow("Rng.fillNormal");
    expect(() => rng.bool(1.5)).toThrow("Rng.bool: p must be in [0, 1], got 1.5");
    expect(() => rng.bool(Number.NaN)).toThrow("got NaN");
    expect(() => rng.choice(0)).toThrow("Rng.choice: n must be a positive integer, got 0");
    expect(() => rng.choice([])).toThrow("Rng.choice: cannot choose from an empty array");
    expect(() => rng.permutation(-1)).toThrow("Rng.permutation: n must be a non-negative int32, got -1");
  });
});
