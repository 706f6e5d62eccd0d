import type { Shape, TensorDict } from "@tdrl/tensordict";
import type { ComponentState } from "./component-state";
import type { Storage, StoredExtent } from "./storage";

/**
 * What a sampler draws: flat storage indices (see `Storage`) and the batch shape to give them.
 * `index.length` equals the product of `batchShape`, row-major: a slice sampler returns
 * `batchShape = [numSlices, sliceLen]` and the buffer reshapes the sample to it (TorchRL flattens slices
 * into one dim; we keep them apart). `info`, when present, has batch `batchShape` and holds per-sample
 * extras such as importance weights (`"priority_weight"`); `TensorDictReplayBuffer` merges it into the sample.
 */
export interface SampleResult {
  readonly index: Int32Array;
  readonly batchShape: Shape;
  readonly info?: TensorDict;
}

/**
 * Chooses which stored elements a batch is made of. Samplers take their `Rng` in their constructor (no
 * global generator) and put it in `state()`, so a restored buffer draws the same batches.
 *
 * The buffer calls `extend(index, data)` after every successful write with the flat indices written (in
 * data order) and the data itself (batch `[numEnvs, T]` for 2-dim storages), so a prioritized sampler can
 * give new elements the max priority and a slice sampler can read trajectory ids.
 */
export interface Sampler {
  /** Throws if the storage is empty or `batchSize` is not a positive integer. */
  sample(storage: Storage, batchSize: number): SampleResult;
  extend?(index: Int32Array, data: TensorDict): void;
  /** Sets the priorities of elements `index` (flat); one priority per index. */
  updatePriority?(index: Int32Array, priority: Float32Array): void;
  /** Forgets everything learned from writes (priorities, trajectory tables); the Rng is kept. */
  empty(): void;
  state(): ComponentState;
  /** Restores `state`; with `storage` (what the checkpoint's storage holds) its indices are checked against it. */
  loadState(state: ComponentState, storage?: StoredExtent): void;
}
