/** Children per node. 16 float64 children are two cache lines: a 1M-leaf tree is 5 levels deep instead of
 * 20, and a descent touches ~10 cache lines instead of ~20 scattered ones (the cold bottom levels of a
 * binary tree cost one miss each, which dominated sampling time). */
const FANOUT = 16;
const SHIFT = 4;

/**
 * Segment trees over a fixed number of leaves, `FANOUT`-ary, one Float64Array per level (level 0 holds
 * the leaves, each level padded to a multiple of `FANOUT`). Float64 because a sum over a million float32
 * priorities loses the small ones in float32 arithmetic.
 *
 * Parents are recomputed from their children (never patched with a delta), so every node is exactly the
 * sum or minimum of its leaves in a fixed order, whatever the history of updates.
 */
abstract class SegmentTree {
  /** Number of leaves asked for. */
  readonly capacity: number;
  protected readonly levels: Float64Array[];
  protected root: number;
  private readonly neutral: number;

  constructor(capacity: number, what: string, neutral: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1 || capacity > 2 ** 30) {
      throw new Error(`${what}: capacity must be an integer in [1, 2^30], got ${capacity}`);
    }
    this.capacity = capacity;
    this.neutral = neutral;
    this.root = neutral;
    this.levels = [];
    let n = capacity;
    for (;;) {
      const padded = Math.ceil(n / FANOUT) * FANOUT;
      this.levels.push(new Float64Array(padded).fill(neutral));
      if (padded === FANOUT) break;
      n = padded / FANOUT;
    }
  }

  /** The sum or minimum of the `FANOUT` entries of `a` from `base`. */
  protected abstract reduce(a: Float64Array, base: number): number;

  get(i: number): number {
    return this.levels[0]![i]!;
  }

  abstract set(i: number, value: number): void;

  protected check(i: number): void {
    if (!(i >= 0 && i < this.capacity)) throw new Error(`${this.constructor.name}: index ${i} is out of range [0, ${this.capacity})`);
  }

  /** `set(index[j], values[j])` for every j, in order (a later duplicate index wins). */
  setMany(index: Int32Array, values: ArrayLike<number>): void {
    if (values.length !== index.length) {
      throw new Error(`${this.constructor.name}.setMany: ${index.length} indices but ${values.length} values`);
    }
    for (let j = 0; j < index.length; j++) this.set(index[j]!, values[j]!);
  }

  /** Replaces every leaf (missing ones become empty) and rebuilds the parents in O(capacity). */
  build(leaves: ArrayLike<number>): void {
    if (leaves.length > this.capacity) {
      throw new Error(`${this.constructor.name}.build: ${leaves.length} leaves for a capacity of ${this.capacity}`);
    }
    const levels = this.levels;
    const level0 = levels[0]!;
    level0.fill(this.neutral);
    for (let i = 0; i < leaves.length; i++) level0[i] = leaves[i]!;
    for (let l = 1; l < levels.length; l++) {
      const below = levels[l - 1]!;
      const above = levels[l]!;
      for (let p = 0; p < below.length >> SHIFT; p++) above[p] = this.reduce(below, p << SHIFT);
    }
    this.root = this.reduce(levels[levels.length - 1]!, 0);
  }

  clear(): void {
    for (const level of this.levels) level.fill(this.neutral);
    this.root = this.neutral;
  }

  /** A copy of the first `capacity` leaves. */
  leaves(): Float64Array {
    return this.levels[0]!.slice(0, this.capacity);
  }
}

/**
 * Sums over leaves with prefix-sum search: the structure behind proportional prioritized sampling.
 *
 * @example
 * const tree = new SumTree(4);
 * tree.setMany(new Int32Array([0, 1, 2, 3]), [1, 2, 3, 4]);
 * tree.total(); // 10
 * tree.find(2.5); // 1: leaf 1 covers the masses [1, 3)
 */
export class SumTree extends SegmentTree {
  constructor(capacity: number) {
    super(capacity, "SumTree", 0);
  }

  protected reduce(a: Float64Array, base: number): number {
    let s = 0;
    for (let j = base; j < base + FANOUT; j++) s += a[j]!;
    return s;
  }

  set(i: number, value: number): void {
    this.check(i);
    const levels = this.levels;
    let below = levels[0]!;
    below[i] = value;
    let k = i;
    for (let l = 1; l < levels.length; l++) {
      const p = k >> SHIFT;
      const base = p << SHIFT;
      let sum = 0;
      for (let j = base; j < base + FANOUT; j++) sum += below[j]!;
      const above = levels[l]!;
      above[p] = sum;
      below = above;
      k = p;
    }
    this.root = this.reduce(below, 0);
  }

  total(): number {
    return this.root;
  }

  /**
   * The leaf i with `sum(leaves[0..i)) <= mass < sum(leaves[0..i])`, in O(log n). It never returns an
   * empty leaf while the total is positive: empty children are skipped, and a mass at or past the total
   * (rounding) lands on the last non-empty leaf.
   */
  find(mass: number): number {
    const levels = this.levels;
    let node = 0;
    for (let l = levels.length - 1; l >= 0; l--) {
      const a = levels[l]!;
      const base = node << SHIFT;
      let pick = -1;
      let lastNonEmpty = base;
      for (let j = base; j < base + FANOUT; j++) {
        const v = a[j]!;
        if (v > 0) {
          lastNonEmpty = j;
          if (mass < v) {
            pick = j;
            break;
          }
          mass -= v;
        }
      }
      if (pick < 0) {
        // Past this node's sum: from here on take the last non-empty child at every level.
        pick = lastNonEmpty;
        mass = Number.POSITIVE_INFINITY;
      }
      node = pick;
    }
    return node;
  }
}

/**
 * Minimums over leaves (empty leaves are +Infinity): gives the smallest priority in O(1) for
 * importance-weight normalisation.
 *
 * @example
 * const tree = new MinTree(4);
 * tree.set(2, 0.5);
 * tree.set(3, 0.25);
 * tree.min(); // 0.25
 */
export class MinTree extends SegmentTree {
  constructor(capacity: number) {
    super(capacity, "MinTree", Number.POSITIVE_INFINITY);
  }

  protected reduce(a: Float64Array, base: number): number {
    let m = a[base]!;
    for (let j = base + 1; j < base + FANOUT; j++) if (a[j]! < m) m = a[j]!;
    return m;
  }

  /** Walks up only while a node's minimum changes: most updates stop within a level or two. */
  set(i: number, value: number): void {
    this.check(i);
    const levels = this.levels;
    let below = levels[0]!;
    let oldChild = below[i]!;
    let newChild = value;
    below[i] = value;
    let k = i;
    for (let l = 1; l <= levels.length; l++) {
      if (newChild === oldChild) return;
      const p = k >> SHIFT;
      const top = l === levels.length;
      const current = top ? this.root : levels[l]![p]!;
      let next = current;
      if (newChild < current) next = newChild;
      else if (oldChild === current) next = this.reduce(below, p << SHIFT);
      if (top) this.root = next;
      else levels[l]![p] = next;
      oldChild = current;
      newChild = next;
      if (!top) below = levels[l]!;
      k = p;
    }
  }

  min(): number {
    return this.root;
  }
}
