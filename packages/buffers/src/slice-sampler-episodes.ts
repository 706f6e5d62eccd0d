/**
 * The episodes a storage holds, found in one pass over a per-element end flag (or trajectory id) column.
 *
 * Storage layout (see `Storage`): the storage is a ring of `capT` time slots by `numEnvs` env columns,
 * flat index `slot * numEnvs + env` (a 1-dim storage is `numEnvs = 1`). Each env column is read in
 * chronological order, oldest slot first. An episode ends at a step whose flag is set (or whose
 * trajectory id differs from the next step's), and always at the newest step: the newest data is never
 * stitched to the oldest, whatever the flags say, and across the end of the ring (slot capT-1 to 0) the
 * chronological order continues only when the ring has wrapped.
 */
export class EpisodeTable {
  readonly numEnvs: number;
  readonly capT: number;
  /** Episodes found. */
  count = 0;
  /**
   * Episode ids are positions in a ring of `numEnvs * capT` records: episode k (oldest first) has id
   * `(head + k) % numEnvs * capT`, so `appendWrites` can drop the oldest and add the newest in place.
   */
  head = 0;
  /** Per episode id: env column, first time slot, number of steps. */
  readonly env: Int32Array;
  readonly startSlot: Int32Array;
  readonly length: Int32Array;
  /** Per flat element (stored ones only, when built with `perElement`): its episode id. */
  readonly episodeOf: Int32Array;
  maxLength = 0;

  constructor(numEnvs: number, capT: number) {
    this.numEnvs = numEnvs;
    this.capT = capT;
    const n = numEnvs * capT;
    this.env = new Int32Array(n);
    this.startSlot = new Int32Array(n);
    this.length = new Int32Array(n);
    this.episodeOf = new Int32Array(n);
  }

  /**
   * Rebuilds from `column` (one value per flat element; `0` = not an end when `byTrajId` is false, a
   * trajectory id when true). `filledT` time slots are stored; `newestSlot` is the slot last written.
   * `perElement` also fills `episodeOf` (one more write per element; only prioritized slicing needs it).
   */
  rebuild(
    column: ArrayLike<number>,
    byTrajId: boolean,
    filledT: number,
    newestSlot: number,
    perElement: boolean,
  ): void {
    const { numEnvs, capT } = this;
    const oldest = filledT === capT ? (newestSlot + 1) % capT : 0;
    // Chronological order is at most two contiguous slot ranges; tight loops over them keep the scan at
    // about a nanosecond per element.
    const ranges = oldest === 0 ? [0, filledT] : [oldest, capT, 0, oldest];
    const lastP = filledT - 1;
    let count = 0;
    let maxLength = 0;
    const push = (e: number, first: number, last: number) => {
      const len = last - first + 1;
      this.env[count] = e;
      this.startSlot[count] = (oldest + first) % capT;
      this.length[count] = len;
      if (len > maxLength) maxLength = len;
      count++;
    };
    for (let e = 0; e < numEnvs; e++) {
      let first = 0;
      let pBase = 0;
      for (let r = 0; r < ranges.length; r += 2) {
        const a = ranges[r]!;
        const b = ranges[r + 1]!;
        const stop = b * numEnvs + e;
        if (byTrajId) {
          for (let flat = a * numEnvs + e; flat < stop; flat += numEnvs) {
            const next = flat + numEnvs < capT * numEnvs ? flat + numEnvs : e;
            if (column[flat] !== column[next]) {
              const p = pBase + (flat - e) / numEnvs - a;
              push(e, first, p);
              first = p + 1;
            }
          }
        } else {
          for (let flat = a * numEnvs + e; flat < stop; flat += numEnvs) {
            if (column[flat] !== 0) {
              const p = pBase + (flat - e) / numEnvs - a;
              push(e, first, p);
              first = p + 1;
            }
          }
        }
        pBase += b - a;
      }
      // The newest step ends its episode whatever its flag: nothing follows it but the oldest data.
      if (first <= lastP) push(e, first, lastP);
    }
    this.count = count;
    this.head = 0;
    this.maxLength = maxLength;
    if (perElement) {
      for (let j = 0; j < count; j++) {
        const e = this.env[j]!;
        let slot = this.startSlot[j]!;
        const len = this.length[j]!;
        for (let k = 0; k < len; k++) {
          this.episodeOf[slot * numEnvs + e] = j;
          if (++slot === capT) slot = 0;
        }
      }
    }
  }

  /** The step within episode `j` of flat element `flat` (which must belong to it). */
  stepOf(j: number, flat: number): number {
    const step = Math.floor(flat / this.numEnvs) - this.startSlot[j]!;
    return step < 0 ? step + this.capT : step;
  }

  /** The id of the k-th episode, oldest first. */
  id(k: number): number {
    const j = this.head + k;
    const size = this.env.length;
    return j >= size ? j - size : j;
  }

  /**
   * Updates a one-env table after `written` steps were appended at the ring cursor (the slots just after
   * the newest one) without rescanning the whole column: the oldest episodes, overwritten, are dropped or
   * cut; the newest episode continues into the new steps unless it had really ended; only the new steps
   * are scanned. `oldFilled` is the number of slots filled before the write. Returns false, having
   * changed nothing, when this does not apply (several envs, or a write as large as the ring).
   */
  appendWrites(
    column: ArrayLike<number>,
    byTrajId: boolean,
    oldFilled: number,
    written: number,
    perElement: boolean,
  ): boolean {
    const cap = this.capT;
    if (this.numEnvs !== 1 || written >= cap || this.count === 0 || written < 1) return false;
    const lastId = this.id(this.count - 1);
    const lastSlot = (this.startSlot[lastId]! + this.length[lastId]! - 1) % cap;
    const firstNew = lastSlot + 1 === cap ? 0 : lastSlot + 1;
    // Whether the newest episode goes on is decided before any overwrite (its last step is not overwritten: written < cap).
    const continues = byTrajId ? column[lastSlot] === column[firstNew] : column[lastSlot] === 0;
    let trim = Math.max(0, oldFilled + written - cap);
    while (trim > 0) {
      const j = this.head;
      const len = this.length[j]!;
      if (len <= trim) {
        trim -= len;
        this.head = this.id(1);
        this.count--;
      } else {
        this.startSlot[j] = (this.startSlot[j]! + trim) % cap;
        this.length[j] = len - trim;
        trim = 0;
      }
    }
    let start = firstNew;
    let len = 0;
    if (continues && this.count > 0) {
      const j = this.id(this.count - 1);
      start = this.startSlot[j]!;
      len = this.length[j]!;
      this.count--;
    }
    for (let k = 0, slot = firstNew; k < written; k++) {
      const next = slot + 1 === cap ? 0 : slot + 1;
      len++;
      // The open episode will get the next id; a continued one keeps its id, so its old steps stay right.
      if (perElement) this.episodeOf[slot] = this.id(this.count);
      if (k === written - 1 || (byTrajId ? column[slot] !== column[next] : column[slot] !== 0)) {
        const j = this.id(this.count);
        this.env[j] = 0;
        this.startSlot[j] = start;
        this.length[j] = len;
        this.count++;
        start = next;
        len = 0;
      }
      slot = next;
    }
    let maxLength = 0;
    for (let k = 0; k < this.count; k++) {
      const l = this.length[this.id(k)]!;
      if (l > maxLength) maxLength = l;
    }
    this.maxLength = maxLength;
    return true;
  }

  /** Flat index of step `step` of episode `j`. */
  flatIndex(j: number, step: number): number {
    let slot = this.startSlot[j]! + step;
    if (slot >= this.capT) slot -= this.capT;
    return slot * this.numEnvs + this.env[j]!;
  }
}
