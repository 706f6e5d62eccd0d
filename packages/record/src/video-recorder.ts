/// <reference path="./gifenc.d.ts" />
import { writeFileSync } from "node:fs";
import { HostArray, type TensorDict } from "@tdrl/tensordict";
import * as gifencModule from "gifenc";
import type { GifStream, Palette } from "gifenc";

// Bundlers (vitest) load gifenc's ESM build with named exports; Node loads its CommonJS build, whose API is
// then only the default export. Take the API from wherever it is.
const gifenc: typeof gifencModule =
  typeof gifencModule.quantize === "function"
    ? gifencModule
    : (gifencModule as unknown as { default: typeof gifencModule }).default;

export interface EpisodeGifOptions {
  /** Integer factor the frames are shrunk by, averaging each block of pixels (default 2: CartPole's 600x400 -> 300x200). */
  downscale?: number;
  /** Delay per frame in ms (default 20, CartPole's 50 fps). Browsers play delays under 20 ms at 10 fps, so those are refused. */
  delayMs?: number;
  /** Palette size, 2..256 (default 64: rendered scenes have few colours). */
  maxColors?: number;
}

/**
 * Encodes an episode's frames (uint8 `[H, W, 3]` RGB or `[H, W, 4]` RGBA, e.g. `CartPoleEnv.render()`) into an
 * animated GIF as they come, so an episode never sits in memory as raw frames. The palette is quantized once,
 * from the first frame: a rendered scene keeps its colours for the whole episode, and one palette keeps every
 * frame's colours identical (no flicker) and costs one quantization instead of one per frame.
 *
 * @example
 * import { HostArray } from "@tdrl/tensordict";
 * import { EpisodeGif, readGifInfo } from "./episode-gif";
 *
 * const gif = new EpisodeGif({ downscale: 2, delayMs: 40 });
 * for (let t = 0; t < 10; t++) {
 *   const frame = new HostArray("uint8", [40, 60, 3]);
 *   frame.data.fill(255);
 *   for (let y = 10; y < 30; y++) for (let x = 5 * t; x < 5 * t + 8; x++) frame.data.set([200, 30, 30], 3 * (60 * y + x));
 *   gif.addFrame(frame);
 * }
 * const info = readGifInfo(gif.finish());
 * if (info.frames !== 10 || info.width !== 30 || info.height !== 20) throw new Error(JSON.stringify(info));
 */
export class EpisodeGif {
  private readonly downscale: number;
  private readonly delayMs: number;
  private readonly maxColors: number;
  private readonly stream: GifStream = gifenc.GIFEncoder();
  private palette: Palette | null = null;
  private size: { height: number; width: number; channels: number } | null = null;
  private rgba: Uint8Array | null = null;
  private readonly cache = new Int16Array(1 << 16).fill(-1);
  private count = 0;
  private finished = false;

  constructor(options: EpisodeGifOptions = {}) {
    this.downscale = options.downscale ?? 2;
    this.delayMs = options.delayMs ?? 20;
    this.maxColors = options.maxColors ?? 64;
    if (!Number.isInteger(this.downscale) || this.downscale < 1)
      throw new Error(`EpisodeGif: downscale must be an integer >= 1, got ${this.downscale}`);
    if (!Number.isFinite(this.delayMs) || this.delayMs < 20)
      throw new Error(`EpisodeGif: delayMs must be >= 20 (browsers play faster GIFs at 10 fps), got ${this.delayMs}`);
    if (!Number.isInteger(this.maxColors) || this.maxColors < 2 || this.maxColors > 256)
      throw new Error(`EpisodeGif: maxColors must be an integer in 2..256, got ${this.maxColors}`);
  }

  /** Frames added so far. */
  get frames(): number {
    return this.count;
  }

  /** Output size in pixels, known after the first frame. */
  get outputSize(): { width: number; height: number } | null {
    return this.size === null
      ? null
      : { width: Math.floor(this.size.width / this.downscale), height: Math.floor(this.size.height / this.downscale) };
  }

  addFrame(frame: HostArray<"uint8">): void {
    if (this.finished) throw new Error("EpisodeGif.addFrame: the GIF is finished");
    const [height, width, channels] = frame.shape;
    if (
      frame.shape.length !== 3 ||
      (channels !== 3 && channels !== 4) ||
      height! < this.downscale ||
      width! < this.downscale
    ) {
      throw new Error(
        `EpisodeGif.addFrame: frame ${this.count}: expected uint8 [H, W, 3|4] of at least ${this.downscale}x${this.downscale} pixels, got [${frame.shape.join(", ")}]`,
      );
    }
    if (this.size === null) this.size = { height: height!, width: width!, channels };
    else if (this.size.height !== height || this.size.width !== width || this.size.channels !== channels) {
      const s = this.size;
      throw new Error(
        `EpisodeGif.addFrame: frame ${this.count} is [${frame.shape.join(", ")}], the first was [${s.height}, ${s.width}, ${s.channels}]`,
      );
    }
    const out = this.outputSize!;
    this.rgba ??= new Uint8Array(out.width * out.height * 4);
    shrinkToRgba(frame.data, this.size, this.downscale, this.rgba);
    this.palette ??= gifenc.quantize(this.rgba, this.maxColors);
    const index = this.applyPalette(this.rgba, this.palette);
    // The first frame carries the palette as the global colour table; the others reuse it.
    this.stream.writeFrame(
      index,
      out.width,
      out.height,
      this.count === 0 ? { palette: this.palette, delay: this.delayMs, repeat: 0 } : { delay: this.delayMs },
    );
    this.count++;
  }

  /**
   * Maps each pixel to its nearest palette entry. Unlike gifenc's applyPalette, which rebuilds its colour
   * cache for every frame, the cache (keyed by the colour's RGB565 bits) lives as long as the palette: after
   * the first frame almost every pixel is one array read (a CartPole frame: 3.7 ms instead of 4.6 ms; the
   * rest is gifenc's LZW).
   */
  private applyPalette(rgba: Uint8Array, palette: Palette): Uint8Array {
    const index = new Uint8Array(rgba.length / 4);
    const cache = this.cache;
    for (let p = 0, i = 0; p < index.length; p++, i += 4) {
      const r = rgba[i]!;
      const g = rgba[i + 1]!;
      const b = rgba[i + 2]!;
      const key = ((r & 0xf8) << 8) | ((g & 0xfc) << 3) | (b >> 3);
      let k = cache[key]!;
      if (k < 0) cache[key] = k = nearestColor(palette, r, g, b);
      index[p] = k;
    }
    return index;
  }

  /** Ends the GIF and returns its bytes. */
  finish(): Uint8Array {
    if (this.count === 0) throw new Error("EpisodeGif.finish: no frames were added");
    if (!this.finished) this.stream.finish();
    this.finished = true;
    return this.stream.bytes();
  }
}

function nearestColor(palette: Palette, r: number, g: number, b: number): number {
  let best = 0;
  let bestDistance = Infinity;
  palette.forEach(([pr, pg, pb], k) => {
    const d = (r - pr!) ** 2 + (g - pg!) ** 2 + (b - pb!) ** 2;
    if (d < bestDistance) [best, bestDistance] = [k, d];
  });
  return best;
}

/** Box-filters `src` (HWC, 3 or 4 channels) by `f` into opaque RGBA `out`. */
function shrinkToRgba(
  src: Uint8Array,
  size: { height: number; width: number; channels: number },
  f: number,
  out: Uint8Array,
): void {
  const { width, channels } = size;
  const ow = Math.floor(size.width / f);
  const oh = Math.floor(size.height / f);
  const n = f * f;
  for (let oy = 0; oy < oh; oy++) {
    for (let ox = 0; ox < ow; ox++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let dy = 0; dy < f; dy++) {
        let i = ((oy * f + dy) * width + ox * f) * channels;
        for (let dx = 0; dx < f; dx++, i += channels) {
          r += src[i]!;
          g += src[i + 1]!;
          b += src[i + 2]!;
        }
      }
      const o = 4 * (oy * ow + ox);
      out[o] = Math.round(r / n);
      out[o + 1] = Math.round(g / n);
      out[o + 2] = Math.round(b / n);
      out[o + 3] = 255;
    }
  }
}

/** What a GIF holds, read from its block structure. */
export interface GifInfo {
  width: number;
  height: number;
  frames: number;
  /** Per-frame delays in ms (from the graphic control extensions). */
  delaysMs: number[];
}

/** Walks a GIF's blocks (header, colour tables, extensions, images) and counts the frames; throws on a malformed file. */
export function readGifInfo(bytes: Uint8Array): GifInfo {
  const fail = (why: string, at: number): never => {
    throw new Error(`GIF: ${why} at byte ${at} of ${bytes.length}`);
  };
  const magic = String.fromCharCode(...bytes.subarray(0, 6));
  if (magic !== "GIF89a" && magic !== "GIF87a") fail(`bad signature ${JSON.stringify(magic)}`, 0);
  const u16 = (i: number) => (i + 1 < bytes.length ? bytes[i]! | (bytes[i + 1]! << 8) : fail("unexpected end", i));
  const width = u16(6);
  const height = u16(8);
  const flags = bytes[10] ?? fail("unexpected end", 10);
  let i = 13 + (flags & 0x80 ? 3 << ((flags & 7) + 1) : 0);
  const skipSubBlocks = () => {
    for (;;) {
      const len = bytes[i] ?? fail("unexpected end in data sub-blocks", i);
      i += 1 + len;
      if (len === 0) return;
    }
  };
  let frames = 0;
  const delaysMs: number[] = [];
  for (;;) {
    const block = bytes[i] ?? fail("unexpected end (no trailer)", i);
    if (block === 0x3b) return { width, height, frames, delaysMs };
    if (block === 0x21) {
      if (bytes[i + 1] === 0xf9) delaysMs.push(10 * u16(i + 4));
      i += 2;
      skipSubBlocks();
    } else if (block === 0x2c) {
      const local = bytes[i + 9] ?? fail("unexpected end in image descriptor", i);
      i += 10 + (local & 0x80 ? 3 << ((local & 7) + 1) : 0) + 1; // descriptor, local colour table, LZW code size
      skipSubBlocks();
      frames++;
    } else fail(`unknown block 0x${block.toString(16)}`, i);
  }
}

/** An env that draws itself: `render(i)` returns sub-env `i`'s frame as uint8 `[H, W, 3|4]` (e.g. `CartPoleEnv`). */
export interface Renderable {
  render(index?: number): HostArray<"uint8">;
}

export interface VideoRecorderOptions extends EpisodeGifOptions {
  /** Key of the observation frames used when the env cannot render (default "pixels"). */
  pixelsKey?: string;
  /** Which sub-env of a batched env or record to film (default 0). */
  index?: number;
}

/**
 * Films an episode into an animated GIF (TorchRL's `VideoRecorder`): `capture(root, env)` takes one frame
 * per step, from `env.render(index)` when the env (or one it wraps, through `baseEnv`) can render, else
 * from the record's pixel observation (`[C, H, W]` or `[H, W, C]`, uint8 or float in [0, 1], grey or RGB).
 * Use it as the `onStep` of `evaluateGreedy`, then `save(file)`.
 *
 * @example
 * import { HostArray, TensorDict } from "@tdrl/tensordict";
 * const video = new VideoRecorder({ downscale: 1 });
 * for (let t = 0; t < 5; t++) {
 *   const pixels = HostArray.from("float32", [1, 8, 8], Array.from({ length: 64 }, (_, i) => ((i + t) % 8) / 8));
 *   video.capture(new TensorDict({ pixels }, []));
 * }
 * readGifInfo(video.finish()).frames; // 5
 */
export class VideoRecorder {
  private readonly gif: EpisodeGif;
  private readonly pixelsKey: string;
  private readonly index: number;

  constructor(options: VideoRecorderOptions = {}) {
    this.gif = new EpisodeGif(options);
    this.pixelsKey = options.pixelsKey ?? "pixels";
    this.index = options.index ?? 0;
    if (!(Number.isInteger(this.index) && this.index >= 0))
      throw new Error(`VideoRecorder: index must be an integer >= 0, got ${String(this.index)}`);
  }

  /** Frames captured so far. */
  get frames(): number {
    return this.gif.frames;
  }

  /** Adds the current frame of `env` (rendered) or of `root` (its pixels). */
  capture(root: TensorDict, env?: object): void {
    const drawn = env === undefined ? null : renderable(env);
    if (drawn !== null) {
      this.gif.addFrame(drawn.render(this.index));
      return;
    }
    if (!root.has(this.pixelsKey))
      throw new Error(
        `VideoRecorder.capture: the env cannot render and the record has no "${this.pixelsKey}" (keys: ${root.keys({ nested: true, leavesOnly: true }).join(", ")})`,
      );
    const pixels = root.get(this.pixelsKey) as HostArray;
    this.gif.addFrame(toRgb(pixels, root.batchSize.length, this.index));
  }

  /** The GIF's bytes. */
  finish(): Uint8Array {
    return this.gif.finish();
  }

  /** Writes the GIF to `file`; returns the number of frames. */
  save(file: string): number {
    writeFileSync(file, this.finish());
    return this.frames;
  }
}

/** `env`, or an env it wraps (`baseEnv`), that has `render()`. */
function renderable(env: object): Renderable | null {
  let e: object | undefined = env;
  while (e !== undefined) {
    if (typeof (e as Partial<Renderable>).render === "function") return e as Renderable;
    e = (e as { baseEnv?: object }).baseEnv;
  }
  return null;
}

/** One frame of a pixel observation as uint8 `[H, W, 3]`. */
function toRgb(pixels: HostArray, batchDims: number, index: number): HostArray<"uint8"> {
  const shape = pixels.shape.slice(batchDims);
  const per = shape.reduce((a, b) => a * b, 1);
  const offset = batchDims === 0 ? 0 : index * per;
  if (shape.length !== 3 || offset + per > pixels.data.length)
    throw new Error(
      `VideoRecorder.capture: pixels of shape [${pixels.shape.join(", ")}] are not [..., C, H, W] or [..., H, W, C] frames with sub-env ${index}`,
    );
  const chw = shape[0] === 1 || shape[0] === 3;
  const [c, h, w] = chw ? [shape[0]!, shape[1]!, shape[2]!] : [shape[2]!, shape[0]!, shape[1]!];
  if (c !== 1 && c !== 3)
    throw new Error(`VideoRecorder.capture: expected 1 or 3 channels, got shape [${shape.join(", ")}]`);
  const scale = pixels.dtype === "uint8" ? 1 : 255;
  const out = new HostArray("uint8", [h, w, 3]);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let k = 0; k < 3; k++) {
        const ch = c === 1 ? 0 : k;
        const v = pixels.data[offset + (chw ? (ch * h + y) * w + x : (y * w + x) * c + ch)]!;
        out.data[(y * w + x) * 3 + k] = Math.max(0, Math.min(255, Math.round(v * scale)));
      }
    }
  }
  return out;
}
