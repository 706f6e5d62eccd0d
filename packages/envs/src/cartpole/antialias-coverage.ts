/**
 * Exact area fractions of a pixel covered by simple shapes, for rasterizing with box-filter anti-aliasing
 * without supersampling. Pixels are unit squares; all functions are pure arithmetic on numbers.
 */

/**
 * A box projected on a unit normal n: with p >= q >= 0 half the box's extents along n (for a w x h box, the
 * larger and smaller of |nx| w / 2 and |ny| h / 2), the projection of a uniform box is the sum of two
 * uniform variables, so the share of the box on the side `n . z <= n . centre + s` of a line is the CDF of
 * a trapezoid at s: quadratic on the two ramps, linear between them. Stored as the constants of that CDF,
 * so that evaluating it for many offsets (every pixel along a shape's edge) costs no division.
 */
export interface BoxProjection {
  /** p + q: beyond this distance from the line the box is wholly on one side. */
  reach: number;
  /** p - q: the half-width of the linear middle part. */
  flat: number;
  /** 1 / (8pq), or 0 when q = 0 (the quadratic ramps are then empty). */
  quad: number;
  /** 1 / (2p). */
  lin: number;
}

/**
 * Fills `out` with the constants for projected half-extents p >= q >= 0 (p > 0).
 *
 * @example
 * const proj = boxProjection(0.5, 0, { reach: 0, flat: 0, quad: 0, lin: 0 }); // an axis-aligned unit pixel
 */
export function boxProjection(p: number, q: number, out: BoxProjection): BoxProjection {
  out.reach = p + q;
  out.flat = p - q;
  out.quad = q > 0 ? 1 / (8 * p * q) : 0;
  out.lin = 1 / (2 * p);
  return out;
}

/**
 * Fraction of a box whose projection on a unit normal, centred at `t`, falls inside the slab [lo, hi], with
 * the box's projection `b`. The two half-planes bounding the slab are parallel and together cover
 * everything, so the slab's share is the sum of theirs less one, each the trapezoid CDF of
 * {@link BoxProjection}; an infinite bound makes the slab a half-plane. Written as one loop without calls:
 * it runs for every pixel along the pole, and V8 then inlines it whole.
 *
 * @example
 * const unitPixel = boxProjection(0.5, 0, { reach: 0, flat: 0, quad: 0, lin: 0 });
 * slabFractionOf(0, -0.25, 0.25, unitPixel); // 0.5: a slab half a pixel wide through an axis-aligned pixel
 * const k = Math.SQRT2 / 4;
 * slabFractionOf(0, -Infinity, k, boxProjection(k, k, unitPixel)); // 0.875: a diagonal cuts off a corner with legs 1/2
 */
export function slabFractionOf(t: number, lo: number, hi: number, b: BoxProjection): number {
  let v = -1;
  for (let side = 0; side < 2; side++) {
    const s = side === 0 ? hi - t : t - lo;
    if (s >= b.reach) v += 1;
    else if (s <= -b.reach) continue;
    else if (s < -b.flat) {
      const e = s + b.reach;
      v += e * e * b.quad;
    } else if (s <= b.flat) v += 0.5 + s * b.lin;
    else {
      const e = b.reach - s;
      v += 1 - e * e * b.quad;
    }
  }
  return Math.max(v, 0);
}

/**
 * Length of the overlap of [a0, a1] and [b0, b1] (0 when they are apart); for an axis-aligned rectangle and a
 * unit pixel, the product of the two axes' overlaps is the exact covered fraction.
 *
 * @example
 * overlap(2, 3, 2.25, 10); // 0.75
 */
export function overlap(a0: number, a1: number, b0: number, b1: number): number {
  const v = Math.min(a1, b1) - Math.max(a0, b0);
  return Math.max(v, 0);
}

/**
 * ∫ from -r to x of sqrt(r² - t²) dt, for x in [-r, r]: the area of the half-disc of radius r left of x.
 *
 * @example
 * halfDiscAreaLeftOf(0, 1); // pi / 4
 */
export function halfDiscAreaLeftOf(x: number, r: number): number {
  const h = Math.sqrt(Math.max(r * r - x * x, 0));
  return 0.5 * (x * h + r * r * Math.asin(x / r)) + (Math.PI * r * r) / 4;
}

/**
 * One column boundary of a disc, prepared once and shared by every row: the boundary clamped to the disc
 * (relative to its centre) and the half-disc area left of it.
 */
export interface DiscColumn {
  x: number;
  area: number;
}

/** One row boundary of a disc: the boundary clamped to the disc, its half-chord, and the areas at -+chord. */
export interface DiscRow {
  y: number;
  sign: number;
  chord: number;
  areaAtChord: number;
  areaAtMinusChord: number;
}

/**
 * Prepares a column boundary `x` (relative to the disc's centre) for {@link discCornerArea}.
 *
 * @example
 * const col = discColumn(0, 1, { x: 0, area: 0 }); // col.area = pi / 4
 */
export function discColumn(x: number, r: number, out: DiscColumn): DiscColumn {
  const xc = x < -r ? -r : Math.min(x, r);
  out.x = xc;
  out.area = halfDiscAreaLeftOf(xc, r);
  return out;
}

/**
 * Prepares a row boundary `y` (relative to the disc's centre) for {@link discCornerArea}.
 *
 * @example
 * const row = discRow(0, 1, { y: 0, sign: 1, chord: 0, areaAtChord: 0, areaAtMinusChord: 0 }); // row.chord = 1
 */
export function discRow(y: number, r: number, out: DiscRow): DiscRow {
  const yc = y < -r ? -r : Math.min(y, r);
  const chord = Math.sqrt(Math.max(r * r - yc * yc, 0));
  out.y = yc;
  out.sign = yc >= 0 ? 1 : -1;
  out.chord = chord;
  out.areaAtChord = halfDiscAreaLeftOf(chord, r);
  // The half-disc areas left of -c and of c add up to the whole half-disc.
  out.areaAtMinusChord = (Math.PI * r * r) / 2 - out.areaAtChord;
  return out;
}

/**
 * Area of the disc within x <= col.x and y <= row.y: for each x, the part of the chord [-h(x), h(x)] below
 * y, integrated in closed form. Where |x| exceeds the row's half-chord the chord lies wholly on one side of y.
 * The area of a rectangle is then four corner areas by inclusion-exclusion.
 *
 * @example
 * const r = 1;
 * const c = discColumn(0, r, { x: 0, area: 0 });
 * const w = discRow(0, r, { y: 0, sign: 1, chord: 0, areaAtChord: 0, areaAtMinusChord: 0 });
 * discCornerArea(c, w); // pi / 4: one quadrant
 */
export function discCornerArea(col: DiscColumn, row: DiscRow): number {
  const x = col.x;
  const c = row.chord;
  let area = col.area + row.sign * (x < -c ? col.area : row.areaAtMinusChord);
  if (x > -c) area += row.y * (Math.min(x, c) + c);
  if (x > c) area += row.sign * (col.area - row.areaAtChord);
  return area;
}
