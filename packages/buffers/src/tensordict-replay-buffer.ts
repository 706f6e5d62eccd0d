import { checkOptions, type OptionKeys, HostArray, type TensorDict, isTensor, type Leaf } from "@tdrl/tensordict";
import { ReplayBuffer, type ReplayBufferOptions, type Sample } from "./replay-buffer";

const TENSOR_DICT_REPLAY_BUFFER_OPTION_KEYS = {
  priorityKey: true,
  storage: true,
  sampler: true,
  writer: true,
  batchSize: true,
  transform: true,
  prefetch: true,
} satisfies OptionKeys<TensorDictReplayBufferOptions>;

export interface TensorDictReplayBufferOptions extends ReplayBufferOptions {
  /** Where priorities are read from by `extend` and `updateTensorDictPriority`. Default `"td_error"`. */
  priorityKey?: string;
}

/**
 * A `ReplayBuffer` that writes the sampled flat indices into each batch as `"index"` (int32, shaped like
 * the batch) together with the sampler's info (e.g. `"_weight"`), and reads priorities from the data: on
 * `extend` when the data has the priority key, and in `updateTensorDictPriority(batch)` after a loss
 * wrote it (TorchRL's `TensorDictReplayBuffer`).
 *
 * @example
 * import { HostArray, Rng, TensorDict } from "@tdrl/tensordict";
 * import { LazyTensorStorage, PrioritizedSampler, TensorDictReplayBuffer } from "@tdrl/buffers";
 * const rb = new TensorDictReplayBuffer({
 *   storage: new LazyTensorStorage(100),
 *   sampler: new PrioritizedSampler({ maxCapacity: 100, alpha: 0.7, beta: 0.5, rng: new Rng(0) }),
 *   batchSize: 8,
 * });
 * rb.extend(new TensorDict({ obs: HostArray.zeros("float32", [20, 4]) }, [20]));
 * const batch = rb.sample();
 * batch.set("td_error", HostArray.full("float32", [8], 0.5));
 * rb.updateTensorDictPriority(batch);
 */
export class TensorDictReplayBuffer extends ReplayBuffer {
  readonly priorityKey: string;

  constructor(options: TensorDictReplayBufferOptions) {
    checkOptions("TensorDictReplayBuffer", options, TENSOR_DICT_REPLAY_BUFFER_OPTION_KEYS);
    const { priorityKey, ...base } = options;
    super(base);
    this.priorityKey = priorityKey ?? "td_error";
  }

  override extend(data: TensorDict): Int32Array {
    const index = super.extend(data);
    if (this.sampler.updatePriority !== undefined && data.has(this.priorityKey as never) && index.length > 0) {
      const written = this.writtenRows(data);
      this.sampler.updatePriority(index, priorities(written.get(this.priorityKey as never) as Leaf, index.length));
    }
    return index;
  }

  /**
   * Sets priorities from `batch[priorityKey]` (max over non-batch dims) at `batch["index"]`. Where the batch
   * has a `"mask"` (padded slices), masked elements are skipped: padding repeats a real step's index, and
   * its priority (a loss writes 0 there) must not overwrite that step's.
   */
  updateTensorDictPriority(batch: TensorDict): void {
    const what = `${this.name}.updateTensorDictPriority`;
    if (!batch.has("index" as never))
      throw new Error(`${what}: the batch has no "index" key; pass a batch this buffer sampled`);
    if (!batch.has(this.priorityKey as never)) throw new Error(`${what}: the batch has no "${this.priorityKey}" key`);
    const indexLeaf = batch.get("index" as never) as Leaf;
    const index = Int32Array.from(isTensor(indexLeaf) ? indexLeaf.dataSync() : indexLeaf.data);
    const values = priorities(batch.get(this.priorityKey as never) as Leaf, index.length);
    if (!batch.has("mask" as never)) {
      this.updatePriority(index, values);
      return;
    }
    const maskLeaf = batch.get("mask" as never) as Leaf;
    const mask: ArrayLike<number> = isTensor(maskLeaf) ? maskLeaf.dataSync() : maskLeaf.data;
    if (mask.length !== index.length)
      throw new Error(`${what}: "mask" has ${mask.length} values for ${index.length} indices`);
    const keep: number[] = [];
    for (let i = 0; i < index.length; i++) if (mask[i] !== 0) keep.push(i);
    this.updatePriority(
      Int32Array.from(keep, (i) => index[i]!),
      Float32Array.from(keep, (i) => values[i]!),
    );
  }

  protected override get name(): string {
    return "TensorDictReplayBuffer";
  }

  protected override decorate(sample: Sample): Sample {
    const data = sample.data;
    data.set("index" as never, new HostArray("int32", sample.batchShape, sample.index) as never);
    if (sample.info !== undefined) data.update(sample.info);
    return sample;
  }
}

/** One priority per element: the leaf reduced with max over everything after the first `n` numbers' dims. */
function priorities(leaf: Leaf, n: number): Float32Array {
  const values: ArrayLike<number> = isTensor(leaf) ? leaf.dataSync() : leaf.data;
  if (values.length % n !== 0)
    throw new Error(`priorities: ${values.length} values cannot be split over ${n} elements`);
  const per = values.length / n;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let m = -Infinity;
    for (let k = 0; k < per; k++) m = Math.max(m, Math.abs(values[i * per + k]!));
    out[i] = m;
  }
  return out;
}
