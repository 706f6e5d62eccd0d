/**
 * Raster primitives that reproduce pygame.gfxdraw (SDL_gfx) pixel for pixel: integer vertices, 16.16 fixed-point
 * scanline fill, the 8-bit Wu-style anti-aliased line, the midpoint filled circle and the anti-aliased
 * ellipse, and SDL_gfx's alpha blend. Written from how those routines behave (vertex truncation, rounding,
 * weights) and checked against Gymnasium's reference frames, on which it is exact; only what the CartPole
 * scene draws is here.
 */

/** An RGB colour, each channel 0..255. */
export type Rgb = readonly [number, number, number];

/**
 * An HWC RGB byte image that primitives draw on in pygame's coordinates (y grows downwards), stored flipped
 * vertically: pygame row `y` lives at image row `height - 1 - y`. Fusing the flip into addressing saves the
 * copy Gymnasium makes with `pygame.transform.flip`.
 */
export interface GfxSurface {
  readonly data: Uint8Array;
  readonly offset: number;
  readonly width: number;
  readonly height: number;
}

function indexOf(s: GfxSurface, x: number, y: number): number {
  return s.offset + ((s.height - 1 - y) * s.width + x) * 3;
}

/**
 * Writes `colour` at (x, y) with SDL_gfx's blend: alpha 255 overwrites, anything else moves each channel by
 * floor((c - d) * alpha / 256), which is what SDL_gfx's unsigned masked arithmetic amounts to. Off-surface
 * pixels are ignored, as SDL_gfx clips per pixel.
 *
 * @example
 * const s = { data: new Uint8Array(3).fill(255), offset: 0, width: 1, height: 1 };
 * putPixel(s, 0, 0, [0, 0, 0], 128); // s.data -> [127, 127, 127]
 */
export function putPixel(s: GfxSurface, x: number, y: number, colour: Rgb, alpha: number): void {
  if (x < 0 || y < 0 || x >= s.width || y >= s.height) return;
  const i = indexOf(s, x, y);
  const d = s.data;
  if (alpha === 255) {
    d[i] = colour[0];
    d[i + 1] = colour[1];
    d[i + 2] = colour[2];
    return;
  }
  const r = d[i]!;
  const g = d[i + 1]!;
  const b = d[i + 2]!;
  d[i] = r + (((colour[0] - r) * alpha) >> 8);
  d[i + 1] = g + (((colour[1] - g) * alpha) >> 8);
  d[i + 2] = b + (((colour[2] - b) * alpha) >> 8);
}

/**
 * A pixel at anti-aliasing weight 0..255. SDL_gfx scales an opaque colour's alpha by `(255 * weight) >> 8`,
 * so even full weight blends at 254 rather than overwriting.
 *
 * @example
 * const s = { data: new Uint8Array(3).fill(255), offset: 0, width: 1, height: 1 };
 * putWeightedPixel(s, 0, 0, [0, 0, 0], 255); // s.data -> [1, 1, 1]
 */
export function putWeightedPixel(s: GfxSurface, x: number, y: number, colour: Rgb, weight: number): void {
  putPixel(s, x, y, colour, (255 * weight) >> 8);
}

/**
 * An opaque horizontal run from x1 to x2 inclusive, in either order, clipped to the surface.
 *
 * @example
 * const s = { data: new Uint8Array(9).fill(255), offset: 0, width: 3, height: 1 };
 * hline(s, 2, 1, 0, [0, 0, 0]); // pixels 1 and 2 black
 */
export function hline(s: GfxSurface, x1: number, x2: number, y: number, colour: Rgb): void {
  if (y < 0 || y >= s.height) return;
  let a = Math.max(Math.min(x1, x2), 0);
  const b = Math.min(Math.max(x1, x2), s.width - 1);
  const d = s.data;
  for (let i = indexOf(s, a, y); a <= b; a++, i += 3) {
    d[i] = colour[0];
    d[i + 1] = colour[1];
    d[i + 2] = colour[2];
  }
}

/**
 * An opaque vertical run from y1 to y2 inclusive, in either order, clipped to the surface.
 *
 * @example
 * const s = { data: new Uint8Array(9).fill(255), offset: 0, width: 1, height: 3 };
 * vline(s, 0, 0, 1, [0, 0, 0]); // pygame rows 0 and 1, i.e. the bottom two image rows
 */
export function vline(s: GfxSurface, x: number, y1: number, y2: number, colour: Rgb): void {
  if (x < 0 || x >= s.width) return;
  const top = Math.max(Math.min(y1, y2), 0);
  const bottom = Math.min(Math.max(y1, y2), s.height - 1);
  for (let y = top; y <= bottom; y++) putPixel(s, x, y, colour, 255);
}

const LEFT = 1;
const RIGHT = 2;
const BOTTOM = 4;
const TOP = 8;

function outcode(x: number, y: number, right: number, bottom: number): number {
  let code = 0;
  if (x < 0) code |= LEFT;
  else if (x > right) code |= RIGHT;
  if (y < 0) code |= TOP;
  else if (y > bottom) code |= BOTTOM;
  return code;
}

/** Truncates toward zero into 16 bits, as C's cast of a float to Sint16 does. */
function toShort(v: number): number {
  return (Math.trunc(v) << 16) >> 16;
}

/**
 * Cohen-Sutherland clipping as SDL_gfx does it before an anti-aliased line: single-precision slope and
 * truncated intersections, which moves the clipped endpoint and so the line's fixed-point stepping.
 * Returns the clipped endpoints, or null when the line misses the surface.
 */
function clipLine(
  s: GfxSurface,
  x1: number,
  y1: number,
  x2: number,
  y2: number,
): [number, number, number, number] | null {
  const right = s.width - 1;
  const bottom = s.height - 1;
  for (;;) {
    let c1 = outcode(x1, y1, right, bottom);
    const c2 = outcode(x2, y2, right, bottom);
    if ((c1 | c2) === 0) return [x1, y1, x2, y2];
    if ((c1 & c2) !== 0) return null;
    if (c1 === 0) {
      [x1, x2] = [x2, x1];
      [y1, y2] = [y2, y1];
      c1 = c2;
    }
    const m = x2 !== x1 ? Math.fround(Math.fround(y2 - y1) / Math.fround(x2 - x1)) : 1;
    if (c1 & LEFT) {
      y1 += toShort(Math.fround((0 - x1) * m));
      x1 = 0;
    } else if (c1 & RIGHT) {
      y1 += toShort(Math.fround((right - x1) * m));
      x1 = right;
    } else if (c1 & BOTTOM) {
      if (x2 !== x1) x1 += toShort(Math.fround((bottom - y1) / m));
      y1 = bottom;
    } else {
      if (x2 !== x1) x1 += toShort(Math.fround((0 - y1) / m));
      y1 = 0;
    }
  }
}

/**
 * SDL_gfx's anti-aliased line without its end point (how aapolygon draws each edge). The line is walked
 * from its end with the smaller y along its major axis; per step the minor coordinate advances by
 * q / 65536, with q = floor(65536 * minor / major), so after k steps it has moved floor(k q / 65536) whole
 * pixels, and the 8 bits below the binary point of k q weight the pixel pair straddling the line (the far
 * one gets the fraction, the near one its complement). The first endpoint as given is plotted opaque, the
 * last not at all; axis-parallel lines are solid runs.
 *
 * @example
 * const s = { data: new Uint8Array(10 * 10 * 3).fill(255), offset: 0, width: 10, height: 10 };
 * aaline(s, 1, 1, 8, 4, [0, 0, 0]);
 */
export function aaline(s: GfxSurface, ax: number, ay: number, bx: number, by: number, colour: Rgb): void {
  const clipped = clipLine(s, ax, ay, bx, by);
  if (clipped === null) return;
  const [x1, y1, x2, y2] = clipped;
  const up = y1 <= y2;
  const xa = up ? x1 : x2;
  const ya = up ? y1 : y2;
  const dy = Math.abs(y2 - y1);
  const run = (up ? x2 : x1) - xa;
  if (run === 0) {
    if (dy > 0) vline(s, x1, ya, ya + dy, colour);
    else putPixel(s, x1, y1, colour, 255);
    return;
  }
  if (dy === 0) {
    hline(s, xa, xa + run, y1, colour);
    return;
  }
  const dir = run > 0 ? 1 : -1;
  const dx = Math.abs(run);
  putPixel(s, x1, y1, colour, 255);
  if (dy > dx) {
    const q = Math.trunc((dx * 65536) / dy);
    for (let k = 1; k < dy; k++) {
      const moved = k * q;
      const x = xa + dir * Math.floor(moved / 65536);
      const w = (moved & 0xffff) >> 8;
      putWeightedPixel(s, x, ya + k, colour, 255 - w);
      putWeightedPixel(s, x + dir, ya + k, colour, w);
    }
  } else {
    const q = Math.trunc((dy * 65536) / dx);
    for (let k = 1; k < dx; k++) {
      const moved = k * q;
      const y = ya + Math.floor(moved / 65536);
      const w = (moved & 0xffff) >> 8;
      putWeightedPixel(s, xa + dir * k, y, colour, 255 - w);
      putWeightedPixel(s, xa + dir * k, y + 1, colour, w);
    }
  }
}

/**
 * The outline of a polygon with integer vertices: each edge an `aaline`, closing back to the first vertex.
 *
 * @example
 * const s = { data: new Uint8Array(10 * 10 * 3).fill(255), offset: 0, width: 10, height: 10 };
 * aapolygon(s, [1, 1, 8, 8], [1, 8, 8, 1], [0, 0, 0]);
 */
export function aapolygon(s: GfxSurface, vx: ArrayLike<number>, vy: ArrayLike<number>, colour: Rgb): void {
  const n = vx.length;
  for (let i = 0; i < n; i++) {
    const j = i + 1 < n ? i + 1 : 0;
    aaline(s, vx[i]!, vy[i]!, vx[j]!, vy[j]!, colour);
  }
}

const crossings = new Int32Array(16);

/**
 * SDL_gfx's scanline fill of a polygon with integer vertices. Each row y from the lowest to the highest
 * vertex intersects the edges that span [y1, y2) (the top row also takes edges ending there) in 16.16 fixed
 * point; each pair of crossings fills from round(left + 1/65536) to round(right - 1/65536), which makes the
 * span inclusive of both boundary pixels on vertical edges.
 *
 * @example
 * const s = { data: new Uint8Array(10 * 10 * 3).fill(255), offset: 0, width: 10, height: 10 };
 * filledPolygon(s, [1, 1, 8, 8], [1, 8, 8, 1], [0, 0, 0]); // pixels 1..8 x 1..8
 */
export function filledPolygon(s: GfxSurface, vx: ArrayLike<number>, vy: ArrayLike<number>, colour: Rgb): void {
  const n = vx.length;
  if (n < 3 || n > crossings.length)
    throw new RangeError(`filledPolygon: vertex count ${n} is outside [3, ${crossings.length}]`);
  let minY = vy[0]!;
  let maxY = vy[0]!;
  for (let i = 1; i < n; i++) {
    const y = vy[i]!;
    if (y < minY) minY = y;
    else if (y > maxY) maxY = y;
  }
  const yFrom = Math.max(minY, 0);
  const yTo = Math.min(maxY, s.height - 1);
  for (let y = yFrom; y <= yTo; y++) {
    let count = 0;
    for (let i = 0; i < n; i++) {
      const p = i === 0 ? n - 1 : i - 1;
      let y1 = vy[p]!;
      let y2 = vy[i]!;
      let x1: number;
      let x2: number;
      if (y1 < y2) {
        x1 = vx[p]!;
        x2 = vx[i]!;
      } else if (y1 > y2) {
        [y1, y2] = [y2, y1];
        x1 = vx[i]!;
        x2 = vx[p]!;
      } else continue;
      if ((y >= y1 && y < y2) || (y === maxY && y > y1 && y <= y2)) {
        crossings[count++] = Math.trunc((65536 * (y - y1)) / (y2 - y1)) * (x2 - x1) + 65536 * x1;
      }
    }
    // Insertion sort: a convex polygon has two crossings per row.
    for (let i = 1; i < count; i++) {
      const v = crossings[i]!;
      let j = i - 1;
      while (j >= 0 && crossings[j]! > v) {
        crossings[j + 1] = crossings[j]!;
        j--;
      }
      crossings[j + 1] = v;
    }
    for (let i = 0; i + 1 < count; i += 2) {
      const a = crossings[i]! + 1;
      const b = crossings[i + 1]! - 1;
      hline(s, (a >> 16) + ((a & 32768) >> 15), (b >> 16) + ((b & 32768) >> 15), y, colour);
    }
  }
}

/**
 * SDL_gfx's filled circle: a midpoint walk over one octant from the top, x one column at a time and y down
 * one row whenever the midpoint decision turns non-negative. Each height y, when first reached, fills rows
 * +-y across +-x; each x off the diagonal fills rows +-x across +-y.
 *
 * @example
 * const s = { data: new Uint8Array(11 * 11 * 3).fill(255), offset: 0, width: 11, height: 11 };
 * filledCircle(s, 5, 5, 5, [0, 0, 0]);
 */
export function filledCircle(s: GfxSurface, cx: number, cy: number, r: number, colour: Rgb): void {
  let x = 0;
  let y = r;
  let decision = 1 - r;
  let lastY = -1;
  while (x <= y) {
    if (y !== lastY) {
      hline(s, cx - x, cx + x, cy + y, colour);
      if (y > 0) hline(s, cx - x, cx + x, cy - y, colour);
      lastY = y;
    }
    if (x !== y) {
      hline(s, cx - y, cx + y, cy - x, colour);
      if (x > 0) hline(s, cx - y, cx + y, cy + x, colour);
    }
    if (decision < 0) decision += 2 * x + 3;
    else {
      decision += 2 * (x - y) + 5;
      y--;
    }
    x++;
  }
}

/**
 * SDL_gfx's anti-aliased circle (its ellipse routine with equal radii), in terms of the circle's implicit
 * function: `inside(ox, oy) = r^2 - ox^2 - oy^2` for offsets from the centre. The top and bottom points are
 * plotted opaque. Then two walks of round(r / sqrt 2) steps each, mirrored into all four quadrants: the
 * first moves one column outward per step from the top, keeping the row whose pixel best straddles the
 * circle and pairing it with its vertical neighbour on the circle's other side; the second moves one row
 * per step, pairing horizontally. The neighbour's weight is |inside| / |2 oy| (resp. |2 ox|), a first-order
 * distance to the circle, in single precision, capped at 1 and scaled to 255 by truncation; the pixel itself
 * gets the complement. pygame's copy of SDL_gfx walks no further (later SDL_gfx releases overdraw a few
 * steps), and the reference frames agree.
 *
 * @example
 * const s = { data: new Uint8Array(13 * 13 * 3).fill(255), offset: 0, width: 13, height: 13 };
 * aacircle(s, 6, 6, 5, [0, 0, 0]);
 */
export function aacircle(s: GfxSurface, cx: number, cy: number, r: number, colour: Rgb): void {
  if (r <= 0) {
    putPixel(s, cx, cy, colour, 255);
    return;
  }
  const r2 = r * r;
  const steps = roundHalfEven(r2 / Math.sqrt(2 * r2));
  putPixel(s, cx, cy - r, colour, 255);
  putPixel(s, cx, cy + r, colour, 255);
  let ox = 0;
  let oy = -r;
  for (let i = 0; i < steps; i++) {
    ox--;
    let inside = r2 - ox * ox - oy * oy;
    let partner: number;
    if (inside >= 0) partner = oy - 1;
    else {
      const below = inside - 2 * oy - 1;
      if (below > 0 && inside + below >= 0) partner = oy + 1;
      else {
        partner = below > 0 ? oy : oy + 2;
        oy++;
        inside = below;
      }
    }
    const w = weightOf(inside, 2 * oy);
    mirrored(s, cx, cy, ox, oy, colour, 255 - w);
    mirrored(s, cx, cy, ox, partner, colour, w);
    mirrored(s, cx, cy, ox, -oy, colour, 255 - w);
    mirrored(s, cx, cy, ox, -partner, colour, w);
  }
  for (let i = 0; i < steps; i++) {
    oy++;
    let inside = r2 - ox * ox - oy * oy;
    let partner: number;
    if (inside <= 0) partner = ox + 1;
    else {
      const outer = inside + 2 * ox - 1;
      if (outer < 0 && inside + outer <= 0) partner = ox - 1;
      else {
        partner = outer < 0 ? ox : ox - 2;
        ox--;
        inside = outer;
      }
    }
    const w = weightOf(inside, 2 * ox);
    mirrored(s, cx, cy, ox, oy, colour, 255 - w);
    mirrored(s, cx, cy, ox, -oy, colour, 255 - w);
    mirrored(s, cx, cy, partner, oy, colour, w);
    mirrored(s, cx, cy, partner, -oy, colour, w);
  }
}

/** Weighted pixels at (cx + ox, cy + oy) and its mirror image (cx - ox, cy + oy), in that order. */
function mirrored(s: GfxSurface, cx: number, cy: number, ox: number, oy: number, colour: Rgb, weight: number): void {
  putWeightedPixel(s, cx + ox, cy + oy, colour, weight);
  putWeightedPixel(s, cx - ox, cy + oy, colour, weight);
}

/** |value| / |den| in single precision, capped at 1, times 255, truncated (255 when den is 0). */
function weightOf(value: number, den: number): number {
  if (den === 0) return 255;
  const cp = Math.min(Math.fround(Math.abs(value) / Math.abs(den)), 1);
  return Math.trunc(Math.fround(cp * 255));
}

/** C's lrint under the default rounding mode: to nearest, ties to even. */
function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const diff = v - f;
  if (diff > 0.5) return f + 1;
  if (diff < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}
