import { HostArray, TensorDict } from "@tdrl/tensordict";
import { GrayScale } from "./gray-scale";
import {
  UNIT_FLOAT,
  byteWords,
  bytesThroughTable,
  bytesToGray,
  differingSpan,
  nativeBytesEqual,
} from "./image-kernels";
import { ObservationNorm } from "./observation-norm";
import { Resize } from "./resize";
import type { ToTensorImage } from "./to-tensor-image";
import { Transform, missingKeyError } from "./transform";

/** The transforms a pipeline stands for, in the one order they can come in. */
interface Stages {
  readonly toTensor: ToTensorImage<string>;
  readonly gray: GrayScale | null;
  readonly resize: Resize | null;
  readonly norm: ObservationNorm | null;
}

/**
 * ToTensorImage followed by any of GrayScale, Resize and ObservationNorm (in that order, on the same keys,
 * in place), run as one pass from the env's uint8 frames (what `Compose` plans for them; see
 * `Transform.fuseWith`). Grey values are formed per input row straight from the bytes and fed to the
 * resize's width pass, so no full-size float image is built; a row that repeats the previous one outside a
 * narrow span (most rows of a CartPole frame are background) is converted and width-resampled only where
 * it differs, and output rows over a flat band reuse sums (`ResizePlan.widthRowSpan`). With no resize,
 * ToTensorImage and ObservationNorm become one 256-entry table (`ObservationNorm.unitByteTable`: its own
 * arithmetic on the 256 byte values, so exact). Every value equals the unfused chain's bit for bit. Inputs the
 * single pass does not cover (float32 images, bad shapes) run the transforms one after the other, so they
 * give the same results and the same errors.
 */
export class FusedImagePipeline extends Transform {
  private readonly stages: Stages;
  private readonly parts: readonly Transform[];
  /** One input row of grey (or unit float) values, reused. */
  private row = new Float32Array(0);
  /** Per input key, private copies of the table path's last bytes and values (see `throughTable`). */
  private readonly last: ({ words: Uint32Array; values: Float32Array; lut: Float32Array } | undefined)[] = [];
  /** Fresh output space handed out as views (see `fresh`), and how much of it is used. */
  private slab = new Float32Array(0);
  private slabUsed = 0;
  /** `differingSpan`'s result, reused. */
  private readonly span = new Int32Array(2);
  /** The last span found in the current image, where the next changed row's is looked for first. */
  private readonly hint = new Int32Array(2);

  private constructor(stages: Stages) {
    super({ inKeys: stages.toTensor.inKeys, outKeys: stages.toTensor.outKeys });
    this.stages = stages;
    this.parts = [stages.toTensor, stages.gray, stages.resize, stages.norm].filter(
      (t): t is NonNullable<typeof t> => t !== null,
    );
  }

  /** The pipeline of `toTensor` then `next`, or null when they do not fuse. */
  static start(toTensor: ToTensorImage<string>, next: Transform): FusedImagePipeline | null {
    if (toTensor.channelsFirst) return null;
    return new FusedImagePipeline({ toTensor, gray: null, resize: null, norm: null }).fuseWith(next);
  }

  override get name(): string {
    // Read by the base constructor's key checks too, before `parts` is set.
    const parts = this.parts as readonly Transform[] | undefined;
    return parts === undefined ? "FusedImagePipeline" : parts.map((t) => t.name).join("+");
  }

  override fuseWith(next: Transform): FusedImagePipeline | null {
    const { gray, resize, norm } = this.stages;
    // `next` must transform this pipeline's output keys in place: nothing else can see the values in between.
    if (!sameKeys(next.inKeys, this.outKeys) || !sameKeys(next.outKeys, next.inKeys)) return null;
    if (norm !== null) return null;
    if (next instanceof ObservationNorm) return new FusedImagePipeline({ ...this.stages, norm: next });
    if (next instanceof Resize && resize === null && !next.channelsFirst)
      return new FusedImagePipeline({ ...this.stages, resize: next });
    if (next instanceof GrayScale && gray === null && resize === null && !next.channelsFirst)
      return new FusedImagePipeline({ ...this.stages, gray: next });
    return null;
  }

  override touchedKeys(): readonly string[] {
    return [...this.inKeys, ...this.outKeys];
  }

  protected override missingKey(key: string, record: TensorDict, where: string): Error {
    // The error the unfused chain would give: its first transform's.
    return missingKeyError(this.stages.toTensor.name, key, record, where);
  }

  protected override _call(record: TensorDict): TensorDict {
    const batchDims = record.batchDims;
    const present: number[] = [];
    for (let i = 0; i < this.inKeys.length; i++) {
      if (!record.has(this.inKeys[i]!)) continue;
      if (!this.fits(record.get(this.inKeys[i]!), batchDims)) {
        // Not a frame the single pass covers: the parts in turn, with their own results and errors.
        for (const part of this.parts) Transform.callOf(part, record);
        return record;
      }
      present.push(i);
    }
    for (const i of present) {
      const out = this.run(record.get(this.inKeys[i]!) as HostArray<"uint8">, batchDims, i);
      record.set(this.outKeys[i]!, out.normalized ? out.leaf : this.normalize(out.leaf, record.batchSize, i));
    }
    return record;
  }

  /** Whether `value` is a (non-empty) uint8 channels-last image batch that the single pass takes. */
  private fits(value: unknown, batchDims: number): value is HostArray<"uint8"> {
    if (
      !(value instanceof HostArray) ||
      value.dtype !== "uint8" ||
      value.shape.length - batchDims < 3 ||
      value.size === 0
    )
      return false;
    const channels = value.shape[value.shape.length - 1]!;
    return this.stages.gray === null || channels === 1 || channels === 3;
  }

  private run(
    leaf: HostArray<"uint8">,
    batchDims: number,
    keyIndex: number,
  ): { leaf: HostArray<"float32">; normalized: boolean } {
    const { gray, resize, norm } = this.stages;
    const shape = leaf.shape;
    const rank = shape.length;
    const [height, width, channels] = [shape[rank - 3]!, shape[rank - 2]!, shape[rank - 1]!];
    const images = leaf.size / (height * width * channels);
    const src = leaf.data;
    const toGray = gray !== null && channels === 3;
    const outChannels = toGray ? 1 : channels;
    const resizing = resize !== null && !(resize.h === height && resize.w === width);
    const batch = shape.slice(0, rank - 3);
    if (resizing) {
      const plan = resize.planFor(height, width, outChannels);
      const out = new Float32Array(images * resize.h * resize.w * outChannels);
      const rowLength = width * outChannels;
      if (this.row.length !== rowLength) this.row = new Float32Array(rowLength);
      const row = this.row;
      const words = byteWords(src);
      const equal = nativeBytesEqual(src);
      const inRow = width * channels;
      const span = this.span;
      const hint = this.hint;
      for (let n = 0; n < images; n++) {
        hint[0] = hint[1] = 0;
        const imageBase = n * height * width * channels;
        for (let y = 0; y < height; y++) {
          const rowBase = imageBase + y * inRow;
          if (y === 0) {
            if (toGray) bytesToGray(src, rowBase, width, row, 0, words);
            else for (let j = 0; j < rowLength; j++) row[j] = UNIT_FLOAT[src[rowBase + j]!]!;
            plan.widthRow(row, 0, y);
            continue;
          }
          // `row` still holds row y - 1's values: only the pixels where the bytes differ are converted again,
          // and only the width-pass outputs that read them are summed again (identical inputs, identical sums).
          differingSpan(src, words, rowBase - inRow, rowBase, inRow, span, equal, hint);
          if (span[0]! >= span[1]!) {
            plan.widthRowSpan(row, 0, y, 0, 0);
            continue;
          }
          hint.set(span);
          // Whole pixels, from a multiple of four so the grey conversion can read aligned words.
          const from = Math.floor(span[0]! / channels) & ~3;
          const to = Math.ceil(span[1]! / channels);
          if (toGray) bytesToGray(src, rowBase + 3 * from, to - from, row, from, words);
          else for (let j = from * channels; j < to * channels; j++) row[j] = UNIT_FLOAT[src[rowBase + j]!]!;
          plan.widthRowSpan(row, 0, y, from, to);
        }
        plan.heightPass(out, n * resize.h * resize.w * outChannels);
      }
      return { leaf: new HostArray("float32", [...batch, resize.h, resize.w, outChannels], out), normalized: false };
    }
    if (toGray) {
      const out = new Float32Array(images * height * width);
      bytesToGray(src, 0, images * height * width, out, 0);
      return { leaf: new HostArray("float32", [...batch, height, width, 1], out), normalized: false };
    }
    // Values are still float32(v / 255) of the bytes: ObservationNorm folds into the look-up table. It is
    // asked for its table on every call (it keeps it, and drops it whenever loc or scale change), so a
    // pipeline that outlives a change (one in a held `parent` view) never uses a stale one.
    const table = norm !== null ? norm.unitByteTable(shape, batchDims, norm.inKeys[keyIndex]!) : null;
    const lut = table ?? UNIT_FLOAT;
    const normalized = norm === null || table !== null;
    return { leaf: new HostArray("float32", shape, this.throughTable(src, keyIndex, lut)), normalized };
  }

  /**
   * `src` through `lut` (channels last: element by element) into a new array. Only the 4-byte words that
   * differ from this key's previous frame are looked up; the rest are copied from private copies of that
   * frame's bytes and values, which are never handed out (so what callers do with their records cannot
   * reach them). Consecutive CartPole frames differ in a tenth to a fifth of their rows, and the sub-envs a
   * partial reset keeps not at all. Exact: equal bytes through the same table give the same values. Costs
   * one more copy of the key's bytes and float values in memory. (Comparing 512-byte blocks natively with
   * Buffer.compare and converting the differing blocks whole was measured 10% slower per CartPole step.)
   */
  private throughTable(src: Uint8Array, keyIndex: number, lut: Float32Array): Float32Array {
    const n = src.length;
    const words = byteWords(src);
    const last = this.last[keyIndex];
    if (words === null || n % 4 !== 0 || last === undefined || last.values.length !== n || last.lut !== lut) {
      const out = this.fresh(n);
      bytesThroughTable(src, 1, n, 1, false, lut, out);
      // Unaligned or odd-length frames (rare) always take the plain pass.
      this.last[keyIndex] =
        words === null || n % 4 !== 0 ? undefined : { words: new Uint32Array(words), values: out.slice(), lut };
      return out;
    }
    const previous = last.words;
    const values = last.values;
    const count = words.length;
    for (let j = 0; j < count; j++) {
      // Four words per test while they all agree (one branch per 16 bytes: most of a frame repeats the last);
      // measured 0.77x the time of this pass with one test per word, on one env and on a batch of 16.
      if (
        j + 4 <= count &&
        ((words[j]! ^ previous[j]!) |
          (words[j + 1]! ^ previous[j + 1]!) |
          (words[j + 2]! ^ previous[j + 2]!) |
          (words[j + 3]! ^ previous[j + 3]!)) ===
          0
      ) {
        j += 3;
        continue;
      }
      const x = words[j]!;
      if (x === previous[j]) continue;
      previous[j] = x;
      const i = 4 * j;
      values[i] = lut[x & 255]!;
      values[i + 1] = lut[(x >>> 8) & 255]!;
      values[i + 2] = lut[(x >>> 16) & 255]!;
      values[i + 3] = lut[x >>> 24]!;
    }
    const out = this.fresh(n);
    out.set(values);
    return out;
  }

  /**
   * A new zeroed array of `n` floats: a view of a slab of up to 8 such arrays (at most 256 KiB), each
   * handed out once, never again. One allocation instead of eight is measured about 1 µs per 84x84 frame
   * faster; the price is that a frame a caller keeps keeps its slab's memory (up to 8 frames) alive. A batch
   * of 16 84x84 frames (451 KB) gets an allocation per call: slabs of 2 and 4 MB were measured no faster.
   */
  private fresh(n: number): Float32Array {
    if (this.slabUsed + n > this.slab.length) {
      this.slab = new Float32Array(n * Math.max(1, Math.min(8, Math.floor(SLAB_BYTES / (4 * n)))));
      this.slabUsed = 0;
    }
    return this.slab.subarray(this.slabUsed, (this.slabUsed += n));
  }

  /** ObservationNorm on one pipeline output, through its own `_call` (a one-key record of the same batch). */
  private normalize(leaf: HostArray<"float32">, batchSize: readonly number[], keyIndex: number): HostArray<"float32"> {
    const norm = this.stages.norm;
    if (norm === null) return leaf;
    const record = new TensorDict({}, batchSize).set(norm.inKeys[keyIndex]!, leaf);
    return Transform.callOf(norm, record).getHost(norm.outKeys[keyIndex]!) as HostArray<"float32">;
  }
}

/** The most memory one slab of `FusedImagePipeline` outputs spans (see `fresh`). */
const SLAB_BYTES = 256 * 1024;

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((k, i) => k === b[i]);
}
