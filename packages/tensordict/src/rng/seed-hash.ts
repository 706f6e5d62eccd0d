/**
 * Seed expansion for `Rng`: SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number
 * generators", OOPSLA 2014; reference code at https://prng.di.unimi.it/splitmix64.c), which is how the
 * xoshiro authors recommend filling a xoshiro state from a 64-bit seed.
 *
 * 64-bit words are kept as two unsigned 32-bit halves so that every step is exact integer arithmetic
 * on plain numbers (no BigInt, no float rounding): the same seed expands to the same state everywhere.
 */

/** An unsigned 64-bit word as its high and low unsigned 32-bit halves. */
export type Word64 = readonly [hi: number, lo: number];

/** The SplitMix64 increment: 2^64 divided by the golden ratio, rounded to odd. */
const GAMMA: Word64 = [0x9e3779b9, 0x7f4a7c15];
const MUL1: Word64 = [0xbf58476d, 0x1ce4e5b9];
const MUL2: Word64 = [0x94d049bb, 0x133111eb];

const TWO_32 = 4294967296;

/** A safe integer (negative ones in two's complement) as a 64-bit word. */
export function word64Of(value: number): Word64 {
  return [Math.floor(value / TWO_32) >>> 0, value >>> 0];
}

export function add64(a: Word64, b: Word64): Word64 {
  const lo = a[1] + b[1];
  const carry = lo >= TWO_32 ? 1 : 0;
  return [(a[0] + b[0] + carry) >>> 0, lo >>> 0];
}

export function xor64(a: Word64, b: Word64): Word64 {
  return [(a[0] ^ b[0]) >>> 0, (a[1] ^ b[1]) >>> 0];
}

/** `a >>> k` on 64 bits, for 0 < k < 32. */
function shr64(a: Word64, k: number): Word64 {
  return [a[0] >>> k, ((a[1] >>> k) | (a[0] << (32 - k))) >>> 0];
}

/** High 32 bits of the 64-bit product of two unsigned 32-bit numbers, from 16-bit partial products (each exact). */
function mulHigh32(a: number, b: number): number {
  const a0 = a & 0xffff;
  const a1 = a >>> 16;
  const b0 = b & 0xffff;
  const b1 = b >>> 16;
  const p00 = a0 * b0;
  const p01 = a0 * b1;
  const p10 = a1 * b0;
  const p11 = a1 * b1;
  const carry = ((p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff)) >>> 16;
  return (p11 + (p01 >>> 16) + (p10 >>> 16) + carry) >>> 0;
}

/** The low 64 bits of `a * b`. */
export function mul64(a: Word64, b: Word64): Word64 {
  const lo = Math.imul(a[1], b[1]) >>> 0;
  const hi = (mulHigh32(a[1], b[1]) + Math.imul(a[0], b[1]) + Math.imul(a[1], b[0])) >>> 0;
  return [hi, lo];
}

/** The SplitMix64 output function (a bijection on 64-bit words). */
export function mix64(z: Word64): Word64 {
  z = mul64(xor64(z, shr64(z, 30)), MUL1);
  z = mul64(xor64(z, shr64(z, 27)), MUL2);
  return xor64(z, shr64(z, 31));
}

/** The first `count` SplitMix64 outputs for a generator whose state starts at `seed`. */
export function splitMix64(seed: Word64, count: number): Word64[] {
  const out: Word64[] = [];
  let state = seed;
  for (let i = 0; i < count; i++) {
    state = add64(state, GAMMA);
    out.push(mix64(state));
  }
  return out;
}

/**
 * The key of child stream `streamId` of a generator with key `parent`. The stream id is hashed before it
 * meets the parent key, so that neighbouring ids (and neighbouring parents) give unrelated children; for a
 * fixed parent, distinct ids give distinct keys because `mix64` is a bijection.
 */
export function childKey(parent: Word64, streamId: number): Word64 {
  const streamWord = splitMix64(word64Of(streamId), 1)[0]!;
  return mix64(xor64(parent, streamWord));
}

/**
 * The four xoshiro128 state words for a key: two SplitMix64 outputs, low half first (the order a
 * little-endian byte fill would give). Never all zero, since two different inputs of the bijection
 * `mix64` cannot both map to zero.
 */
export function xoshiroWordsOf(key: Word64): [number, number, number, number] {
  const [a, b] = splitMix64(key, 2) as [Word64, Word64];
  return [a[1], a[0], b[1], b[0]];
}
