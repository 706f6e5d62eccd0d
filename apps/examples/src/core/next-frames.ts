import { HostArray } from "@tdrl/tensordict";
import type { JsonValue, StateArray, Storage } from "@tdrl/buffers";

/** The state `NextFrames` keeps beside the buffer, for checkpoints. */
export interface NextFramesState {
  json: JsonValue;
  arrays: Record<string, StateArray>;
}

/**
 * Stores each pixel frame once: a step's `next.pixels` is the following step's `pixels`, which the
 * 2-dim time-major storage already holds one row further on (`f + numEnvs`), except after an episode's
 * end (the terminal frame; the next row starts with the reset frame) and for the newest row (its
 * successor is still the collector's pending record). Only those frames are kept here, one per episode
 * end plus one row: the replay stores 1 frame a step instead of 2. `add` checks every frame it drops equals
 * the one it will be rebuilt from (else it throws), so sampled batches are the ones a full store would give.
 *
 * @example
 * import { HostArray, TensorDict } from "@tdrl/tensordict";
 * import { LazyTensorStorage } from "@tdrl/buffers";
 * const storage = new LazyTensorStorage(8, { ndim: 2 });
 * const frames = new NextFrames(1, 8, 1);
 * const u8 = (v: number[]) => HostArray.from("uint8", [1, v.length, 1], v);
 * // One env, 4 steps; the episode ends at step 1 (terminal frame 9, then reset frame 20).
 * const pixels = u8([1, 2, 20, 21]);
 * frames.add(pixels, u8([2, 9, 21, 22]), HostArray.from("bool", [1, 4, 1], [0, 1, 0, 0]), storage.writeCursor);
 * storage.set(Int32Array.from([0, 1, 2, 3]), new TensorDict({ pixels }, [1, 4]));
 * frames.nextPixels(storage, Int32Array.from([0, 1, 3]), "pixels").data; // Uint8Array [2, 9, 22]
 */
export class NextFrames {
  private readonly entries = new Map<number, Uint8Array>();
  private readonly pending = new Set<number>();
  private rowsWritten = 0;

  constructor(
    readonly numEnvs: number,
    /** Steps per env the storage holds (`floor(maxSize / numEnvs)`). */
    readonly rows: number,
    /** Bytes of one frame. */
    readonly frameBytes: number,
  ) {}

  /** Frames kept here (episode ends and the newest row). */
  get size(): number {
    return this.entries.size;
  }

  /**
   * Books a `[numEnvs, T]` batch about to be written at the storage's `writeCursor` (its flat element
   * count): keeps the next frames that cannot be derived, checks the others.
   */
  add(pixels: HostArray, nextPixels: HostArray, done: HostArray, writeCursor: number): void {
    const { numEnvs, rows, frameBytes } = this;
    const [envs, steps] = pixels.shape;
    if (
      envs !== numEnvs ||
      pixels.data.length !== numEnvs * steps! * frameBytes ||
      nextPixels.data.length !== pixels.data.length
    ) {
      throw new Error(
        `NextFrames.add: expected [${numEnvs}, T] batches of ${frameBytes}-byte frames, got pixels [${pixels.shape.join(", ")}]`,
      );
    }
    if (Math.floor(writeCursor / numEnvs) % rows !== this.rowsWritten % rows) {
      throw new Error(
        `NextFrames.add: the storage writes at row ${Math.floor(writeCursor / numEnvs) % rows}, this store expected row ${this.rowsWritten % rows}`,
      );
    }
    const T = steps!;
    const frame = (a: HostArray, e: number, t: number) =>
      (a.data as Uint8Array).subarray((e * T + t) * frameBytes, (e * T + t + 1) * frameBytes);
    const flat = (absRow: number, e: number) => (absRow % rows) * numEnvs + e;
    for (let e = 0; e < numEnvs; e++) {
      // The newest row's successor has come: its frames are derivable now.
      const f = flat(this.rowsWritten - 1 + rows, e);
      if (this.rowsWritten > 0 && this.pending.has(f)) {
        if (!same(this.entries.get(f)!, frame(pixels, e, 0)))
          throw new Error(`NextFrames.add: env ${e}'s first frame is not the previous batch's last next frame`);
        this.entries.delete(f);
        this.pending.delete(f);
      }
    }
    for (let t = 0; t < T; t++) {
      for (let e = 0; e < numEnvs; e++) {
        const f = flat(this.rowsWritten + t, e);
        this.entries.delete(f); // overwritten
        this.pending.delete(f);
        const next = frame(nextPixels, e, t);
        if (done.data[e * T + t]) this.entries.set(f, next.slice());
        else if (t < T - 1) {
          if (!same(next, frame(pixels, e, t + 1)))
            throw new Error(`NextFrames.add: env ${e} step ${t}: next.pixels is not the following step's pixels`);
        } else {
          this.entries.set(f, next.slice());
          this.pending.add(f);
        }
      }
    }
    this.rowsWritten += T;
  }

  /**
   * The `next.pixels` of the stored steps at flat `index`, as uint8 `[index.length, ...frame]`. Given
   * `sampled` (the frames of these same steps, as a sampler gathered them), a step whose successor is the
   * next sampled step (all but the last step of a slice) copies that frame instead of reading the storage
   * again; given `out` (same size), the frames are written there (a replay reuses it across updates).
   */
  nextPixels(
    storage: Storage,
    index: Int32Array,
    key: string,
    options: { sampled?: HostArray; out?: HostArray<"uint8"> } = {},
  ): HostArray<"uint8"> {
    const { numEnvs, rows, frameBytes } = this;
    const { sampled, out: given } = options;
    if (sampled !== undefined && (sampled.dtype !== "uint8" || sampled.data.length !== index.length * frameBytes))
      throw new Error(
        `NextFrames.nextPixels: sampled must be uint8 frames of the ${index.length} steps (${index.length * frameBytes} bytes), got ${sampled.dtype} of ${sampled.data.length}`,
      );
    if (given !== undefined && given.data.length !== index.length * frameBytes)
      throw new Error(
        `NextFrames.nextPixels: out has ${given.data.length} bytes, ${index.length} frames need ${index.length * frameBytes}`,
      );
    // Kept frames need no read (and the newest row's successor may not be written yet): read the step itself.
    const successor = (f: number) =>
      this.entries.has(f) ? f : ((Math.floor(f / numEnvs) + 1) % rows) * numEnvs + (f % numEnvs);
    const inBatch = (i: number) =>
      sampled !== undefined &&
      i + 1 < index.length &&
      !this.entries.has(index[i]!) &&
      index[i + 1] === successor(index[i]!);
    const reads: number[] = [];
    for (let i = 0; i < index.length; i++) if (!inBatch(i)) reads.push(i);
    const following = storage.getLeaf(
      key,
      Int32Array.from(reads, (i) => successor(index[i]!)),
    );
    const out = given ?? new HostArray("uint8", [index.length, ...following.shape.slice(1)]);
    const read = following.data as Uint8Array;
    const batch = sampled?.data as Uint8Array | undefined;
    let r = 0;
    for (let i = 0; i < index.length; i++) {
      const f = index[i]!;
      const frame =
        this.entries.get(f) ??
        (r < reads.length && reads[r] === i
          ? read.subarray(r * frameBytes, (r + 1) * frameBytes)
          : batch!.subarray((i + 1) * frameBytes, (i + 2) * frameBytes));
      if (r < reads.length && reads[r] === i) r += 1;
      out.data.set(frame, i * frameBytes);
    }
    return out;
  }

  state(): NextFramesState {
    const keys = [...this.entries.keys()].sort((a, b) => a - b);
    const frames = new Uint8Array(keys.length * this.frameBytes);
    keys.forEach((k, i) => frames.set(this.entries.get(k)!, i * this.frameBytes));
    return {
      json: { rowsWritten: this.rowsWritten, pending: [...this.pending].sort((a, b) => a - b) },
      arrays: { keys: Int32Array.from(keys), frames },
    };
  }

  loadState(s: NextFramesState): void {
    const json = s.json as { rowsWritten?: unknown; pending?: unknown };
    const keys = s.arrays.keys;
    const frames = s.arrays.frames;
    if (
      typeof json?.rowsWritten !== "number" ||
      !Array.isArray(json.pending) ||
      !(keys instanceof Int32Array) ||
      !(frames instanceof Uint8Array) ||
      frames.length !== keys.length * this.frameBytes
    ) {
      throw new Error(
        "NextFrames.loadState: expected { rowsWritten, pending } and arrays keys (int32) and frames (uint8) of matching lengths",
      );
    }
    this.entries.clear();
    this.pending.clear();
    keys.forEach((k, i) => this.entries.set(k, frames.slice(i * this.frameBytes, (i + 1) * this.frameBytes)));
    for (const f of json.pending as number[]) this.pending.add(f);
    this.rowsWritten = json.rowsWritten;
  }
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
