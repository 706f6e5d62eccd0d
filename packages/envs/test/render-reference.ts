import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { PNG } from "pngjs";

/**
 * Test support for the CartPole renderers: Gymnasium's reference frames, and the "full pipeline" the small
 * renderer stands in for (grayscale with torchvision's weights, then an exact area resize). Used by tests
 * only; nothing in the package imports it.
 */

/** `shared/reference` beside the repository, whose root is three levels above packages/envs/test. */
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
export const REFERENCE_DIR = resolve(REPO_ROOT, "..", "shared", "reference");

export interface ReferenceFrame {
  file: string;
  state: number[];
  height: number;
  width: number;
  /** The decoded frame, HWC RGB (alpha dropped). */
  rgb: Uint8Array;
}

interface FrameIndex {
  frames: { file: string; state: number[]; height: number; width: number }[];
}

/**
 * Reads `cartpole-frames.json` and decodes every PNG it lists.
 *
 * @example
 * const frames = loadReferenceFrames();
 * frames[0]!.rgb.length; // 400 * 600 * 3
 */
export function loadReferenceFrames(): ReferenceFrame[] {
  const indexFile = resolve(REFERENCE_DIR, "cartpole-frames.json");
  if (!existsSync(indexFile))
    throw new Error(`reference frames not found: ${indexFile} (shared/ must sit beside the repository)`);
  const index = JSON.parse(readFileSync(indexFile, "utf8")) as FrameIndex;
  return index.frames.map((f) => {
    const png = PNG.sync.read(readFileSync(resolve(REFERENCE_DIR, f.file)));
    if (png.width !== f.width || png.height !== f.height) {
      throw new Error(`${f.file}: PNG is ${png.height}x${png.width}, the index says ${f.height}x${f.width}`);
    }
    // pngjs always hands back RGBA.
    const rgb = new Uint8Array(png.width * png.height * 3);
    for (let p = 0; p < png.width * png.height; p++) {
      rgb[p * 3] = png.data[p * 4]!;
      rgb[p * 3 + 1] = png.data[p * 4 + 1]!;
      rgb[p * 3 + 2] = png.data[p * 4 + 2]!;
    }
    return { ...f, rgb };
  });
}

/**
 * torchvision's `rgb_to_grayscale` on [0, 1] floats: 0.2989 R + 0.587 G + 0.114 B.
 *
 * @example
 * toGray(new Uint8Array([255, 255, 255])); // Float64Array [0.9999]
 */
export function toGray(rgb: Uint8Array): Float64Array {
  const out = new Float64Array(rgb.length / 3);
  for (let p = 0; p < out.length; p++)
    out[p] = (0.2989 * rgb[p * 3]! + 0.587 * rgb[p * 3 + 1]! + 0.114 * rgb[p * 3 + 2]!) / 255;
  return out;
}

/**
 * Bytes to [0, 1] floats.
 *
 * @example
 * toUnit(new Uint8Array([0, 255])); // Float64Array [0, 1]
 */
export function toUnit(bytes: Uint8Array): Float64Array {
  return Float64Array.from(bytes, (b) => b / 255);
}

/**
 * Exact area (box-filter) resize of an HWC image: each output pixel is the mean of the source over its
 * footprint, source pixels cut by the footprint's edge weighted by the part inside. Separable, so done as
 * two 1-D passes.
 *
 * @example
 * areaResize(Float64Array.of(0, 1, 2, 3), 1, 4, 1, 1, 2); // Float64Array [0.5, 2.5]
 */
export function areaResize(
  src: Float64Array,
  sh: number,
  sw: number,
  channels: number,
  dh: number,
  dw: number,
): Float64Array {
  const weights = (srcSize: number, dstSize: number) => {
    const step = srcSize / dstSize;
    return Array.from({ length: dstSize }, (_, d) => {
      const a = d * step;
      const b = (d + 1) * step;
      const taps: [number, number][] = [];
      for (let s = Math.floor(a); s < Math.min(Math.ceil(b), srcSize); s++) {
        const w = Math.min(b, s + 1) - Math.max(a, s);
        if (w > 0) taps.push([s, w / step]);
      }
      return taps;
    });
  };
  const across = weights(sw, dw);
  const down = weights(sh, dh);
  const rows = new Float64Array(sh * dw * channels);
  for (let y = 0; y < sh; y++) {
    for (let x = 0; x < dw; x++) {
      for (const [s, w] of across[x]!) {
        for (let k = 0; k < channels; k++) {
          const j = (y * dw + x) * channels + k;
          rows[j] = rows[j]! + src[(y * sw + s) * channels + k]! * w;
        }
      }
    }
  }
  const out = new Float64Array(dh * dw * channels);
  for (let y = 0; y < dh; y++) {
    for (const [s, w] of down[y]!) {
      for (let i = 0; i < dw * channels; i++) {
        const j = y * dw * channels + i;
        out[j] = out[j]! + rows[s * dw * channels + i]! * w;
      }
    }
  }
  return out;
}

/**
 * Marks the pixels of an HWC RGB image that lie on a shape edge: those whose 3x3 neighbourhood (clipped to
 * the image) holds more than one colour.
 *
 * @example
 * edgeMask(new Uint8Array(3 * 3 * 3), 3, 3); // all 0: one colour everywhere
 */
export function edgeMask(rgb: Uint8Array, height: number, width: number): Uint8Array {
  const mask = new Uint8Array(height * width);
  const same = (p: number, q: number) =>
    rgb[p * 3] === rgb[q * 3] && rgb[p * 3 + 1] === rgb[q * 3 + 1] && rgb[p * 3 + 2] === rgb[q * 3 + 2];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      let uniform = true;
      for (let dy = -1; dy <= 1 && uniform; dy++) {
        for (let dx = -1; dx <= 1 && uniform; dx++) {
          const yy = y + dy;
          const xx = x + dx;
          if (yy >= 0 && yy < height && xx >= 0 && xx < width && !same(p, yy * width + xx)) uniform = false;
        }
      }
      mask[p] = uniform ? 0 : 1;
    }
  }
  return mask;
}

/**
 * Mean absolute difference of two equally long arrays.
 *
 * @example
 * meanAbsDiff([0, 1], [0.5, 1]); // 0.25
 */
export function meanAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`meanAbsDiff: lengths differ, ${a.length} vs ${b.length}`);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}
