// The browser build's stand-in for checkpoint.ts (tsup.shared.ts swaps `x.browser.ts` in for `x.ts` in a
// package's browser entry): a page has no file system, so ReplayBuffer.dumps / loads say so instead of
// pulling node:fs into the bundle. Same exports as checkpoint.ts (checkpoint-browser.test.ts checks it).
import type { CheckpointParts } from "./checkpoint";

export type { CheckpointParts };

function needsNode(what: string): never {
  throw new Error(
    `${what} writes and reads files, which needs Node: a browser has no file system. ` +
      `In a browser keep the buffer in memory (LazyTensorStorage / ListStorage).`,
  );
}

/** Browser build: throws, naming what needs Node. */
export function saveCheckpoint(dir: string, _parts: CheckpointParts): void {
  needsNode(`Saving a replay buffer checkpoint to ${JSON.stringify(dir)}`);
}

/** Browser build: throws, naming what needs Node. */
export function loadCheckpoint(dir: string, _parts: CheckpointParts): void {
  needsNode(`Loading a replay buffer checkpoint from ${JSON.stringify(dir)}`);
}

/** Browser build: throws, naming what needs Node. */
export function writeSynced(file: string, _text: string): void {
  needsNode(`Writing ${JSON.stringify(file)}`);
}
