// Loads torchvision's CartPole pixel pipeline (../shared/reference/cartpole-pixels-pipeline.json) and renders
// the same frames from their states with @tdrl/envs, which draws Gymnasium's frames pixel-exactly.
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { CartPoleEnv } from "@tdrl/envs";
import { bytesToUnitFloat, rgbToGray } from "../src/image-kernels";

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
export const REFERENCE_DIR = resolve(REPO_ROOT, "..", "shared", "reference");

export interface PipelineFrame {
  state: [number, number, number, number];
  grayMean: number;
  /** 84 x 84, row-major, row 0 at the top. */
  antialias: Float64Array;
  noAntialias: Float64Array;
  /** The full uint8 RGB frame `[400, 600, 3]`, rendered from `state`. */
  rgb: Uint8Array;
}

interface RawFrame {
  state: number[];
  gray_mean: number;
  resize84_bilinear_antialias: number[][];
  resize84_bilinear_no_antialias: number[][];
}

let cached: PipelineFrame[] | undefined;

export function loadPipelineFrames(): PipelineFrame[] {
  if (cached) return cached;
  const raw = JSON.parse(readFileSync(resolve(REFERENCE_DIR, "cartpole-pixels-pipeline.json"), "utf8")) as {
    frames: RawFrame[];
  };
  const env = new CartPoleEnv({ fromPixels: true });
  cached = raw.frames.map((f) => {
    env.setState(0, f.state);
    return {
      state: f.state as PipelineFrame["state"],
      grayMean: f.gray_mean,
      antialias: Float64Array.from(f.resize84_bilinear_antialias.flat()),
      noAntialias: Float64Array.from(f.resize84_bilinear_no_antialias.flat()),
      rgb: env.render().data,
    };
  });
  return cached;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`maxAbsDiff: lengths differ (${a.length} vs ${b.length})`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** A full RGB frame through the kernels alone: `x / 255`, then grey, `[400, 600]`. */
export function grayFrame(rgb: Uint8Array): Float32Array {
  const pixels = 400 * 600;
  const unit = new Float32Array(rgb.length);
  bytesToUnitFloat(rgb, 1, pixels, 3, false, unit);
  const gray = new Float32Array(pixels);
  rgbToGray(unit, 1, pixels, false, gray);
  return gray;
}
