import { brandClass } from "../brand";
import { childKey, word64Of, xoshiroWordsOf, type Word64 } from "./seed-hash";

/** A checkpoint of an `Rng`: plain numbers, safe to `JSON.stringify`. */
export interface RngState {
  readonly algorithm: "xoshiro128**";
  /** The four xoshiro128** state words, unsigned 32-bit. */
  readonly words: readonly [number, number, number, number];
  /** The 64-bit key (high, low) that `spawn` derives child streams from. */
  readonly key: readonly [number, number];
  /** The second value of the last polar-method pair, not yet returned by `normal()`. */
  readonly spare: number | null;
}

/** Arrays `shuffle` can permute in place: plain arrays and typed arrays. */
export interface MutableArrayLike<T> {
  readonly length: number;
  [index: number]: T;
}

/** Typed arrays that `fillInt` writes integers into. */
export type IntegerArray =
  | Int8Array
  | Uint8Array
  | Uint8ClampedArray
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array;

/** Typed arrays that `fillUniform` and `fillNormal` write floats into. */
export type FloatArray = Float32Array | Float64Array;

const ALGORITHM = "xoshiro128**";
const TWO_32 = 4294967296;
const TWO_53 = 9007199254740992;
const TWO_26 = 67108864;

/**
 * A small, fast, seedable random number generator. Every tdrl component that draws random numbers takes
 * one explicitly; there is no global generator.
 *
 * The generator is xoshiro128** 1.1 (Blackman and Vigna, "Scrambled linear pseudorandom number
 * generators", ACM TOMS 2021; reference code at https://prng.di.unimi.it/xoshiro128starstar.c), seeded by
 * SplitMix64 so that seeds 0, 1, 2 give unrelated streams. The integer stream, and therefore `uniform`,
 * `int`, `bool`, `choice`, `shuffle` and `permutation`, is bit-identical on every platform. `normal` uses
 * the Marsaglia polar method, whose `Math.log` the language lets engines round differently in the last bit;
 * results agree exactly across V8 builds (Node, Chrome) and to ~1 ulp elsewhere.
 *
 * @example
 * const rng = new Rng(42);
 * const u = rng.uniform(-1, 1); // float in [-1, 1)
 * const a = rng.int(0, 6); // die roll 0..5
 * const noise = rng.fillNormal(new Float32Array(4), 0, 0.1);
 * const [envA, envB] = rng.split(2); // independent, reproducible child streams
 * const saved = JSON.stringify(rng.state());
 * const resumed = Rng.fromState(JSON.parse(saved)); // continues exactly where rng is
 */
export class Rng {
  static {
    brandClass(this, "Rng");
  }

  // State words as int32 (what the bit operations produce); converted to uint32 only on output.
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private key: Word64 = [0, 0];
  private spare = 0;
  private hasSpare = false;

  constructor(seed: number) {
    if (!Number.isSafeInteger(seed)) {
      throw new Error(`Rng: the seed must be a safe integer, got ${String(seed)}`);
    }
    this.reseed(word64Of(seed));
  }

  /** A generator restored from a checkpoint; it continues the saved sequence exactly. */
  static fromState(state: RngState): Rng {
    const rng = new Rng(0);
    rng.setState(state);
    return rng;
  }

  /** The next raw 32-bit output of xoshiro128**, an integer in [0, 2^32). */
  nextUint32(): number {
    const s0 = this.s0;
    const s1 = this.s1;
    const x = Math.imul(s1, 5);
    const result = Math.imul((x << 7) | (x >>> 25), 9) >>> 0;
    const s2 = this.s2 ^ s0;
    const s3 = this.s3 ^ s1;
    this.s1 = s1 ^ s2;
    this.s0 = s0 ^ s3;
    this.s2 = s2 ^ (s1 << 9);
    this.s3 = (s3 << 11) | (s3 >>> 21);
    return result;
  }

  /** A float in [low, high) built from 53 random bits (every double in [0, 1) of the form k / 2^53). */
  uniform(low = 0, high = 1): number {
    checkFloatRange("Rng.uniform", low, high);
    return this.uniformIn(low, high);
  }

  /** A normal sample (Marsaglia polar method; the pair's second value is kept for the next call). */
  normal(mean = 0, std = 1): number {
    if (!(Number.isFinite(mean) && Number.isFinite(std) && std >= 0)) {
      throw new Error(`Rng.normal: needs a finite mean and a finite std >= 0, got mean ${mean} and std ${std}`);
    }
    return mean + std * this.standardNormal();
  }

  /** An integer in [low, high), every value equally likely (rejection sampling, never a biased modulo). */
  int(low: number, high: number): number {
    checkIntRange("Rng.int", low, high);
    return low + this.below(high - low);
  }

  /** `true` with probability `p`. */
  bool(p = 0.5): boolean {
    checkProbability("Rng.bool", p);
    return this.unit() < p;
  }

  /** A uniform index in [0, n), or a uniform element of `items`. */
  choice(n: number): number;
  choice<T>(items: ArrayLike<T>): T;
  choice<T>(nOrItems: number | ArrayLike<T>): number | T {
    if (typeof nOrItems === "number") {
      if (!(Number.isSafeInteger(nOrItems) && nOrItems > 0)) {
        throw new Error(`Rng.choice: n must be a positive integer, got ${nOrItems}`);
      }
      return this.below(nOrItems);
    }
    if (nOrItems.length === 0) throw new Error("Rng.choice: cannot choose from an empty array");
    return nOrItems[this.below(nOrItems.length)]!;
  }

  /** Shuffles `array` in place (Fisher-Yates) and returns it. */
  shuffle<A extends MutableArrayLike<unknown>>(array: A): A {
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.below32(i + 1);
      const tmp = array[i];
      array[i] = array[j];
      array[j] = tmp;
    }
    return array;
  }

  /** A random ordering of 0 .. n-1. */
  permutation(n: number): Int32Array {
    if (!(Number.isInteger(n) && n >= 0 && n <= 0x7fffffff)) {
      throw new Error(`Rng.permutation: n must be a non-negative int32, got ${n}`);
    }
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = i;
    return this.shuffle(out);
  }

  /**
   * Fills `out` with uniform floats in [low, high) and returns it; allocates nothing. Storing into a
   * Float32Array rounds each value to float32, which can land on `high` itself.
   */
  fillUniform<A extends FloatArray>(out: A, low = 0, high = 1): A {
    checkFloatRange("Rng.fillUniform", low, high);
    for (let i = 0; i < out.length; i++) out[i] = this.uniformIn(low, high);
    return out;
  }

  /** Fills `out` with normal samples and returns it; allocates nothing. */
  fillNormal<A extends FloatArray>(out: A, mean = 0, std = 1): A {
    if (!(Number.isFinite(mean) && Number.isFinite(std) && std >= 0)) {
      throw new Error(`Rng.fillNormal: needs a finite mean and a finite std >= 0, got mean ${mean} and std ${std}`);
    }
    for (let i = 0; i < out.length; i++) out[i] = mean + std * this.standardNormal();
    return out;
  }

  /** Fills `out` with uniform integers in [low, high) and returns it; allocates nothing. */
  fillInt<A extends IntegerArray>(out: A, low: number, high: number): A {
    checkIntRange("Rng.fillInt", low, high);
    if (out.length === 0) return out;
    // The array type itself says which values it can hold: store both ends and read them back.
    for (const end of [low, high - 1]) {
      out[0] = end;
      if (out[0] !== end) {
        throw new Error(`Rng.fillInt: a ${out.constructor.name} cannot hold ${end} (range [${low}, ${high}))`);
      }
    }
    // No integer typed array spans more than 2^32 values, so the 32-bit path always applies.
    const span = high - low;
    const threshold = span === TWO_32 ? 0 : (TWO_32 - span) % span;
    for (let i = 0; i < out.length; i++) out[i] = low + this.below32With(span, threshold);
    return out;
  }

  /**
   * The generator of child stream `streamId`. It depends only on this generator's seed (its key) and the
   * id, not on how many numbers this one has drawn: `spawn(3)` always returns the same stream. Children
   * spawn grandchildren the same way.
   */
  spawn(streamId: number): Rng {
    if (!(Number.isSafeInteger(streamId) && streamId >= 0)) {
      throw new Error(`Rng.spawn: the stream id must be a non-negative safe integer, got ${String(streamId)}`);
    }
    const child = new Rng(0);
    child.reseed(childKey(this.key, streamId));
    return child;
  }

  /** Child generators for stream ids 0 .. n-1 (see `spawn`), e.g. one per env of a batched env. */
  split(n: number): Rng[] {
    if (!(Number.isSafeInteger(n) && n >= 0)) {
      throw new Error(`Rng.split: n must be a non-negative integer, got ${String(n)}`);
    }
    return Array.from({ length: n }, (_, i) => this.spawn(i));
  }

  /** An independent copy that continues the same sequence. */
  clone(): Rng {
    return Rng.fromState(this.state());
  }

  state(): RngState {
    return {
      algorithm: ALGORITHM,
      words: [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0],
      key: [this.key[0], this.key[1]],
      spare: this.hasSpare ? this.spare : null,
    };
  }

  /** Restores a checkpoint taken with `state()`; the state is validated before anything changes. */
  setState(state: RngState): void {
    const what = "Rng.setState";
    if (typeof state !== "object" || state === null)
      throw new Error(`${what}: expected a state object, got ${String(state)}`);
    if (state.algorithm !== ALGORITHM) {
      throw new Error(`${what}: algorithm must be "${ALGORITHM}", got ${JSON.stringify(state.algorithm)}`);
    }
    if (!isUint32Tuple(state.words, 4)) {
      throw new Error(`${what}: words must be 4 unsigned 32-bit integers, got ${JSON.stringify(state.words)}`);
    }
    if (state.words.every((w) => w === 0))
      throw new Error(`${what}: words are all zero, a state xoshiro128** never leaves`);
    if (!isUint32Tuple(state.key, 2)) {
      throw new Error(`${what}: key must be 2 unsigned 32-bit integers, got ${JSON.stringify(state.key)}`);
    }
    if (state.spare !== null && !Number.isFinite(state.spare)) {
      throw new Error(`${what}: spare must be null or a finite number, got ${String(state.spare)}`);
    }
    const [w0, w1, w2, w3] = state.words;
    this.s0 = w0 | 0;
    this.s1 = w1 | 0;
    this.s2 = w2 | 0;
    this.s3 = w3 | 0;
    this.key = [state.key[0], state.key[1]];
    this.hasSpare = state.spare !== null;
    this.spare = state.spare ?? 0;
  }

  toString(): string {
    return `Rng(${ALGORITHM})`;
  }

  private reseed(key: Word64): void {
    const [w0, w1, w2, w3] = xoshiroWordsOf(key);
    this.s0 = w0 | 0;
    this.s1 = w1 | 0;
    this.s2 = w2 | 0;
    this.s3 = w3 | 0;
    this.key = key;
    this.hasSpare = false;
    this.spare = 0;
  }

  private uniformIn(low: number, high: number): number {
    const span = high - low;
    let value = low + span * this.unit();
    // low + span * u can round up to high (e.g. low 1, high 2); redraw rather than return it.
    while (value >= high && span > 0) value = low + span * this.unit();
    return value;
  }

  /** A float in [0, 1): 27 + 26 high bits of two outputs, as in the reference `genrand_res53`. */
  private unit(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * TWO_26 + b) / TWO_53;
  }

  private standardNormal(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spare;
    }
    let u: number;
    let v: number;
    let s: number;
    do {
      u = 2 * this.unit() - 1;
      v = 2 * this.unit() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    this.spare = v * f;
    this.hasSpare = true;
    return u * f;
  }

  /** A uniform integer in [0, n) for 1 <= n <= 2^53. */
  private below(n: number): number {
    return n <= TWO_32 ? this.below32(n) : this.below53(n);
  }

  private below32(n: number): number {
    return this.below32With(n, n === TWO_32 ? 0 : (TWO_32 - n) % n);
  }

  /**
   * Rejects the lowest 2^32 mod n outputs so the rest split evenly into n classes (O'Neill, "Efficiently
   * generating a number in a range", 2018: the "bitmask-free OpenBSD" method).
   */
  private below32With(n: number, threshold: number): number {
    let x = this.nextUint32();
    while (x < threshold) x = this.nextUint32();
    return x % n;
  }

  /** The same rejection on 53-bit draws, for ranges wider than 2^32. */
  private below53(n: number): number {
    const limit = TWO_53 - (TWO_53 % n);
    let x: number;
    do x = (this.nextUint32() >>> 5) * TWO_26 + (this.nextUint32() >>> 6);
    while (x >= limit);
    return x % n;
  }
}

function checkIntRange(what: string, low: number, high: number): void {
  if (!Number.isSafeInteger(low) || !Number.isSafeInteger(high)) {
    throw new Error(`${what}: low and high must be safe integers, got low ${low} and high ${high}`);
  }
  if (high <= low)
    throw new Error(`${what}: high (${high}) must be greater than low (${low}); the range [low, high) is empty`);
  if (high - low > TWO_53) throw new Error(`${what}: the range [${low}, ${high}) is wider than 2^53`);
}

function checkFloatRange(what: string, low: number, high: number): void {
  if (!(Number.isFinite(low) && Number.isFinite(high) && high >= low && Number.isFinite(high - low))) {
    throw new Error(`${what}: needs finite low <= high with a finite difference, got low ${low} and high ${high}`);
  }
}

function checkProbability(what: string, p: number): void {
  if (!(p >= 0 && p <= 1)) throw new Error(`${what}: p must be in [0, 1], got ${p}`);
}

function isUint32Tuple(value: unknown, length: number): value is readonly number[] {
  return (
    Array.isArray(value) &&
    value.length === length &&
    value.every((w) => typeof w === "number" && Number.isInteger(w) && w >= 0 && w < TWO_32)
  );
}
