import { HostArray, TensorDict } from "@tdrl/tensordict";
import type { JsonValue, ReplayBuffer, StateArray } from "@tdrl/buffers";
import type { ObservationNorm } from "@tdrl/transforms";
import type { Checkpointable, Trainer } from "@tdrl/trainers";
import { BytePixels } from "./byte-pixels";
import { NextFrames } from "./next-frames";

/** A restored batch's float `pixels` and `next.pixels`, and the next frames' bytes, reused across updates. */
type Reused = [HostArray<"float32">, HostArray<"float32">, HostArray<"uint8">];

/** What of a collected batch is stored besides the pixels. */
export interface StoredKeys {
  root: readonly string[];
  next: readonly string[];
  /** Entries added to every stored batch (e.g. `env_id`, a slice sampler's trajectory key). */
  extra: Record<string, HostArray>;
}

/**
 * The flagship's compact replay of grey pixel frames, as two trainer hooks: at "batchProcess" a batch is
 * stored with its pixels as 8-bit frames (`BytePixels`) and without `next.pixels` (`NextFrames` keeps the
 * few it cannot rebuild); at "processOptimBatch" a sampled batch gets the env's float32 `pixels` and
 * `next.pixels` back, bit for bit. It is `Checkpointable`: give it to the `CheckpointManager`'s extras.
 *
 * @example
 * // see flagship.ts: `replay.register(trainer, { root: [...], next: [...], extra: { env_id } })`.
 * typeof PixelReplay; // "function"
 */
export class PixelReplay implements Checkpointable {
  private readonly bytes: BytePixels;
  private readonly frames: NextFrames;
  private reused: Reused | null = null;

  constructor(
    norm: ObservationNorm,
    private readonly buffer: ReplayBuffer,
    options: { numEnvs: number; bufferSize: number; frameBytes: number },
  ) {
    this.bytes = new BytePixels(norm);
    this.frames = new NextFrames(options.numEnvs, Math.floor(options.bufferSize / options.numEnvs), options.frameBytes);
  }

  /** A collected `[numEnvs, T]` batch as it is stored. */
  store(batch: TensorDict, keys: StoredKeys): TensorDict {
    const next = batch.get("next") as TensorDict;
    const pixels = this.bytes.encode(batch.get("pixels") as HostArray);
    this.frames.add(
      pixels,
      this.bytes.encode(next.get("pixels") as HostArray),
      next.get("done") as HostArray,
      this.buffer.storage.writeCursor,
    );
    const pick = (td: TensorDict, names: readonly string[]) =>
      Object.fromEntries(names.map((k) => [k, td.get(k) as HostArray]));
    return new TensorDict({ ...pick(batch, keys.root), ...keys.extra, pixels, next: pick(next, keys.next) }, [
      ...batch.batchSize,
    ]);
  }

  /**
   * Puts the env's float32 `pixels` and `next.pixels` into a sampled batch. The two float arrays are this
   * replay's own and are overwritten by the next `restore` (a batch lives for one update; the loss and
   * the data-parallel split copy what they keep): ~5 MB an update that is not garbage.
   */
  restore(batch: TensorDict): void {
    const pixels = batch.get("pixels") as HostArray;
    const index = (batch.get("index") as HostArray).data as Int32Array;
    const [out, nextOut, nextBytes] = this.decoded(pixels.shape);
    this.frames.nextPixels(this.buffer.storage, index, "pixels", { sampled: pixels, out: nextBytes });
    batch.set(["next", "pixels"], this.bytes.decode(nextBytes, nextOut));
    batch.set("pixels", this.bytes.decode(pixels, out));
  }

  /** The reused `pixels`, `next.pixels` and next-frame bytes arrays of this shape (new ones when the shape changes). */
  private decoded(shape: readonly number[]): Reused {
    const kept = this.reused;
    if (kept !== null && kept[0].shape.length === shape.length && kept[0].shape.every((d, i) => d === shape[i]))
      return kept;
    this.reused = [
      new HostArray("float32", [...shape]),
      new HostArray("float32", [...shape]),
      new HostArray("uint8", [...shape]),
    ];
    return this.reused;
  }

  /** Registers `store` at "batchProcess" and `restore` at "processOptimBatch". */
  register(trainer: Trainer, keys: StoredKeys): void {
    trainer.register("batchProcess", (batch) => this.store(batch, keys));
    trainer.register("processOptimBatch", (batch) => this.restore(batch));
  }

  state(): { json: JsonValue; arrays: Record<string, StateArray> } {
    return this.frames.state();
  }

  loadState(state: { json: JsonValue; arrays: Record<string, StateArray> }): void {
    this.frames.loadState(state);
  }
}
