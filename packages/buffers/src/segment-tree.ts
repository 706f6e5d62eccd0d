/** Children per node. 16 float64 children are two or three cache lines: a 1M-leaf tree is 5 levels deep instead of
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
  /** Keeps the result of the touch passes observable, so the compiler cannot drop their loads. */
  protected touched = 0;
  private readonly neutral: number;
  private nodes = new Int32Array(0);
  private readonly oneIndex = new Int32Array(1);
  private readonly oneValue = new Float64Array(1);

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

  /** Writes the (already checked) leaves `index[j] = values[j]` in order and brings every ancestor up to date. */
  protected abstract assign(index: Int32Array, values: ArrayLike<number>): void;

  get(i: number): number {
    return this.levels[0]![i]!;
  }

  set(i: number, value: number): void {
    this.check(i);
    this.oneIndex[0] = i;
    this.oneValue[0] = value;
    this.assign(this.oneIndex, this.oneValue);
  }

  protected check(i: number): void {
    if (!(i >= 0 && i < this.capacity))
      throw new Error(`${this.constructor.name}: index ${i} is out of range [0, ${this.capacity})`);
  }

  /**
   * `set(index[j], values[j])` for every j, in order (a later duplicate index wins), as one batch: every
   * index is checked before anything changes, and the tree is brought up to date level by level.
   */
  setMany(index: Int32Array, values: ArrayLike<number>): void {
    if (values.length !== index.length) {
      throw new Error(`${this.constructor.name}.setMany: ${index.length} indices but ${values.length} values`);
    }
    for (let j = 0; j < index.length; j++) this.check(index[j]!);
    this.assign(index, values);
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

  /** A scratch array of at least `n` node numbers, reused across calls (no allocation per batch). */
  protected scratchNodes(n: number): Int32Array {
    if (this.nodes.length < n) this.nodes = new Int32Array(Math.max(n, 2 * this.nodes.length));
    return this.nodes;
  }

  /**
   * Reads the children of `nodes[0..count)` in `a` when `a` is too large for the cache: 16 float64s span up
   * to three cache lines, and elements 0, 7 and 15 hit all of them whatever the array's alignment. The loop
   * is nothing but independent loads, so the CPU overlaps the misses of a whole batch; the work that follows
   * hits the cache. A per-element walk waits for each miss in turn, which dominated batched sampling and updates.
   */
  protected touchChildren(a: Float64Array, nodes: Int32Array, count: number): void {
    if (a.length < TOUCH_MIN_LENGTH) return;
    let acc = 0;
    for (let j = 0; j < count; j++) {
      const base = nodes[j]! << SHIFT;
      acc += a[base]! + a[base + 7]! + a[base + FANOUT - 1]!;
    }
    this.touched += acc;
  }
}

/** Levels with at least this many nodes (256 KB) miss the cache on random access and get a touch pass. */
const TOUCH_MIN_LENGTH = 1 << 15;

/** `nodes[j] >>= SHIFT` for j < count, dropping consecutive repeats (contiguous writes share parents); returns the new count. */
function toParents(nodes: Int32Array, count: number): number {
  let m = 0;
  for (let j = 0; j < count; j++) {
    const p = nodes[j]! >> SHIFT;
    if (m === 0 || nodes[m - 1] !== p) nodes[m++] = p;
  }
  return m;
}

/**
 * Sums over leaves with prefix-sum search: the structure behind proportional prioritized sampling.
 *
 * @example
 * const tree = new SumTree(4);
 * tree.setMany(new Int32Array([0, 1, 2, 3]), [1, 2, 3, 4]);
 * tree.total(); // 10
 * tree.find(2.5); // 1: leaf 1 covers the masses [1, 3)
 * tree.findMany([0.5, 2.5, 9.5], new Int32Array(3)); // [0, 1, 3]: a whole batch, one level at a time
 */
export class SumTree extends SegmentTree {
  private mass = new Float64Array(0);
  private readonly oneMass = new Float64Array(1);
  private readonly oneFound = new Int32Array(1);

  constructor(capacity: number) {
    super(capacity, "SumTree", 0);
  }

  protected reduce(a: Float64Array, base: number): number {
    let s = 0;
    for (let j = base; j < base + FANOUT; j++) s += a[j]!;
    return s;
  }

  /** All leaves first, then each level's touched parents once, recomputed from their children. */
  protected assign(index: Int32Array, values: ArrayLike<number>): void {
    const n = index.length;
    if (n === 0) return;
    const levels = this.levels;
    const leaves = levels[0]!;
    const nodes = this.scratchNodes(n);
    for (let j = 0; j < n; j++) nodes[j] = index[j]!;
    let count = toParents(nodes, n);
    this.touchChildren(leaves, nodes, count);
    for (let j = 0; j < n; j++) leaves[index[j]!] = values[j]!;
    for (let l = 1; l < levels.length; l++) {
      const below = levels[l - 1]!;
      const above = levels[l]!;
      if (l > 1) {
        count = toParents(nodes, count);
        this.touchChildren(below, nodes, count);
      }
      for (let j = 0; j < count; j++) {
        const p = nodes[j]!;
        const base = p << SHIFT;
        let sum = 0;
        for (let k = base; k < base + FANOUT; k++) sum += below[k]!;
        above[p] = sum;
      }
    }
    this.root = this.reduce(levels[levels.length - 1]!, 0);
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
    this.oneMass[0] = mass;
    return this.findMany(this.oneMass, this.oneFound)[0]!;
  }

  /**
   * `out[b] = find(masses[b])` for every b, descending all of them one level at a time so that the cache
   * misses of a level overlap instead of being waited for one descent after another. Returns `out`.
   */
  findMany(masses: ArrayLike<number>, out: Int32Array): Int32Array {
    const n = masses.length;
    if (out.length !== n) throw new Error(`SumTree.findMany: ${n} masses but out has ${out.length} entries`);
    if (this.mass.length < n) this.mass = new Float64Array(Math.max(n, 2 * this.mass.length));
    const left = this.mass;
    for (let b = 0; b < n; b++) {
      left[b] = masses[b]!;
      out[b] = 0;
    }
    const levels = this.levels;
    for (let l = levels.length - 1; l >= 0; l--) {
      const a = levels[l]!;
      this.touchChildren(a, out, n);
      for (let b = 0; b < n; b++) {
        const base = out[b]! << SHIFT;
        let mass = left[b]!;
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
        out[b] = pick;
        left[b] = mass;
      }
    }
    return out;
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

  /** Touches the two bottom levels for the whole batch, then walks up per element (see `update`). */
  protected assign(index: Int32Array, values: ArrayLike<number>): void {
    const n = index.length;
    const levels = this.levels;
    const nodes = this.scratchNodes(n);
    for (let j = 0; j < n; j++) nodes[j] = index[j]! >> SHIFT;
    this.touchChildren(levels[0]!, nodes, n);
    if (levels.length > 1) {
      for (let j = 0; j < n; j++) nodes[j] = nodes[j]! >> SHIFT;
      this.touchChildren(levels[1]!, nodes, n);
    }
    for (let j = 0; j < n; j++) this.update(index[j]!, values[j]!);
  }

  /** Walks up only while a node's minimum changes: most updates stop within a level or two. */
  private update(i: number, value: number): void {
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
