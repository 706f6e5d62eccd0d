import type { TensorDict } from "@tdrl/tensordict";
import { metaNumber, stateArray, type ComponentState, type JsonValue } from "./component-state";
import { PRIORITY_WEIGHT_KEY } from "./prioritized-sampler";
import { MinTree, SumTree } from "./segment-tree";
import { checkPriorityUpdate, checkStoredIndex, lengthFromLeaves, metaLength } from "./sampler-support";
import { SliceSampler, type SliceSamplerOptions, type SliceStarts } from "./slice-sampler";
import type { EpisodeTable } from "./slice-sampler-episodes";
import type { Storage, StoredExtent } from "./storage";
import { checkAllocation, checkOptions, type OptionKeys } from "@tdrl/tensordict";

const PRIORITIZED_SLICE_SAMPLER_OPTION_KEYS = {
  maxCapacity: true,
  alpha: true,
  beta: true,
  eps: true,
  sliceLen: true,
  numSlices: true,
  endKey: true,
  trajKey: true,
  strictLength: true,
  padOutput: true,
  rng: true,
} satisfies OptionKeys<PrioritizedSliceSamplerOptions>;

export interface PrioritizedSliceSamplerOptions extends SliceSamplerOptions {
  /** Number of priorities kept; at least the storage's `maxSize`. */
  maxCapacity: number;
  alpha: number;
  beta: number;
  /** Default 1e-8. */
  eps?: number;
}

/**
 * A `SliceSampler` whose slice starts are drawn by priority (TorchRL's `PrioritizedSliceSampler`): every
 * stored element has a priority, and a slice starting at element i is drawn with probability
 * `q_i / sum_j q_j` over the valid starts j (`q = (p + eps)^alpha`; with `strictLength`, a valid start has
 * at least `sliceLen` steps left in its episode). Draws are stratified, as in `PrioritizedSampler`.
 *
 * `info` has the `SliceSampler` flags plus `"priority_weight"` (float32, batch `batchShape`): the start's
 * weight `(q_i / min_valid q)^-beta`, repeated along its slice. Update priorities per element
 * (`updatePriority(index, priority)` with the sampled flat indices); only start priorities shape sampling.
 *
 * Valid starts are kept in their own sum and min trees (no per-sample masking of the trees, as TorchRL
 * does): priority updates cost O(log n) each; after a write at the cursor of a 1-env storage only the new
 * steps and the `sliceLen - 1` before them are refreshed, otherwise the trees are rebuilt in O(capacity).
 *
 * @example
 * import { HostArray, Rng, TensorDict } from "@tdrl/tensordict";
 * import { LazyTensorStorage, PrioritizedSliceSampler, ReplayBuffer } from "@tdrl/buffers";
 * const sampler = new PrioritizedSliceSampler({ sliceLen: 8, maxCapacity: 1000, alpha: 0.7, beta: 0.5, rng: new Rng(0) });
 * const rb = new ReplayBuffer({ storage: new LazyTensorStorage(1000), sampler });
 * rb.extend(new TensorDict({ obs: HostArray.zeros("float32", [100, 4]), next: { done: HostArray.zeros("bool", [100, 1]) } }, [100]));
 * const { index, info } = rb.sampleWithInfo(64); // batch [8, 8]
 * rb.updatePriority(index, new Float32Array(64).fill(2)); // per element; slice starts drive sampling
 * info?.getHost("priority_weight").shape; // [8, 8]
 */
export class PrioritizedSliceSampler extends SliceSampler {
  readonly maxCapacity: number;
  readonly alpha: number;
  readonly beta: number;
  readonly eps: number;
  /** `(p + eps)^alpha` per element; the ground truth the start trees are built from. */
  private q: Float64Array;
  private maxPriority = 1;
  /** Elements stored, as seen through `extend` (one past the largest index): `updatePriority` refuses slots past it. */
  private filled = 0;
  private readonly valid: Uint8Array;
  private readonly startSum: SumTree;
  private readonly startMin: MinTree;
  private readonly leafScratch: Float64Array;
  /** The table version and slice length the start trees were built for. */
  private startsFor = { version: -1, sliceLen: -1 };
  protected override readonly needsElementEpisodes = true;

  constructor(options: PrioritizedSliceSamplerOptions) {
    checkOptions("PrioritizedSliceSampler", options, PRIORITIZED_SLICE_SAMPLER_OPTION_KEYS);
    const { maxCapacity, alpha, beta, eps: epsOption, ...sliceOptions } = options;
    super(sliceOptions);
    const what = "PrioritizedSliceSampler";
    const eps = epsOption ?? 1e-8;
    if (!Number.isSafeInteger(maxCapacity) || maxCapacity < 1)
      throw new Error(`${what}: maxCapacity must be a positive integer, got ${maxCapacity}`);
    if (!(alpha >= 0 && Number.isFinite(alpha)))
      throw new Error(`${what}: alpha must be a finite number >= 0, got ${alpha}`);
    if (!(beta >= 0 && Number.isFinite(beta)))
      throw new Error(`${what}: beta must be a finite number >= 0, got ${beta}`);
    if (!(eps >= 0 && Number.isFinite(eps))) throw new Error(`${what}: eps must be a finite number >= 0, got ${eps}`);
    // Priorities and flags per slot, and two float64 trees over slice starts.
    checkAllocation(what, `maxCapacity ${maxCapacity}`, maxCapacity * 33);
    this.maxCapacity = maxCapacity;
    this.alpha = alpha;
    this.beta = beta;
    this.eps = eps;
    this.q = new Float64Array(maxCapacity);
    this.valid = new Uint8Array(maxCapacity);
    this.startSum = new SumTree(maxCapacity);
    this.startMin = new MinTree(maxCapacity);
    this.leafScratch = new Float64Array(maxCapacity);
  }

  override extend(index: Int32Array, data: TensorDict): void {
    const q = (this.maxPriority + this.eps) ** this.alpha;
    let max = -1;
    for (let j = 0; j < index.length; j++)
      max = Math.max(max, this.checkIndex(index[j]!, "PrioritizedSliceSampler.extend"));
    for (let j = 0; j < index.length; j++) this.q[index[j]!] = q;
    this.filled = Math.max(this.filled, max + 1);
    super.extend(index, data);
  }

  /** Sets element priorities in one call; O(batch log n). */
  updatePriority(index: Int32Array, priority: Float32Array): void {
    const max = checkPriorityUpdate(
      index,
      priority,
      this.maxPriority,
      (i, what) => checkStoredIndex(i, this.filled, this.maxCapacity, what),
      "PrioritizedSliceSampler.updatePriority",
    );
    // Trees built for the current table stay right for every element outside what the next append
    // refreshes (which reads q again), so updates go to them even when a write is pending.
    const treesCurrent = this.startsFor.version === this.tableVersion;
    for (let j = 0; j < index.length; j++) {
      const i = index[j]!;
      const q = (priority[j]! + this.eps) ** this.alpha;
      this.q[i] = q;
      if (treesCurrent && this.valid[i] === 1) {
        this.startSum.set(i, q);
        this.startMin.set(i, q);
      }
    }
    this.maxPriority = max;
  }

  /** The sampling weight `(p + eps)^alpha` of element i (0 if it was never written). */
  priorityOf(i: number): number {
    return this.q[this.checkIndex(i, "PrioritizedSliceSampler.priorityOf")]!;
  }

  override empty(): void {
    super.empty();
    this.q.fill(0);
    this.maxPriority = 1;
    this.filled = 0;
    this.startsFor = { version: -1, sliceLen: -1 };
  }

  protected override drawStarts(
    table: EpisodeTable,
    numSlices: number,
    sliceLen: number,
    storage: Storage,
    what: string,
  ): SliceStarts {
    if (storage.maxSize > this.maxCapacity) {
      throw new Error(
        `${what}: the storage holds up to ${storage.maxSize} elements but maxCapacity is ${this.maxCapacity}`,
      );
    }
    this.assertSomeEpisodeFits(table, sliceLen, what);
    this.buildStartTrees(table, sliceLen, storage.length);
    const total = this.startSum.total();
    if (!(total > 0)) {
      throw new Error(
        `${what}: the valid slice starts have total priority ${total}; the sampler has not seen the stored elements (was extend called?)`,
      );
    }
    const episode = new Int32Array(numSlices);
    const step = new Int32Array(numSlices);
    const weight = new Float32Array(numSlices);
    const minQ = this.startMin.min();
    const segment = total / numSlices;
    for (let s = 0; s < numSlices; s++) {
      const i = this.startSum.find((s + this.rng.uniform()) * segment);
      episode[s] = table.episodeOf[i]!;
      step[s] = table.stepOf(episode[s]!, i);
      weight[s] = (this.startSum.get(i) / minQ) ** -this.beta;
    }
    return { episode, step, perSlice: { [PRIORITY_WEIGHT_KEY]: weight } };
  }

  protected override stateMeta(): Record<string, JsonValue> {
    return { ...super.stateMeta(), maxPriority: this.maxPriority, length: this.filled };
  }

  protected override stateArrays(): ComponentState["arrays"] {
    return { priorities: this.q.slice() };
  }

  protected override loadStateExtra(state: ComponentState, storage?: StoredExtent): void {
    const what = "PrioritizedSliceSampler";
    const q = stateArray(state, "priorities", Float64Array, what);
    if (q.length !== this.maxCapacity)
      throw new Error(
        `${what}.loadState: the state has ${q.length} priorities, this sampler's maxCapacity is ${this.maxCapacity}`,
      );
    const maxPriority = metaNumber(state, "maxPriority", what);
    if (!(maxPriority > 0))
      throw new Error(`${what}.loadState: meta "maxPriority" should be a finite number > 0, got ${maxPriority}`);
    const filled = metaLength(state.meta, this.maxCapacity, () => lengthFromLeaves(q), what);
    if (storage !== undefined && filled > storage.length)
      throw new Error(
        `${what}.loadState: the sampler has priorities for ${filled} elements, the storage holds ${storage.length}`,
      );
    for (let i = 0; i < q.length; i++) {
      if (!(q[i]! >= 0 && Number.isFinite(q[i]!)))
        throw new Error(`${what}.loadState: priority ${i} is ${q[i]}, not a finite number >= 0`);
      if (i >= filled && q[i] !== 0)
        throw new Error(
          `${what}.loadState: priority ${i} is ${q[i]} but the state's length is ${filled}: slots past the length hold nothing and must have priority 0`,
        );
    }
    this.q = q.slice();
    this.maxPriority = maxPriority;
    this.filled = filled;
    this.startsFor = { version: -1, sliceLen: -1 };
  }

  /**
   * After an append: only the new steps and the `sliceLen - 1` steps before them (the tail of an episode
   * that may now continue) can have changed validity or priority; cut or dropped old episodes keep the
   * remaining length of every element they still hold. O((written + sliceLen) log n).
   */
  protected override onAppended(table: EpisodeTable, written: number): void {
    const { version, sliceLen } = this.startsFor;
    if (version !== this.tableVersion - 1 || sliceLen < 1) return;
    const cap = table.capT;
    const filled = this.storedLength(table);
    const count = Math.min(filled, written + sliceLen - 1);
    const newest = this.newestSlot(table);
    const minLeft = this.strictLength ? sliceLen : 1;
    for (let k = 0; k < count; k++) {
      let i = newest - k;
      if (i < 0) i += cap;
      const j = table.episodeOf[i]!;
      const ok = table.length[j]! - table.stepOf(j, i) >= minLeft;
      this.valid[i] = ok ? 1 : 0;
      this.startSum.set(i, ok ? this.q[i]! : 0);
      this.startMin.set(i, ok ? this.q[i]! : Number.POSITIVE_INFINITY);
    }
    this.startsFor = { version: this.tableVersion, sliceLen };
  }

  private storedLength(table: EpisodeTable): number {
    let n = 0;
    for (let k = 0; k < table.count; k++) n += table.length[table.id(k)]!;
    return n;
  }

  private newestSlot(table: EpisodeTable): number {
    const j = table.id(table.count - 1);
    return (table.startSlot[j]! + table.length[j]! - 1) % table.capT;
  }

  /** Marks the valid starts and builds the start trees from the element priorities, in O(capacity). */
  private buildStartTrees(table: EpisodeTable, sliceLen: number, length: number): void {
    if (this.startsFor.version === this.tableVersion && this.startsFor.sliceLen === sliceLen) return;
    const minLeft = this.strictLength ? sliceLen : 1;
    const leaves = this.leafScratch;
    const valid = this.valid;
    valid.fill(0);
    for (let i = 0; i < length; i++) {
      const j = table.episodeOf[i]!;
      const ok = table.length[j]! - table.stepOf(j, i) >= minLeft;
      valid[i] = ok ? 1 : 0;
      leaves[i] = ok ? this.q[i]! : 0;
    }
    this.startSum.build(leaves.subarray(0, length));
    for (let i = 0; i < length; i++) if (valid[i] === 0) leaves[i] = Number.POSITIVE_INFINITY;
    this.startMin.build(leaves.subarray(0, length));
    this.startsFor = { version: this.tableVersion, sliceLen };
  }

  private checkIndex(i: number, what: string): number {
    if (!(i >= 0 && i < this.maxCapacity))
      throw new Error(`${what}: index ${i} is out of range [0, ${this.maxCapacity}) (maxCapacity)`);
    return i;
  }
}
