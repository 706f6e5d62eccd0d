import { CartPoleEnv } from "@tdrl/envs";
import { HostArray } from "@tdrl/tensordict";
import { describe, expect, it } from "vitest";
import { EpisodeGif, readGifInfo } from "./video-recorder";

/** A test-only GIF decoder (global palette, LZW), so the tests compare pixels rather than trust the encoder. */
function decodeGif(bytes: Uint8Array): { width: number; height: number; frames: Uint8Array[] } {
  const width = bytes[6]! | (bytes[7]! << 8);
  const height = bytes[8]! | (bytes[9]! << 8);
  const flags = bytes[10]!;
  const tableSize = 2 << (flags & 7);
  const palette = bytes.subarray(13, 13 + 3 * tableSize);
  let i = 13 + (flags & 0x80 ? 3 * tableSize : 0);
  const frames: Uint8Array[] = [];
  const subBlocks = (): Uint8Array => {
    const parts: number[] = [];
    for (let len = bytes[i++]!; len !== 0; len = bytes[i++]!) {
      parts.push(...bytes.subarray(i, i + len));
      i += len;
    }
    return Uint8Array.from(parts);
  };
  while (bytes[i] !== 0x3b) {
    if (bytes[i] === 0x21) {
      i += 2;
      subBlocks();
      continue;
    }
    expect(bytes[i]).toBe(0x2c);
    expect(bytes[i + 9]! & 0x80).toBe(0); // no local colour table: every frame shares the global one
    const minCode = bytes[i + 10]!;
    i += 11;
    const indices = lzw(minCode, subBlocks(), width * height);
    const rgb = new Uint8Array(width * height * 3);
    indices.forEach((p, k) => rgb.set(palette.subarray(3 * p, 3 * p + 3), 3 * k));
    frames.push(rgb);
  }
  return { width, height, frames };
}

function lzw(minCode: number, data: Uint8Array, count: number): number[] {
  const clear = 1 << minCode;
  const reset = () => Array.from({ length: clear + 2 }, (_, k) => [k]);
  let table = reset();
  let size = minCode + 1;
  let bit = 0;
  let prev: number[] | null = null;
  const out: number[] = [];
  while (out.length < count) {
    let code = 0;
    for (let k = 0; k < size; k++, bit++) code |= ((data[bit >> 3]! >> (bit & 7)) & 1) << k;
    if (code === clear) {
      [table, size, prev] = [reset(), minCode + 1, null];
      continue;
    }
    if (code === clear + 1) break;
    const entry: number[] = code < table.length ? table[code]! : [...prev!, prev![0]!];
    out.push(...entry);
    if (prev !== null) table.push([...prev, entry[0]!]);
    if (table.length === 1 << size && size < 12) size++;
    prev = entry;
  }
  return out;
}

/** White 40x60 frames with a red 8x20 block moving 4 px right per frame (even coordinates: downscale 2 keeps colours pure). */
function movingBlock(t: number, channels: 3 | 4 = 3): HostArray<"uint8"> {
  const frame = new HostArray("uint8", [40, 60, channels]);
  frame.data.fill(255);
  for (let y = 10; y < 30; y++)
    for (let x = 4 * t; x < 4 * t + 8; x++) frame.data.set([220, 20, 40], channels * (60 * y + x));
  return frame;
}

describe("EpisodeGif", () => {
  it("encodes frames whose decoded pixels match the box-filtered input", () => {
    const gif = new EpisodeGif({ downscale: 2, delayMs: 40 });
    for (let t = 0; t < 8; t++) gif.addFrame(movingBlock(t));
    const bytes = gif.finish();
    expect(readGifInfo(bytes)).toEqual({ width: 30, height: 20, frames: 8, delaysMs: Array(8).fill(40) });
    const decoded = decodeGif(bytes);
    expect(decoded.frames).toHaveLength(8);
    decoded.frames.forEach((rgb, t) => {
      for (let y = 0; y < 20; y++) {
        for (let x = 0; x < 30; x++) {
          const inBlock = y >= 5 && y < 15 && x >= 2 * t && x < 2 * t + 4;
          const want = inBlock ? [220, 20, 40] : [255, 255, 255];
          const got = [...rgb.subarray(3 * (30 * y + x), 3 * (30 * y + x) + 3)];
          // rgb565 quantization moves a colour by at most a few levels.
          for (let c = 0; c < 3; c++)
            expect(Math.abs(got[c]! - want[c]!), `frame ${t} (${x},${y})`).toBeLessThanOrEqual(8);
        }
      }
    });
  });

  it("averages blocks when downscaling and accepts RGBA frames", () => {
    const frame = new HostArray("uint8", [2, 4, 4]);
    // Left 2x2 block: half black, half white -> mid grey; right block: all blue.
    frame.data.set([
      0, 0, 0, 255, 255, 255, 255, 255, 0, 0, 255, 255, 0, 0, 255, 255, 0, 0, 0, 255, 255, 255, 255, 255, 0, 0, 255,
      255, 0, 0, 255, 255,
    ]);
    const gif = new EpisodeGif({ downscale: 2 });
    gif.addFrame(frame);
    const [rgb] = decodeGif(gif.finish()).frames;
    expect(Math.abs(rgb![0]! - 128)).toBeLessThanOrEqual(8);
    expect([rgb![3], rgb![4], rgb![5]]).toEqual([0, 0, 255]);
  });

  it("refuses bad options and frames, naming the frame", () => {
    expect(() => new EpisodeGif({ downscale: 1.5 })).toThrow("EpisodeGif: downscale must be an integer >= 1, got 1.5");
    expect(() => new EpisodeGif({ delayMs: 10 })).toThrow(
      "EpisodeGif: delayMs must be >= 20 (browsers play faster GIFs at 10 fps), got 10",
    );
    expect(() => new EpisodeGif({ maxColors: 300 })).toThrow(
      "EpisodeGif: maxColors must be an integer in 2..256, got 300",
    );
    const gif = new EpisodeGif();
    expect(() => gif.finish()).toThrow("EpisodeGif.finish: no frames were added");
    gif.addFrame(movingBlock(0));
    expect(() => gif.addFrame(movingBlock(1, 4))).toThrow(
      "EpisodeGif.addFrame: frame 1 is [40, 60, 4], the first was [40, 60, 3]",
    );
    expect(() => gif.addFrame(new HostArray("uint8", [40, 60]))).toThrow(
      "EpisodeGif.addFrame: frame 1: expected uint8 [H, W, 3|4]",
    );
    expect(gif.frames).toBe(1);
    gif.finish();
    expect(() => gif.addFrame(movingBlock(0))).toThrow("EpisodeGif.addFrame: the GIF is finished");
  });

  // Its speed is a benchmark's business (the machine is shared); this checks the long, full-size episode works.
  it("encodes a 500-frame CartPole episode (600x400 frames)", () => {
    const env = new CartPoleEnv({ seed: 3 });
    env.reset();
    const frames = Array.from({ length: 20 }, () => env.render());
    const gif = new EpisodeGif({ downscale: 2 });
    const start = performance.now();
    for (let t = 0; t < 500; t++) gif.addFrame(frames[t % frames.length]!);
    const bytes = gif.finish();
    const ms = performance.now() - start;
    const info = readGifInfo(bytes);
    expect(info).toMatchObject({ width: 300, height: 200, frames: 500 });
    console.log(`EpisodeGif: 500 CartPole frames in ${ms.toFixed(0)} ms, ${(bytes.length / 1024).toFixed(0)} KiB`);
  });
});

describe("readGifInfo", () => {
  it("refuses what is not a whole GIF", () => {
    const gif = new EpisodeGif();
    gif.addFrame(movingBlock(0));
    const bytes = gif.finish();
    expect(() => readGifInfo(new TextEncoder().encode("PNG..."))).toThrow('GIF: bad signature "PNG..." at byte 0');
    expect(() => readGifInfo(bytes.subarray(0, bytes.length - 1))).toThrow("GIF: unexpected end (no trailer)");
    expect(() => readGifInfo(bytes.subarray(0, 40))).toThrow(/GIF: unexpected end/);
  });
});
