/** The resampling rules `Resize` offers, with torch's semantics (`torch.nn.functional.interpolate`). */
export type Interpolation = "bilinear" | "nearest" | "area";

/**
 * One axis of a separable resize: output index `o` is `sum_k weights[o * taps + k] * input[start[o] + k]`.
 * Every output reads the same number of taps (zero weights pad the short windows), so the inner loops
 * have no per-output bounds.
 */
export interface AxisWeights {
  readonly inSize: number;
  readonly outSize: number;
  readonly taps: number;
  readonly start: Int32Array;
  readonly weights: Float64Array;
}

/** A window of input indices `[first, first + w.length)` and their weights, for one output index. */
type Window = { first: number; w: number[] };

/**
 * torch's `upsample_bilinear2d` with `align_corners=False`: half-pixel centres, source index clamped at 0,
 * two taps.
 */
function bilinearWindow(o: number, inSize: number, outSize: number): Window {
  const scale = inSize / outSize;
  const src = Math.max(scale * (o + 0.5) - 0.5, 0);
  const i0 = Math.trunc(src);
  const lambda = src - i0;
  return i0 < inSize - 1 ? { first: i0, w: [1 - lambda, lambda] } : { first: i0, w: [1] };
}

/**
 * torch's anti-aliased bilinear resize (`antialias=True`, PIL's triangle filter): when shrinking, the
 * triangle's support grows by the scale factor so every input pixel contributes; weights are normalised.
 */
function antialiasWindow(o: number, inSize: number, outSize: number): Window {
  const scale = inSize / outSize;
  const support = Math.max(scale, 1);
  const invScale = scale >= 1 ? 1 / scale : 1;
  const center = scale * (o + 0.5);
  // C++ casts truncate toward zero; torch relies on that here.
  const first = Math.max(Math.trunc(center - support + 0.5), 0);
  const size = Math.min(Math.trunc(center + support + 0.5), inSize) - first;
  const w: number[] = [];
  let total = 0;
  for (let j = 0; j < size; j++) {
    const x = Math.abs((j + first - center + 0.5) * invScale);
    const v = x < 1 ? 1 - x : 0;
    w.push(v);
    total += v;
  }
  if (total !== 0) for (let j = 0; j < size; j++) w[j]! /= total;
  return { first, w };
}

/**
 * torch's legacy `nearest` (not `nearest-exact`): `floor(o * scale)` computed in float32 as torch does, so
 * the chosen pixels agree exactly.
 */
function nearestWindow(o: number, inSize: number, outSize: number): Window {
  if (inSize === outSize) return { first: o, w: [1] };
  if (outSize === 2 * inSize) return { first: o >> 1, w: [1] };
  const scale = Math.fround(inSize / outSize);
  return { first: Math.min(Math.floor(Math.fround(o * scale)), inSize - 1), w: [1] };
}

/** torch's `adaptive_avg_pool2d`: the mean over `[floor(o * in / out), ceil((o + 1) * in / out))`. */
function areaWindow(o: number, inSize: number, outSize: number): Window {
  const first = Math.floor((o * inSize) / outSize);
  const end = Math.ceil(((o + 1) * inSize) / outSize);
  return { first, w: new Array<number>(end - first).fill(1 / (end - first)) };
}

/** Precomputes one axis's taps: done once per (input size, output size, mode), then reused every call. */
export function axisWeights(
  inSize: number,
  outSize: number,
  interpolation: Interpolation,
  antialias: boolean,
): AxisWeights {
  const windowAt =
    interpolation === "nearest"
      ? nearestWindow
      : interpolation === "area"
        ? areaWindow
        : antialias
          ? antialiasWindow
          : bilinearWindow;
  const windows = Array.from({ length: outSize }, (_, o) => windowAt(o, inSize, outSize));
  const taps = Math.min(inSize, Math.max(1, ...windows.map((x) => x.w.length)));
  const start = new Int32Array(outSize);
  const weights = new Float64Array(outSize * taps);
  windows.forEach(({ first, w }, o) => {
    // Shift the window left where it would run past the end; the extra taps carry zero weight.
    const s = Math.min(first, inSize - taps);
    start[o] = s;
    w.forEach((v, j) => (weights[o * taps + first - s + j] = v));
  });
  return { inSize, outSize, taps, start, weights };
}

/**
 * A separable resize of `planes` images of `inH` x `inW` pixels with `channels` interleaved values each, to
 * `outH` x `outW`. Width is resampled first, into a scratch buffer owned by the plan (so one plan must not
 * run two resizes at once), then height, row by row over contiguous memory.
 */
export class ResizePlan {
  readonly rows: AxisWeights;
  readonly cols: AxisWeights;
  readonly channels: number;
  private scratch: Float64Array;
  /**
   * For each scratch row, the first row of the run of identical rows it belongs to (itself unless
   * `widthRowSpan` copied it): lets `heightPass` see windows over a flat band.
   */
  private readonly runStart: Int32Array;

  constructor(
    inH: number,
    inW: number,
    outH: number,
    outW: number,
    channels: number,
    interpolation: Interpolation,
    antialias: boolean,
  ) {
    this.rows = axisWeights(inH, outH, interpolation, antialias);
    this.cols = axisWeights(inW, outW, interpolation, antialias);
    this.channels = channels;
    this.scratch = new Float64Array(inH * outW * channels);
    this.runStart = Int32Array.from({ length: inH }, (_, y) => y);
  }

  /** Resizes `planes` consecutive images of `src` into `out` (which must hold `planes * outH * outW * channels`). */
  run(src: Float32Array, planes: number, out: Float32Array): void {
    const inH = this.rows.inSize;
    const inRow = this.cols.inSize * this.channels;
    const outPlane = this.rows.outSize * this.cols.outSize * this.channels;
    for (let p = 0; p < planes; p++) {
      const srcBase = p * inH * inRow;
      for (let y = 0; y < inH; y++) this.widthRow(src, srcBase + y * inRow, y);
      this.heightPass(out, p * outPlane);
    }
  }

  /**
   * Width pass of input row `y` (`inW * channels` values of `src` from `offset`) into the scratch buffer.
   * Callers that produce an image row by row (the fused ToTensorImage -> GrayScale -> Resize) feed each row
   * here as soon as it exists, so no full-size intermediate image is ever built; `heightPass` then finishes.
   */
  widthRow(src: Float32Array, offset: number, y: number): void {
    // Locals rather than property reads inside the loops: V8 does not always hoist them.
    const c = this.channels;
    const { outSize: outW, taps, start, weights } = this.cols;
    const tmp = this.scratch;
    this.runStart[y] = y;
    if (c === 1) {
      // One channel (grey frames) gets its own loop: about 1.3x faster than the general one in V8.
      const tmpBase = y * outW;
      for (let ox = 0; ox < outW; ox++) {
        const s = offset + start[ox]!;
        const wBase = ox * taps;
        let acc = 0;
        for (let k = 0; k < taps; k++) acc += weights[wBase + k]! * src[s + k]!;
        tmp[tmpBase + ox] = acc;
      }
      return;
    }
    const tmpBase = y * outW * c;
    for (let ox = 0; ox < outW; ox++) {
      const s = offset + start[ox]! * c;
      const wBase = ox * taps;
      for (let ch = 0; ch < c; ch++) {
        let acc = 0;
        for (let k = 0, i = s + ch; k < taps; k++, i += c) acc += weights[wBase + k]! * src[i]!;
        tmp[tmpBase + ox * c + ch] = acc;
      }
    }
  }

  /**
   * Width pass of input row `y` (`y >= 1`) when it equals row `y - 1` outside input columns `[from, to)`:
   * the outputs whose taps miss those columns are row `y - 1`'s (same inputs, same sums), the rest are
   * computed as in `widthRow`. `from >= to` means an identical row: a plain copy. Images with flat regions
   * (CartPole frames are mostly background) repeat most of most rows, so this skips most of the width pass.
   */
  widthRowSpan(src: Float32Array, offset: number, y: number, from: number, to: number): void {
    const c = this.channels;
    const { outSize: outW, taps, start, weights } = this.cols;
    const tmp = this.scratch;
    const rowLength = outW * c;
    if (!(y >= 1 && y < this.rows.inSize))
      throw new Error(
        `ResizePlan.widthRowSpan: row ${y} has no previous row to reuse (rows 1..${this.rows.inSize - 1})`,
      );
    const tmpBase = y * rowLength;
    tmp.copyWithin(tmpBase, tmpBase - rowLength, tmpBase);
    if (from >= to) {
      this.runStart[y] = this.runStart[y - 1]!;
      return;
    }
    this.runStart[y] = y;
    for (let ox = 0; ox < outW; ox++) {
      const first = start[ox]!;
      if (first >= to || first + taps <= from) continue;
      if (c === 1) {
        const wBase = ox * taps;
        let acc = 0;
        for (let k = 0, i = offset + first; k < taps; k++, i++) acc += weights[wBase + k]! * src[i]!;
        tmp[tmpBase + ox] = acc;
        continue;
      }
      const s = offset + first * c;
      const wBase = ox * taps;
      for (let ch = 0; ch < c; ch++) {
        let acc = 0;
        for (let k = 0, i = s + ch; k < taps; k++, i += c) acc += weights[wBase + k]! * src[i]!;
        tmp[tmpBase + ox * c + ch] = acc;
      }
    }
  }

  /** Height pass: weighted sums of whole scratch rows (every input row given to `widthRow`) into `out` from `offset`. */
  heightPass(out: Float32Array, offset: number): void {
    const { outSize: outH, taps, start, weights } = this.rows;
    const outRow = this.cols.outSize * this.channels;
    const tmp = this.scratch;
    const runStart = this.runStart;
    for (let oy = 0; oy < outH; oy++) {
      const o = offset + oy * outRow;
      const wBase = oy * taps;
      const top = start[oy]!;
      const first = top * outRow;
      if (runStart[top + taps - 1]! <= top) {
        // Every tap reads the same row (a flat band of the image): each output depends on that row's value
        // alone, so a run of equal values along the row reuses one sum (the same sum, from the same inputs).
        // Four at a time, as below, so that the sums that are needed run as independent chains.
        let previous = Number.NaN;
        let sum = 0;
        let j = 0;
        for (; j + 3 < outRow; j += 4) {
          const v0 = tmp[first + j]!;
          const v1 = tmp[first + j + 1]!;
          const v2 = tmp[first + j + 2]!;
          const v3 = tmp[first + j + 3]!;
          if (v0 === previous && v1 === previous && v2 === previous && v3 === previous) {
            out[o + j] = out[o + j + 1] = out[o + j + 2] = out[o + j + 3] = sum;
            continue;
          }
          let a0 = 0;
          let a1 = 0;
          let a2 = 0;
          let a3 = 0;
          for (let k = 0; k < taps; k++) {
            const w = weights[wBase + k]!;
            a0 += w * v0;
            a1 += w * v1;
            a2 += w * v2;
            a3 += w * v3;
          }
          out[o + j] = a0;
          out[o + j + 1] = a1;
          out[o + j + 2] = a2;
          out[o + j + 3] = a3;
          previous = v3;
          sum = a3;
        }
        for (; j < outRow; j++) {
          const v = tmp[first + j]!;
          let acc = 0;
          for (let k = 0; k < taps; k++) acc += weights[wBase + k]! * v;
          out[o + j] = acc;
        }
        continue;
      }
      // Four outputs at a time, each with its own accumulator summed in tap order (the same sums as one at
      // a time): one weight load serves four, measured 2.3x faster in V8.
      let j = 0;
      for (; j + 3 < outRow; j += 4) {
        let a0 = 0;
        let a1 = 0;
        let a2 = 0;
        let a3 = 0;
        for (let k = 0, i = first + j; k < taps; k++, i += outRow) {
          const w = weights[wBase + k]!;
          a0 += w * tmp[i]!;
          a1 += w * tmp[i + 1]!;
          a2 += w * tmp[i + 2]!;
          a3 += w * tmp[i + 3]!;
        }
        out[o + j] = a0;
        out[o + j + 1] = a1;
        out[o + j + 2] = a2;
        out[o + j + 3] = a3;
      }
      for (; j < outRow; j++) {
        let acc = 0;
        for (let k = 0, i = first + j; k < taps; k++, i += outRow) acc += weights[wBase + k]! * tmp[i]!;
        out[o + j] = acc;
      }
    }
  }
}
