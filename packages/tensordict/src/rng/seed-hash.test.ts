import { describe, expect, it } from "vitest";
import { add64, childKey, mix64, mul64, splitMix64, word64Of, xoshiroWordsOf, type Word64 } from "./seed-hash";

const MASK64 = (1n << 64n) - 1n;
const toBig = ([hi, lo]: Word64): bigint => (BigInt(hi) << 32n) | BigInt(lo);
const fromBig = (x: bigint): Word64 => [Number((x >> 32n) & 0xffffffffn), Number(x & 0xffffffffn)];

// Independent SplitMix64 on BigInt, written from the reference description (splitmix64.c).
function refSplitMix64(seed: bigint, count: number): bigint[] {
  const out: bigint[] = [];
  let state = seed & MASK64;
  for (let i = 0; i < count; i++) {
    state = (state + 0x9e3779b97f4a7c15n) & MASK64;
    let z = state;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
    out.push(z ^ (z >> 31n));
  }
  return out;
}

describe("seed-hash", () => {
  it("SplitMix64 from state 0 gives the published first outputs", () => {
    const expected = [0xe220a8397b1dcdafn, 0x6e789e6aa1b965f4n, 0x06c45d188009454fn, 0xf88bb8a8724c81ecn];
    expect(splitMix64([0, 0], 4).map(toBig)).toEqual(expected);
    expect(refSplitMix64(0n, 4)).toEqual(expected);
  });

  it("SplitMix64 agrees with the BigInt reference for assorted seeds", () => {
    for (const seed of [1, 42, 12345, 2 ** 32, 2 ** 32 + 7, Number.MAX_SAFE_INTEGER, -1, -12345]) {
      const big = BigInt.asUintN(64, BigInt(seed));
      expect(splitMix64(word64Of(seed), 3).map(toBig), `seed ${seed}`).toEqual(refSplitMix64(big, 3));
    }
  });

  it("word64Of encodes safe integers in two's complement", () => {
    expect(word64Of(0)).toEqual([0, 0]);
    expect(word64Of(5)).toEqual([0, 5]);
    expect(word64Of(2 ** 32 + 3)).toEqual([1, 3]);
    expect(word64Of(-1)).toEqual([0xffffffff, 0xffffffff]);
    expect(toBig(word64Of(-(2 ** 40) - 5))).toBe(BigInt.asUintN(64, -(2n ** 40n) - 5n));
  });

  it("mul64 and add64 match BigInt arithmetic modulo 2^64", () => {
    let x = 0x0123456789abcdefn;
    for (let i = 0; i < 200; i++) {
      // A cheap LCG on BigInt supplies varied operands, including ones with all-ones halves.
      x = (x * 6364136223846793005n + 1442695040888963407n) & MASK64;
      const y = i % 10 === 0 ? MASK64 : (x * 0x9e3779b97f4a7c15n + BigInt(i)) & MASK64;
      expect(toBig(mul64(fromBig(x), fromBig(y)))).toBe((x * y) & MASK64);
      expect(toBig(add64(fromBig(x), fromBig(y)))).toBe((x + y) & MASK64);
    }
  });

  it("xoshiroWordsOf takes two SplitMix64 outputs, low half first", () => {
    const [a, b] = refSplitMix64(42n, 2) as [bigint, bigint];
    expect(xoshiroWordsOf(word64Of(42))).toEqual([
      Number(a & 0xffffffffn),
      Number(a >> 32n),
      Number(b & 0xffffffffn),
      Number(b >> 32n),
    ]);
  });

  it("childKey: distinct ids and distinct parents give distinct keys, deterministically", () => {
    const parent = word64Of(7);
    const keys = new Set<bigint>();
    for (let id = 0; id < 1000; id++) keys.add(toBig(childKey(parent, id)));
    expect(keys.size).toBe(1000);
    expect(childKey(parent, 3)).toEqual(childKey(word64Of(7), 3));
    expect(childKey(word64Of(8), 3)).not.toEqual(childKey(parent, 3));
    expect(mix64(childKey(parent, 0))).not.toEqual(childKey(parent, 0));
  });
});
