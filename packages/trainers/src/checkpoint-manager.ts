import type * as tf from "@tensorflow/tfjs-core";
import { readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { JsonValue, ReplayBuffer, StateArray } from "@tdrl/buffers";
import { loadWeights, saveWeights, type HasParameters } from "@tdrl/modules";
import { hasCheckpoint, readCheckpoint, writeCheckpoint } from "./checkpoint-files";
import { restoreAdamState, saveAdamState, type AdamStateMeta } from "./optimizer-state";
import type { TrainerState } from "./trainer";

/** The parts of a training run a checkpoint holds besides the trainer's state. */
export interface CheckpointTargets {
  /** The trained network (online weights). */
  qnet: HasParameters;
  /** The target network, when the loss keeps one. */
  target?: HasParameters;
  optimizer: tf.Optimizer;
  /** Adam's state is saved in the order of these variables. */
  parameters: () => tf.Variable[];
  buffer?: ReplayBuffer;
  /** More state a run keeps (e.g. frames stored beside the buffer), by name: JSON and typed arrays. */
  extras?: Record<string, Checkpointable>;
}

/** Something a checkpoint saves and restores: its state as JSON and typed arrays. */
export interface Checkpointable {
  state(): { json: JsonValue; arrays: Record<string, StateArray> };
  loadState(state: { json: JsonValue; arrays: Record<string, StateArray> }): void;
}

export interface CheckpointManagerOptions {
  /** The run's recipe (its config): a checkpoint of another recipe is refused on load, naming the keys that differ. */
  recipe?: Record<string, unknown>;
  /** Recipe keys a resume may change (default `["totalFrames"]`: a run may be extended). */
  resumableKeys?: readonly string[];
  /** Checkpoints kept: the newest in `checkpoint/`, older ones in `checkpoint-<frames>/` (default 1). */
  keepLast?: number;
}

/** What `CheckpointManager.load` restores besides the targets. */
export interface LoadedCheckpoint {
  trainer: TrainerState;
  /** What `save` was given as `extra` (e.g. logger positions). */
  extra: JsonValue;
}

/** A run directory's newest checkpoint lives here. */
export function checkpointDir(runDir: string): string {
  return join(runDir, "checkpoint");
}

/**
 * Writes and reads a run's checkpoints: online and target weights (safetensors bytes), Adam's exact state,
 * the replay buffer (`dumps`), the trainer's state (counters, RNG streams, `collector.state()`, episodes in
 * progress, totals) and the recipe. Each is written atomically (`writeCheckpoint`: a crash leaves the
 * previous whole checkpoint); the newest `keepLast` are kept. `load` refuses a checkpoint of another recipe
 * with a message naming the differing keys. Registered at a `Trainer`'s "checkpoint" stage it saves
 * every `checkpointEvery` frames and at the end, the random warm-up included (before the first gradient
 * step Adam has no moments yet; such a checkpoint resumes as exactly as any other).
 *
 * @example
 * import * as tf from "@tensorflow/tfjs-core";
 * import { mkdtempSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { Rng } from "@tdrl/tensordict";
 * import { MLP } from "@tdrl/modules";
 * const net = new MLP({ inFeatures: 2, outFeatures: 1, numCells: [4], rng: new Rng(0) });
 * const targets = { qnet: net, optimizer: tf.train.adam(1e-3), parameters: () => [...net.parameters().values()] };
 * const dir = mkdtempSync(join(tmpdir(), "run-"));
 * const state = { frames: 10, updates: 0, episodes: 0, bestEval: -1, solvedAtFrames: null, seconds: 1, lastEval: null, rngs: {}, collector: null, episodeStats: { returns: [], lengths: [] } };
 * await new CheckpointManager(dir, targets, { recipe: { lr: 1e-3 } }).save(state);
 * let refused = "";
 * try { new CheckpointManager(dir, targets, { recipe: { lr: 3e-4 } }).load(); } catch (e) { refused = (e as Error).message; }
 * refused.includes("lr (checkpoint 0.001, this run 0.0003)"); // true
 */
export class CheckpointManager {
  readonly runDir: string;
  readonly targets: CheckpointTargets;
  readonly keepLast: number;
  private readonly recipe: Record<string, unknown> | undefined;
  private readonly resumableKeys: readonly string[];

  constructor(runDir: string, targets: CheckpointTargets, options: CheckpointManagerOptions = {}) {
    const keep = options.keepLast ?? 1;
    if (!(Number.isInteger(keep) && keep >= 1))
      throw new Error(`CheckpointManager: keepLast must be a positive integer, got ${String(keep)}`);
    this.runDir = runDir;
    this.targets = targets;
    this.keepLast = keep;
    this.recipe = options.recipe;
    this.resumableKeys = options.resumableKeys ?? ["totalFrames"];
  }

  /** Where the newest checkpoint is. */
  get dir(): string {
    return checkpointDir(this.runDir);
  }

  /** Whether the run has a checkpoint. */
  exists(): boolean {
    return hasCheckpoint(this.dir);
  }

  /** Writes a checkpoint of the targets and `state` (atomically); older ones beyond `keepLast` are removed. */
  async save(state: TrainerState, extra: JsonValue = null): Promise<void> {
    const { qnet, target, optimizer, buffer } = this.targets;
    const adam = await saveAdamState(optimizer);
    const extraJson: Record<string, JsonValue> = {};
    const extraArrays: Record<string, StateArray> = {};
    for (const [name, part] of Object.entries(this.targets.extras ?? {})) {
      const s = part.state();
      extraJson[`extra.${name}`] = { json: s.json, arrays: Object.keys(s.arrays) };
      for (const [k, a] of Object.entries(s.arrays)) extraArrays[`extra.${name}.${k}`] = a;
    }
    const previous = this.exists() && this.keepLast > 1 ? readCheckpoint(this.dir).json("state") : null;
    const previousFrames = (previous as { trainer?: { frames?: number } } | null)?.trainer?.frames;
    writeCheckpoint(
      this.dir,
      {
        json: {
          state: { trainer: state as unknown as JsonValue, extra },
          recipe: (this.recipe ?? null) as JsonValue,
          adamMeta: adam.meta as unknown as JsonValue,
          ...extraJson,
        },
        arrays: {
          qnet: saveWeights(qnet),
          ...(target === undefined ? {} : { target: saveWeights(target) }),
          adam: adam.data,
          ...extraArrays,
        },
        ...(buffer === undefined ? {} : { dirs: { buffer: (dir: string) => buffer.dumpToDirectory(dir) } }),
      },
      previousFrames === undefined ? {} : { keepPrevious: join(this.runDir, `checkpoint-${previousFrames}`) },
    );
    this.prune();
  }

  /** Frames of the kept older checkpoints (`checkpoint-<frames>/`), newest first. */
  olderCheckpoints(): number[] {
    return readdirSync(this.runDir)
      .map((name) => /^checkpoint-(\d+)$/.exec(name))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]))
      .sort((a, b) => b - a);
  }

  private prune(): void {
    for (const frames of this.olderCheckpoints().slice(this.keepLast - 1))
      rmSync(join(this.runDir, `checkpoint-${frames}`), { recursive: true, force: true });
  }

  /** Restores the newest checkpoint into the targets; refuses one of another recipe (nothing is changed then). */
  load(): LoadedCheckpoint {
    const ckpt = readCheckpoint(this.dir);
    if (this.recipe !== undefined) {
      const saved = ckpt.names.includes("recipe") ? ckpt.json("recipe") : null;
      if (saved !== null) {
        const diffs = recipeDifferences(saved as Record<string, unknown>, this.recipe).filter(
          (d) => !this.resumableKeys.includes(d.key),
        );
        if (diffs.length > 0) {
          const text = diffs
            .map((d) => `${d.key} (checkpoint ${show(d.saved)}, this run ${show(d.current)})`)
            .join(", ");
          throw new Error(`${this.dir} is a checkpoint of another recipe: ${text}`);
        }
      }
    }
    const { qnet, target, optimizer, parameters, buffer } = this.targets;
    loadWeights(qnet, ckpt.array("qnet", Uint8Array));
    if (target !== undefined) loadWeights(target, ckpt.array("target", Uint8Array));
    restoreAdamState(
      optimizer,
      { meta: ckpt.json("adamMeta") as unknown as AdamStateMeta, data: ckpt.array("adam", Float32Array) },
      parameters(),
    );
    if (buffer !== undefined) buffer.loadFromDirectory(ckpt.directory("buffer"));
    for (const [name, part] of Object.entries(this.targets.extras ?? {})) {
      const saved = ckpt.json(`extra.${name}`) as { json: JsonValue; arrays: string[] };
      const arrays: Record<string, StateArray> = {};
      for (const k of saved.arrays) arrays[k] = ckpt.anyArray(`extra.${name}.${k}`);
      part.loadState({ json: saved.json, arrays });
    }
    const state = ckpt.json("state") as { trainer?: TrainerState; loop?: TrainerState; extra?: JsonValue };
    // Checkpoints of the examples before @tdrl/trainers held the state under "loop".
    const trainer = state.trainer ?? state.loop;
    if (trainer === undefined) throw new Error(`${this.dir}: the checkpoint's state holds no trainer state`);
    return { trainer, extra: state.extra ?? null };
  }
}

/** The keys (dotted, for nested objects) whose values differ between two recipes. */
export function recipeDifferences(
  saved: Record<string, unknown>,
  current: Record<string, unknown>,
  prefix = "",
): { key: string; saved: unknown; current: unknown }[] {
  const out: { key: string; saved: unknown; current: unknown }[] = [];
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === "object" && v !== null && !Array.isArray(v);
  for (const k of [...new Set([...Object.keys(saved), ...Object.keys(current)])]) {
    const a = saved[k];
    const b = current[k];
    const key = prefix === "" ? k : `${prefix}.${k}`;
    if (isObject(a) && isObject(b)) out.push(...recipeDifferences(a, b, key));
    else if (JSON.stringify(a) !== JSON.stringify(b)) out.push({ key, saved: a, current: b });
  }
  return out;
}

function show(v: unknown): string {
  return v === undefined ? "absent" : JSON.stringify(v);
}

/** Which weights a player loads: the best evaluation's (`best/`) or the last checkpoint's. */
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
 * import { mkdtempSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { Rng } from "@tdrl/tensordict";
 * import { MLP } from "@tdrl/modules";
 * const dir = mkdtempSync(join(tmpdir(), "run-"));
 * saveBestModel(dir, new MLP({ inFeatures: 2, outFeatures: 1, numCells: [4], rng: new Rng(0) }), { frames: 5000, evalMean: 120 });
 * readBestModelInfo(dir)?.frames; // 5000
 */
export function saveBestModel(runDir: string, qnet: HasParameters, info: BestModelInfo): void {
  writeCheckpoint(bestModelDir(runDir), { json: { best: { ...info } }, arrays: { qnet: saveWeights(qnet) } });
}

/** The best model's frames and evaluation, or null when the run has none yet. */
export function readBestModelInfo(runDir: string): BestModelInfo | null {
  if (!hasCheckpoint(bestModelDir(runDir))) return null;
  return readCheckpoint(bestModelDir(runDir)).json("best") as unknown as BestModelInfo;
}

/** Loads only the online weights of a run, its best evaluation's or its last checkpoint's (for playing it). */
export function loadPolicyWeights(runDir: string, qnet: HasParameters, choice: PolicyChoice = "last"): void {
  if (choice === "best" && !hasCheckpoint(bestModelDir(runDir))) {
    throw new Error(
      `${runDir} has no best model yet (no evaluation has finished): play the last checkpoint with --policy last`,
    );
  }
  loadWeights(
    qnet,
    readCheckpoint(choice === "best" ? bestModelDir(runDir) : checkpointDir(runDir)).array("qnet", Uint8Array),
  );
}
