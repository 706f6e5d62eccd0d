import type * as tf from "@tensorflow/tfjs-core";
import { join } from "node:path";
import type { JsonValue, ReplayBuffer } from "@tdrl/buffers";
import { loadWeights, saveWeights, type HasParameters } from "@tdrl/modules";
import type { LossModule } from "@tdrl/losses";
import { hasCheckpoint, readCheckpoint, writeCheckpoint } from "../run/checkpoint-files";
import { restoreAdamState, saveAdamState, type AdamStateMeta } from "../run/optimizer-state";

/** The parts of a training run a checkpoint holds besides its JSON state. */
export interface CheckpointTargets {
  qnet: HasParameters;
  loss: LossModule;
  optimizer: tf.Optimizer;
  buffer: ReplayBuffer;
}

/** A run directory's checkpoint lives here. */
export function checkpointDir(runDir: string): string {
  return join(runDir, "checkpoint");
}

/**
 * Writes a complete training checkpoint into `<runDir>/checkpoint` (atomically, see `writeCheckpoint`):
 * online and target weights (safetensors bytes), Adam's exact state, the replay buffer (`dumps`) and the
 * loop state (counters, RNG states, env and runner snapshots).
 *
 * @example
 * // see dqn-cartpole.test.ts: a run stopped at a checkpoint and resumed ends with the same weights.
 * typeof saveTrainingCheckpoint; // "function"
 */
export async function saveTrainingCheckpoint(runDir: string, parts: CheckpointTargets, state: JsonValue): Promise<void> {
  const adam = await saveAdamState(parts.optimizer);
  writeCheckpoint(checkpointDir(runDir), {
    json: { state, adamMeta: adam.meta as unknown as JsonValue },
    arrays: { qnet: saveWeights(parts.qnet), target: saveWeights(parts.loss.targetModule()), adam: adam.data },
    dirs: { buffer: (dir) => parts.buffer.dumps(dir) },
  });
}

/** Whether a run directory holds a checkpoint. */
export function findCheckpoint(runDir: string): boolean {
  return hasCheckpoint(checkpointDir(runDir));
}

/** Restores what `saveTrainingCheckpoint` wrote into freshly built parts; returns the saved state. */
export function loadTrainingCheckpoint(runDir: string, parts: CheckpointTargets): JsonValue {
  const ckpt = readCheckpoint(checkpointDir(runDir));
  loadWeights(parts.qnet, ckpt.array("qnet", Uint8Array));
  loadWeights(parts.loss.targetModule(), ckpt.array("target", Uint8Array));
  restoreAdamState(parts.optimizer, { meta: ckpt.json("adamMeta") as unknown as AdamStateMeta, data: ckpt.array("adam", Float32Array) }, parts.loss.parameterList());
  parts.buffer.loads(ckpt.directory("buffer"));
  return ckpt.json("state");
}

/** Which weights `eval` plays: the best evaluation's (`best/`) or the last checkpoint's. */
export type PolicyChoice = "best" | "last";

/** Where the weights of a run's best evaluation so far are kept (beside `checkpoint/`). */
export function bestModelDir(runDir: string): string {
  return join(runDir, "best");
}

/** When the best model was saved, and its evaluation. */
export interface BestModelInfo {
  frames: number;
  evalMean: number;
}

/**
 * Writes the online weights of the run's best evaluation into `<runDir>/best` (atomically, like a
 * checkpoint), so a run whose greedy score falls back later still keeps the agent at its best.
 *
 * @example
 * // trainRun calls it after each evaluation that beats the best so far; `eval --policy best` plays it.
 * typeof saveBestModel; // "function"
 */
export function saveBestModel(runDir: string, qnet: HasParameters, info: BestModelInfo): void {
  writeCheckpoint(bestModelDir(runDir), { json: { best: { ...info } }, arrays: { qnet: saveWeights(qnet) } });
}

/** The best model's frames and evaluation, or null when the run has none yet. */
export function readBestModelInfo(runDir: string): BestModelInfo | null {
  if (!hasCheckpoint(bestModelDir(runDir))) return null;
  return readCheckpoint(bestModelDir(runDir)).json("best") as unknown as BestModelInfo;
}

/** Loads only the online weights of a run, its best evaluation's or its last checkpoint's (for `eval`). */
export function loadPolicyWeights(runDir: string, qnet: HasParameters, choice: PolicyChoice = "last"): void {
  if (choice === "best" && !hasCheckpoint(bestModelDir(runDir))) {
    throw new Error(`${runDir} has no best model yet (no evaluation has finished): play the last checkpoint with --policy last`);
  }
  loadWeights(qnet, readCheckpoint(choice === "best" ? bestModelDir(runDir) : checkpointDir(runDir)).array("qnet", Uint8Array));
}
