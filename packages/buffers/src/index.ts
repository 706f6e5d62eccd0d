// @tdrl/buffers: replay buffers built as storage + sampler + writer (TorchRL's design).

export type { ComponentState, JsonValue, StateArray } from "./component-state";
export { type Storage, type FileBackedStorage, type StoredExtent, isFileBacked, writeShape, storageShapeFor } from "./storage";
export type { Sampler, SampleResult } from "./sampler";
export type { Writer } from "./writer";

export { ListStorage } from "./list-storage";
export { LazyTensorStorage, type LazyTensorStorageOptions } from "./lazy-tensor-storage";
export { LazyMemmapStorage, type LazyMemmapStorageOptions } from "./lazy-memmap-storage";

export { RoundRobinWriter } from "./round-robin-writer";
export { MaxValueWriter, type MaxValueWriterOptions } from "./max-value-writer";
export { ImmutableDatasetWriter } from "./immutable-dataset-writer";

export { ReplayBuffer, type ReplayBufferOptions, type Sample, type SampleTransform } from "./replay-buffer";
export { TensorDictReplayBuffer, type TensorDictReplayBufferOptions } from "./tensordict-replay-buffer";
export { saveCheckpoint, loadCheckpoint, type CheckpointParts } from "./checkpoint";

// ---- Samplers (written by the samplers colleague; lead: check these names against their report) ----
export { RandomSampler } from "./random-sampler";
export { PrioritizedSampler, PRIORITY_WEIGHT_KEY, type PrioritizedSamplerOptions } from "./prioritized-sampler";
export { SamplerWithoutReplacement, type SamplerWithoutReplacementOptions } from "./sampler-without-replacement";
export { SliceSampler, type SliceSamplerOptions } from "./slice-sampler";
export { PrioritizedSliceSampler, type PrioritizedSliceSamplerOptions } from "./prioritized-slice-sampler";
export type { SamplerRngOptions } from "./sampler-support";
export { SumTree, MinTree } from "./segment-tree";
// Verified file I/O (fsync'd writes, size + sha256 checked reads), shared with the examples' run checkpoints.
export { writeBinaryFile, readVerifiedFile, hashFile } from "./binary-file";
export { DirectoryLock, LOCK_FILE, type LockHolder } from "./directory-lock";
