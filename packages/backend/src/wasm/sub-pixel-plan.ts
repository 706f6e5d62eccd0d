/**
 * How one spatial axis of a strided transposed convolution (the input gradient of a strided Conv2D)
 * becomes a stride-1 convolution whose output channels hold `stride` interleaved phases.
 *
 * Forward, along one axis: y[p] = Σ_i x[p·s + i − pad] · w[i]. Backward, dx[h] = Σ_{p·s+i = h+pad} dy[p] · w[i].
 * Write h = n·s + ρ (block n, phase ρ); with c = (ρ + pad) mod s and d = ⌊(ρ + pad) / s⌋ the taps that reach
 * h are i = c + t·s, so dx[n·s + ρ] = Σ_t dy[n + d − t] · w[c + t·s]: for every phase a stride-1 correlation
 * of dy with a sub-filter. Padding dy by `padBefore` zeros lines all phases up on one window of `taps`
 * positions, so one stride-1 convolution with all phases stacked along its output channels computes every
 * block, and a depth-to-space rearrangement interleaves them into rows n·s + ρ.
 */
export interface SubPixelAxisPlan {
  readonly stride: number;
  /** Window extent of the stride-1 convolution along this axis. */
  readonly taps: number;
  /** Zeros before dy along this axis. */
  readonly padBefore: number;
  /** Zeros after dy along this axis. */
  readonly padAfter: number;
  /** Output positions of the stride-1 convolution; `blocks · stride ≥ inSize`, the excess is cropped. */
  readonly blocks: number;
  /** `filterIndex[ρ · taps + u]`: the forward filter position behind window position u of phase ρ, or −1. */
  readonly filterIndex: Int32Array;
}

/**
 * Plans one axis. `inSize` is the forward input's extent, `outSize` dy's, `padBefore` the forward
 * convolution's leading padding (tfjs's split).
 *
 * @example
 * ```ts
 * const p = planSubPixelAxis(84, 20, 8, 4, 0); // Nature-DQN first layer
 * [p.taps, p.padBefore, p.padAfter, p.blocks]; // [2, 1, 1, 21]
 * ```
 */
export function planSubPixelAxis(
  inSize: number,
  outSize: number,
  filterSize: number,
  stride: number,
  padBefore: number,
): SubPixelAxisPlan {
  for (const [name, value] of [
    ["inSize", inSize],
    ["outSize", outSize],
    ["filterSize", filterSize],
    ["stride", stride],
  ] as const) {
    if (!Number.isInteger(value) || value < 1)
      throw new Error(`planSubPixelAxis: ${name} must be a positive integer, got ${value}`);
  }
  const phases = Array.from({ length: stride }, (_, rho) => {
    const c = (rho + padBefore) % stride;
    const d = Math.floor((rho + padBefore) / stride);
    const count = c < filterSize ? Math.ceil((filterSize - c) / stride) : 0;
    return { c, d, count };
  });
  let lead = 0;
  for (const { d, count } of phases) if (count > 0) lead = Math.max(lead, count - 1 - d);
  let taps = 1;
  for (const { d, count } of phases) if (count > 0) taps = Math.max(taps, d + lead + 1);
  const blocksNeeded = Math.ceil(inSize / stride);
  const padAfter = Math.max(0, blocksNeeded + taps - 1 - lead - outSize);
  const blocks = lead + outSize + padAfter - taps + 1;
  const filterIndex = new Int32Array(stride * taps).fill(-1);
  phases.forEach(({ c, d, count }, rho) => {
    for (let u = 0; u < taps; u++) {
      const t = d + lead - u;
      if (t >= 0 && t < count) filterIndex[rho * taps + u] = c + t * stride;
    }
  });
  return { stride, taps, padBefore: lead, padAfter, blocks, filterIndex };
}
