import { checkOptions, type OptionKeys, Rng } from "@tdrl/tensordict";
import { assertKind, metaNumber, stateArray, type ComponentState } from "./component-state";
import type { SampleResult, Sampler } from "./sampler";
import { checkSampleArgs, rngFromJson, rngToJson, type SamplerRngOptions } from "./sampler-support";
import type { Storage, StoredExtent } from "./storage";

const SAMPLER_WITHOUT_REPLACEMENT_OPTION_KEYS = {
  dropLast: true,
  shuffle: true,
  rng: true,
  allowShortBatches: true,
} satisfies OptionKeys<SamplerWithoutReplacementOptions>;

export interface SamplerWithoutReplacementOptions extends SamplerRngOptions {
  /** Skip the short batch at the end of an epoch and start a new epoch instead. Default false. */
  dropLast?: boolean;
  /** Visit the elements in a random order each epoch; false visits 0, 1, 2, ... Default true. */
  shuffle?: boolean;
  /**
   * Accept a `batchSize` larger than the number of stored elements: every batch is then the whole (shuffled)
   * storage, shorter than asked. Default false: such a call throws naming both sizes, since a caller asking
   * for 32 rarely expects 3 (TorchRL returns the short batch silently).
   */
  allowShortBatches?: boolean;
}

/**
 * Visits every stored element once per epoch, `batchSize` at a time (TorchRL's
 * `SamplerWithoutReplacement`). The last batch of an epoch is shorter unless `dropLast` (the sample's
 * batch shape says how many). A `batchSize` larger than the storage is refused unless `allowShortBatches`.
 * When the storage length changes (the buffer grew) a new epoch starts, over the new length.
 *
 * @example
 * import { HostArray, Rng, TensorDict } from "@tdrl/tensordict";
 * import { LazyTensorStorage, ReplayBuffer, SamplerWithoutReplacement } from "@tdrl/buffers";
 * const sampler = new SamplerWithoutReplacement({ dropLast: true, rng: new Rng(0) });
 * const rb = new ReplayBuffer({ storage: new LazyTensorStorage(100), sampler });
 * rb.extend(new TensorDict({ id: HostArray.from("int32", [10], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]) }, [10]));
 * const epoch = [rb.sample(4), rb.sample(4)]; // 8 distinct items; the 2 left over are dropped
 */
export class SamplerWithoutReplacement implements Sampler {
  private readonly rng: Rng;
  private readonly dropLast: boolean;
  private readonly shuffle: boolean;
  private readonly allowShortBatches: boolean;
  private order: Int32Array = new Int32Array(0);
  private position = 0;

  constructor(options: SamplerWithoutReplacementOptions = {}) {
    checkOptions("SamplerWithoutReplacement", options, SAMPLER_WITHOUT_REPLACEMENT_OPTION_KEYS);
    this.rng = options.rng ?? new Rng(0);
    this.dropLast = options.dropLast ?? false;
    this.shuffle = options.shuffle ?? true;
    this.allowShortBatches = options.allowShortBatches ?? false;
  }

  sample(storage: Storage, batchSize: number): SampleResult {
    checkSampleArgs(storage, batchSize, "SamplerWithoutReplacement.sample");
    const n = storage.length;
    if (this.dropLast && batchSize > n) {
      throw new Error(
        `SamplerWithoutReplacement.sample: batchSize ${batchSize} is larger than the ${n} stored elements and dropLast is set, so no batch can be drawn`,
      );
    }
    if (batchSize > n && !this.allowShortBatches) {
      throw new Error(
        `SamplerWithoutReplacement.sample: batchSize ${batchSize} is larger than the ${n} stored elements, so every batch would hold only ${n}; extend the buffer first, ask for at most ${n}, or pass allowShortBatches: true to accept short batches`,
      );
    }
    const remaining = this.order.length - this.position;
    if (this.order.length !== n || remaining === 0 || (this.dropLast && remaining < batchSize)) this.newEpoch(n);
    const count = Math.min(batchSize, this.order.length - this.position);
    const index = this.order.slice(this.position, this.position + count);
    this.position += count;
    return { index, batchShape: [count] };
  }

  empty(): void {
    this.order = new Int32Array(0);
    this.position = 0;
  }

  state(): ComponentState {
    return {
      kind: "SamplerWithoutReplacement",
      meta: { rng: rngToJson(this.rng), position: this.position },
      arrays: { order: this.order.slice() },
    };
  }

  loadState(state: ComponentState, storage?: StoredExtent): void {
    const what = "SamplerWithoutReplacement";
    assertKind(state, what, what);
    const order = stateArray(state, "order", Int32Array, what);
    const position = metaNumber(state, "position", what);
    if (!Number.isInteger(position) || position < 0 || position > order.length) {
      throw new Error(`${what}.loadState: position ${position} is out of range [0, ${order.length}]`);
    }
    // The epoch's order is a permutation of [0, n) for the n stored when it began.
    const n = storage === undefined ? order.length : Math.min(order.length, storage.length);
    for (let i = position; i < order.length; i++) {
      if (!(order[i]! >= 0 && order[i]! < n))
        throw new Error(
          `${what}.loadState: order[${i}] = ${order[i]} is not an index below ${n} (the stored elements)`,
        );
    }
    rngFromJson(this.rng, state.meta.rng, what);
    this.order = order.slice();
    this.position = position;
  }

  private newEpoch(n: number): void {
    if (this.shuffle) {
      this.order = this.rng.permutation(n);
    } else {
      this.order = new Int32Array(n);
      for (let i = 0; i < n; i++) this.order[i] = i;
    }
    this.position = 0;
  }
}
