import { describe, expect, it } from "vitest";
import {
  boxProjection,
  discColumn,
  discCornerArea,
  discRow,
  halfDiscAreaLeftOf,
  overlap,
  slabFractionOf,
  type BoxProjection,
  type DiscColumn,
  type DiscRow,
} from "./antialias-coverage";

/** A small deterministic generator, so failures reproduce. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Midpoint-rule share of the box [x0, x1] x [y0, y1] where `inside` holds, on an n x n grid. */
function sampledShare(
  x0: number,
  x1: number,
  y0: number,
  y1: number,
  inside: (x: number, y: number) => boolean,
  n = 400,
): number {
  let hits = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (inside(x0 + ((i + 0.5) / n) * (x1 - x0), y0 + ((j + 0.5) / n) * (y1 - y0))) hits++;
    }
  }
  return hits / (n * n);
}

const projection = (): BoxProjection => ({ reach: 0, flat: 0, quad: 0, lin: 0 });
/** The share of a box (projected half-extents p >= q) on the side n . z <= n . centre + s of a line. */
const halfPlane = (s: number, p: number, q: number) =>
  slabFractionOf(0, -Infinity, s, boxProjection(p, q, projection()));

describe("box and half-plane", () => {
  it("matches sampling for random boxes, normals and offsets", () => {
    const rand = lcg(1);
    for (let k = 0; k < 60; k++) {
      const w = 0.2 + 2 * rand();
      const h = 0.2 + 2 * rand();
      const angle = 2 * Math.PI * rand();
      const nx = Math.cos(angle);
      const ny = Math.sin(angle);
      const a = (Math.abs(nx) * w) / 2;
      const b = (Math.abs(ny) * h) / 2;
      const s = (2 * rand() - 1) * (a + b) * 1.2;
      const want = sampledShare(-w / 2, w / 2, -h / 2, h / 2, (x, y) => nx * x + ny * y <= s);
      expect(halfPlane(s, Math.max(a, b), Math.min(a, b))).toBeCloseTo(want, 2);
    }
  });

  it("is exact on the cases that can be worked by hand", () => {
    expect(halfPlane(0, 0.5, 0)).toBe(0.5);
    expect(halfPlane(0.25, 0.5, 0)).toBe(0.75);
    expect(halfPlane(-0.6, 0.5, 0)).toBe(0);
    const k = Math.SQRT2 / 4;
    expect(halfPlane(k, k, k)).toBeCloseTo(0.875, 12);
    expect(halfPlane(-k, k, k)).toBeCloseTo(0.125, 12);
  });

  it("slabFractionOf matches sampling, including slabs narrower than the box", () => {
    const rand = lcg(2);
    for (let k = 0; k < 60; k++) {
      const angle = 2 * Math.PI * rand();
      const nx = Math.cos(angle);
      const ny = Math.sin(angle);
      const a = Math.abs(nx) / 2;
      const b = Math.abs(ny) / 2;
      const lo = (2 * rand() - 1) * 1.2;
      const hi = lo + 0.05 + 1.5 * rand();
      const t = (2 * rand() - 1) * 0.3;
      // The unit box centred at the origin, projected to t: the slab is [lo, hi] in absolute terms.
      const want = sampledShare(-0.5, 0.5, -0.5, 0.5, (x, y) => {
        const p = t + nx * x + ny * y;
        return p >= lo && p <= hi;
      });
      const b0 = boxProjection(Math.max(a, b), Math.min(a, b), projection());
      expect(slabFractionOf(t, lo, hi, b0)).toBeCloseTo(want, 2);
    }
  });
});

describe("disc and rectangle", () => {
  const col = (x: number, r: number): DiscColumn => discColumn(x, r, { x: 0, area: 0 });
  const row = (y: number, r: number): DiscRow =>
    discRow(y, r, { y: 0, sign: 1, chord: 0, areaAtChord: 0, areaAtMinusChord: 0 });
  const rectArea = (x0: number, x1: number, y0: number, y1: number, r: number) =>
    discCornerArea(col(x1, r), row(y1, r)) -
    discCornerArea(col(x0, r), row(y1, r)) -
    discCornerArea(col(x1, r), row(y0, r)) +
    discCornerArea(col(x0, r), row(y0, r));

  it("gives the half-disc, the whole disc and a quadrant", () => {
    expect(halfDiscAreaLeftOf(1, 1)).toBeCloseTo(Math.PI / 2, 12);
    expect(halfDiscAreaLeftOf(-1, 1)).toBeCloseTo(0, 12);
    expect(rectArea(-10, 10, -10, 10, 5.5)).toBeCloseTo(Math.PI * 5.5 * 5.5, 10);
    expect(rectArea(0, 10, 0, 10, 2)).toBeCloseTo(Math.PI, 10);
    expect(rectArea(-10, 0, -10, 10, 2)).toBeCloseTo(2 * Math.PI, 10);
  });

  it("matches sampling for random rectangles cutting the disc", () => {
    const rand = lcg(3);
    const r = 5.5;
    for (let k = 0; k < 40; k++) {
      const x0 = (2 * rand() - 1) * 7;
      const y0 = (2 * rand() - 1) * 7;
      const x1 = x0 + 0.1 + 6 * rand();
      const y1 = y0 + 0.1 + 6 * rand();
      const want = sampledShare(x0, x1, y0, y1, (x, y) => x * x + y * y <= r * r) * (x1 - x0) * (y1 - y0);
      expect(rectArea(x0, x1, y0, y1, r)).toBeCloseTo(want, 1);
      expect(Math.abs(rectArea(x0, x1, y0, y1, r) - want)).toBeLessThan(0.01 * (x1 - x0) * (y1 - y0) + 1e-9);
    }
  });
});

describe("interval overlap", () => {
  it("is the shared length, or 0", () => {
    expect(overlap(2, 3, 2.25, 10)).toBe(0.75);
    expect(overlap(0, 1, 1, 2)).toBe(0);
    expect(overlap(0, 1, 3, 4)).toBe(0);
    expect(overlap(0, 5, 1, 2)).toBe(1);
  });
});
