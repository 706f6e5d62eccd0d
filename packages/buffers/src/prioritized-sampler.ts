import { checkAllocation, checkOptions, type OptionKeys, HostArray, Rng, TensorDict } from "@tdrl/tensordict";
import { assertKind, metaNumber, stateArray, type ComponentState } from "./component-state";
import type { SampleResult, Sampler } from "./sampler";
import {
  checkPriorityUpdate,
  checkSampleArgs,
  checkStoredIndex,
  lengthFromLeaves,
  metaLength,
  rngFromJson,
  rngToJson,
  type SamplerRngOptions,
} from "./sampler-support";
import { MinTree, SumTree } from "./segment-tree";
import type { Storage, StoredExtent } from "./storage";

const PRIORITIZED_SAMPLER_OPTION_KEYS = {
  maxCapacity: true,
  alpha: true,
  beta: true,
  eps: true,
  rng: true,
} satisfies OptionKeys<PrioritizedSamplerOptions>;

/** The `info` key under which prioritized samplers return importance-sampling weights. */
export const PRIORITY_WEIGHT_KEY = "priority_weight";

export interface PrioritizedSamplerOptions extends SamplerRngOptions {
  /** Number of priorities kept; at least the storage's `maxSize`. */
  maxCapacity: number;
  /** How strongly priorities shape sampling: 0 is uniform, 1 is proportional. */
  alpha: number;
  /** Importance-weight exponent: 0 gives weights 1, 1 fully corrects the sampling bias. */
  beta: number;
  /** Added to every priority so that no element becomes impossible to draw. Default 1e-8. */
  eps?: number;
}

/**
 * Proportional prioritized replay (Schaul et al., 2016; TorchRL's `PrioritizedSampler`). Element i is
 * drawn with probability `P(i) = q_i / sum_j q_j`, `q_i = (p_i + eps)^alpha`, by stratified sampling: the
 * total mass is cut into `batchSize` equal segments and one uniform draw is made in each. New elements get
 * the largest priority seen so far (1 at first), so each is likely drawn at least once before its
 * priority is known.
 *
 * `info` holds `"priority_weight"` (float32, batch `[batchSize]`): `w_i = (N P(i))^-beta / max_j (N P(j))^-beta`,
 * the max over every stored element (N = storage length), which is `(q_i / min_j q_j)^-beta` via the
 * min tree. Sampling and updates are O(log maxCapacity) per element.
 *
 * @example
 * import { HostArray, Rng, TensorDict } from "@tdrl/tensordict";
 * import { LazyTensorStorage, PrioritizedSampler, ReplayBuffer } from "@tdrl/buffers";
 * const sampler = new PrioritizedSampler({ maxCapacity: 1000, alpha: 0.6, beta: 0.4, rng: new Rng(0) });
 * const rb = new ReplayBuffer({ storage: new LazyTensorStorage(1000), sampler });
 * rb.extend(new TensorDict({ obs: HostArray.zeros("float32", [100, 4]) }, [100])); // max priority for new items
 * const { index, info } = rb.sampleWithInfo(32);
 * info?.getHost("priority_weight"); // float32 [32], at most 1
 * rb.updatePriority(index, new Float32Array(32).fill(0.5)); // |TD errors|: one call for the whole batch
 */
export class PrioritizedSampler implements Sampler {
  readonly maxCapacity: number;
  readonly alpha: number;
  readonly beta: number;
  readonly eps: number;
  private readonly rng: Rng;
  private readonly sumTree: SumTree;
  private readonly minTree: MinTree;
  /** Largest priority given so far (before eps and alpha). */
  private maxPriority = 1;
  /** Elements stored, as seen through `extend` (one past the largest index): `updatePriority` refuses slots past it. */
  private filled = 0;
  private scratchValues = new Float64Array(0);

  constructor(options: PrioritizedSamplerOptions) {
    checkOptions("PrioritizedSampler", options, PRIORITIZED_SAMPLER_OPTION_KEYS);
    const { maxCapacity, alpha, beta } = options;
    const eps = options.eps ?? 1e-8;
    if (!Number.isSafeInteger(maxCapacity) || maxCapacity < 1)
      throw new Error(`PrioritizedSampler: maxCapacity must be a positive integer, got ${maxCapacity}`);
    if (!(alpha >= 0 && Number.isFinite(alpha)))
      throw new Error(`PrioritizedSampler: alpha must be a finite number >= 0, got ${alpha}`);
    if (!(beta >= 0 && Number.isFinite(beta)))
      throw new Error(`PrioritizedSampler: beta must be a finite number >= 0, got ${beta}`);
    if (!(eps >= 0 && Number.isFinite(eps)))
      throw new Error(`PrioritizedSampler: eps must be a finite number >= 0, got ${eps}`);
    // A sum tree and a min tree of float64 leaves.
    checkAllocation("PrioritizedSampler", `maxCapacity ${maxCapacity}`, maxCapacity * 16);
    this.maxCapacity = maxCapacity;
    this.alpha = alpha;
    this.beta = beta;
    this.eps = eps;
    this.rng = options.rng ?? new Rng(0);
    this.sumTree = new SumTree(maxCapacity);
    this.minTree = new MinTree(maxCapacity);
  }

  sample(storage: Storage, batchSize: number): SampleResult {
    const what = "PrioritizedSampler.sample";
    checkSampleArgs(storage, batchSize, what);
    if (storage.maxSize > this.maxCapacity) {
      throw new Error(
        `${what}: the storage holds up to ${storage.maxSize} elements but maxCapacity is ${this.maxCapacity}`,
      );
    }
    const total = this.sumTree.total();
    if (!(total > 0)) {
      throw new Error(
        `${what}: the priorities sum to ${total}; the sampler has not seen the stored elements (was extend called?) or every priority is 0 with eps 0`,
      );
    }
    // Every uniform is drawn first (the same stream as one draw per segment), then all descents run together.
    const masses = this.rng.fillUniform(this.scratch(batchSize));
    const segment = total / batchSize;
    for (let b = 0; b < batchSize; b++) masses[b] = (b + masses[b]!) * segment;
    const index = this.sumTree.findMany(masses, new Int32Array(batchSize));
    const weight = new Float32Array(batchSize);
    const minQ = this.minTree.min();
    const last = storage.length - 1;
    for (let b = 0; b < batchSize; b++) {
      let i = index[b]!;
      // Leaves past the stored length are empty unless the storage shrank without empty(); stay inside it.
      if (i > last) index[b] = i = last;
      weight[b] = (this.sumTree.get(i) / minQ) ** -this.beta;
    }
    const info = new TensorDict({ [PRIORITY_WEIGHT_KEY]: new HostArray("float32", [batchSize], weight) }, [batchSize]);
    return { index, batchShape: [batchSize], info };
  }

  /** New elements get the largest priority seen so far. */
  extend(index: Int32Array): void {
    let max = -1;
    for (let j = 0; j < index.length; j++) max = Math.max(max, this.checkIndex(index[j]!, "PrioritizedSampler.extend"));
    const q = this.scratch(index.length).fill((this.maxPriority + this.eps) ** this.alpha);
    this.sumTree.setMany(index, q);
    this.minTree.setMany(index, q);
    this.filled = Math.max(this.filled, max + 1);
  }

  /**
   * Sets the priorities of a batch in one call (typically |TD error|), O(batch log n), no allocation.
   * Everything is checked before anything changes.
   */
  updatePriority(index: Int32Array, priority: Float32Array): void {
    const max = checkPriorityUpdate(
      index,
      priority,
      this.maxPriority,
      (i, what) => checkStoredIndex(i, this.filled, this.maxCapacity, what),
      "PrioritizedSampler.updatePriority",
    );
    const q = this.scratch(index.length);
    for (let j = 0; j < index.length; j++) q[j] = (priority[j]! + this.eps) ** this.alpha;
    this.sumTree.setMany(index, q);
    this.minTree.setMany(index, q);
    this.maxPriority = max;
  }

  /** The sampling weight `(p + eps)^alpha` of element i (0 if it was never written). */
  priorityOf(i: number): number {
    return this.sumTree.get(this.checkIndex(i, "PrioritizedSampler.priorityOf"));
  }

  empty(): void {
    this.sumTree.clear();
    this.minTree.clear();
    this.maxPriority = 1;
    this.filled = 0;
  }

  state(): ComponentState {
    return {
      kind: "PrioritizedSampler",
      meta: {
        rng: rngToJson(this.rng),
        maxPriority: this.maxPriority,
        maxCapacity: this.maxCapacity,
        length: this.filled,
      },
      arrays: { sumLeaves: this.sumTree.leaves(), minLeaves: this.minTree.leaves() },
    };
  }

  loadState(state: ComponentState, storage?: StoredExtent): void {
    const what = "PrioritizedSampler";
    assertKind(state, what, what);
    const sums = stateArray(state, "sumLeaves", Float64Array, what);
    const mins = stateArray(state, "minLeaves", Float64Array, what);
    const maxPriority = metaNumber(state, "maxPriority", what);
    if (sums.length !== this.maxCapacity || mins.length !== this.maxCapacity) {
      throw new Error(
        `${what}.loadState: the state has ${sums.length} priorities, this sampler's maxCapacity is ${this.maxCapacity}`,
      );
    }
    if (!(maxPriority > 0 && Number.isFinite(maxPriority)))
      throw new Error(`${what}.loadState: meta "maxPriority" should be a finite number > 0, got ${maxPriority}`);
    const filled = metaLength(state.meta, this.maxCapacity, () => lengthFromLeaves(sums), what);
    if (storage !== undefined && filled > storage.length)
      throw new Error(
        `${what}.loadState: the sampler has priorities for ${filled} elements, the storage holds ${storage.length}`,
      );
    for (let i = 0; i < sums.length; i++) {
      const q = sums[i]!;
      if (!(q >= 0 && Number.isFinite(q)))
        throw new Error(`${what}.loadState: priority leaf ${i} is ${q}, not a finite number >= 0`);
      if (i >= filled && q !== 0)
        throw new Error(
          `${what}.loadState: priority leaf ${i} is ${q} but the state's length is ${filled}: slots past the length hold nothing and must have priority 0`,
        );
    }
    rngFromJson(this.rng, state.meta.rng, what);
    this.sumTree.build(sums);
    this.minTree.build(mins);
    this.maxPriority = maxPriority;
    this.filled = filled;
  }

  /** `n` reusable float64 slots (uniform draws, new priorities): a training step allocates nothing for them. */
  private scratch(n: number): Float64Array {
    if (this.scratchValues.length < n)
      this.scratchValues = new Float64Array(Math.max(n, 2 * this.scratchValues.length));
    return this.scratchValues.subarray(0, n);
  }

  private checkIndex(i: number, what: string): number {
    if (!(i >= 0 && i < this.maxCapacity))
      throw new Error(`${what}: index ${i} is out of range [0, ${this.maxCapacity}) (maxCapacity)`);
    return i;
  }
}
