// @tdrl/buffers: replay buffers built as storage + sampler + writer (TorchRL's design). This is the Node
// entry (the "node" export condition and @tdrl/buffers/node): the browser entry's names (./browser.ts),
// plus the file-backed pieces.

export * from "./browser";

export { LazyMemmapStorage, type LazyMemmapStorageOptions } from "./lazy-memmap-storage";
export { DirectoryLock, LOCK_FILE, type LockHolder } from "./directory-lock";
export { saveCheckpoint, loadCheckpoint, type CheckpointParts } from "./checkpoint";
