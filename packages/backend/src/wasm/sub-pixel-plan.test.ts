import { describe, expect, it } from "vitest";
import { planSubPixelAxis } from "./sub-pixel-plan";

/** dx along one axis computed straight from the definition, and from the plan, for a given filter and dy. */
function direct(inSize: number, dy: number[], w: number[], s: number, pad: number): number[] {
  const dx = new Array<number>(inSize).fill(0);
  dy.forEach((g, p) =>
    w.forEach((wi, i) => {
      const h = p * s + i - pad;
      if (h >= 0 && h < inSize) dx[h]! += g * wi;
    }),
  );
  return dx;
}

function viaPlan(inSize: number, dy: number[], w: number[], s: number, pad: number): number[] {
  const plan = planSubPixelAxis(inSize, dy.length, w.length, s, pad);
  const padded = [...new Array<number>(plan.padBefore).fill(0), ...dy, ...new Array<number>(plan.padAfter).fill(0)];
  const dx: number[] = [];
  for (let n = 0; n < plan.blocks; n++) {
    for (let rho = 0; rho < s; rho++) {
      let sum = 0;
      for (let u = 0; u < plan.taps; u++) {
        const i = plan.filterIndex[rho * plan.taps + u]!;
        if (i >= 0) sum += padded[n + u]! * w[i]!;
      }
      dx.push(sum);
    }
  }
  return dx.slice(0, inSize);
}

describe("planSubPixelAxis", () => {
  it("plans Nature-DQN's first layer (84 wide, 8 taps, stride 4) without cropping", () => {
    const p = planSubPixelAxis(84, 20, 8, 4, 0);
    expect([p.taps, p.padBefore, p.padAfter, p.blocks]).toEqual([2, 1, 1, 21]);
    expect(p.blocks * p.stride).toBe(84);
    // Phase 0 takes taps 4 then 0 (window position 0 reads the earlier dy row).
    expect(Array.from(p.filterIndex.slice(0, 2))).toEqual([4, 0]);
  });

  it("reduces to a full correlation with the flipped filter at stride 1", () => {
    const p = planSubPixelAxis(9, 7, 3, 1, 0);
    expect([p.taps, p.padBefore, p.padAfter, p.blocks]).toEqual([3, 2, 2, 9]);
    expect(Array.from(p.filterIndex)).toEqual([2, 1, 0]);
  });

  it("matches the definition for every stride, filter size, padding and length up to 6", () => {
    let checked = 0;
    for (let s = 1; s <= 4; s++) {
      for (let k = 1; k <= 6; k++) {
        for (let pad = 0; pad < k; pad++) {
          for (let inSize = Math.max(1, k - 2 * pad); inSize <= 14; inSize++) {
            const outSize = Math.floor((inSize + 2 * pad - k) / s) + 1;
            if (outSize < 1) continue;
            const dy = Array.from({ length: outSize }, (_, p) => p + 1);
            const w = Array.from({ length: k }, (_, i) => 10 ** i);
            expect(viaPlan(inSize, dy, w, s, pad)).toEqual(direct(inSize, dy, w, s, pad));
            checked++;
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(500);
  });

  it("rejects sizes that are not positive integers, naming them", () => {
    expect(() => planSubPixelAxis(0, 1, 1, 1, 0)).toThrow(/inSize must be a positive integer, got 0/);
    expect(() => planSubPixelAxis(5, 2, 2, 1.5, 0)).toThrow(/stride must be a positive integer, got 1.5/);
  });
});
