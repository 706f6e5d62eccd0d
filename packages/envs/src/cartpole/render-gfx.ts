/**
 * Raster primitives that reproduce pygame.gfxdraw (SDL_gfx) pixel for pixel: integer vertices, 16.16 fixed-point
 * scanline fill, the 8-bit Wu-style anti-aliased line, the midpoint filled circle and the anti-aliased
 * ellipse, and SDL_gfx's alpha blend. Written from the documented behaviour of those routines and checked
 * against Gymnasium's reference frames; only what the CartPole scene draws is here.
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
 * putWeightedPixel(s, 0, 0, [0, 0, 0], 255); // s.data -> [2, 2, 2]
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

/** Saturates like a C cast of an in-range float to Sint16 (truncation toward zero). */
function toShort(v: number): number {
  return (Math.trunc(v) << 16) >> 16;
}

/**
 * Cohen-Sutherland clipping as SDL_gfx does it before an anti-aliased line: single-precision slope and
 * truncated intersections, which moves the clipped endpoint and so the line's fixed-point stepping.
 * Returns the clipped endpoints, or null when the line misses the surface.
 */
function clipLine(s: GfxSurface, x1: number, y1: number, x2: number, y2: number): [number, number, number, number] | null {
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
 * SDL_gfx's anti-aliased line without its end point (how aapolygon draws each edge): the start pixel at
 * full colour, then for every step along the major axis a pixel pair whose weights are the top 8 bits of a
 * 32-bit error accumulator. Axis-parallel lines are solid runs.
 *
 * @example
 * const s = { data: new Uint8Array(10 * 10 * 3).fill(255), offset: 0, width: 10, height: 10 };
 * aaline(s, 1, 1, 8, 4, [0, 0, 0]);
 */
export function aaline(s: GfxSurface, ax: number, ay: number, bx: number, by: number, colour: Rgb): void {
  const clipped = clipLine(s, ax, ay, bx, by);
  if (clipped === null) return;
  const [x1, y1, x2, y2] = clipped;
  let x0 = x1;
  let y0 = y1;
  let xEnd = x2;
  let yEnd = y2;
  if (y0 > yEnd) {
    [x0, xEnd] = [xEnd, x0];
    [y0, yEnd] = [yEnd, y0];
  }
  let dx = xEnd - x0;
  let dy = yEnd - y0;
  if (dx === 0) {
    if (dy > 0) vline(s, x1, y0, y0 + dy, colour);
    else putPixel(s, x1, y1, colour, 255);
    return;
  }
  if (dy === 0) {
    hline(s, x0, x0 + dx, y1, colour);
    return;
  }
  let xdir = 1;
  if (dx < 0) {
    xdir = -1;
    dx = -dx;
  }
  putPixel(s, x1, y1, colour, 255);
  let acc = 0;
  if (dy > dx) {
    const adj = ((Math.trunc((dx << 16) / dy) << 16) >>> 0);
    let xNext = x0 + xdir;
    while (--dy) {
      const before = acc;
      acc = (acc + adj) >>> 0;
      if (acc <= before) {
        x0 = xNext;
        xNext += xdir;
      }
      y0++;
      const w = acc >>> 24;
      putWeightedPixel(s, x0, y0, colour, 255 - w);
      putWeightedPixel(s, xNext, y0, colour, w);
    }
  } else {
    const adj = ((Math.trunc((dy << 16) / dx) << 16) >>> 0);
    let yNext = y0 + 1;
    while (--dx) {
      const before = acc;
      acc = (acc + adj) >>> 0;
      if (acc <= before) {
        y0 = yNext;
        yNext++;
      }
      x0 += xdir;
      const w = acc >>> 24;
      putWeightedPixel(s, x0, y0, colour, 255 - w);
      putWeightedPixel(s, x0, yNext, colour, w);
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
  if (n < 3 || n > crossings.length) throw new RangeError(`filledPolygon: vertex count ${n} is outside [3, ${crossings.length}]`);
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
 * SDL_gfx's filled circle: the midpoint circle walk, filling the horizontal chords of each octant pair.
 *
 * @example
 * const s = { data: new Uint8Array(11 * 11 * 3).fill(255), offset: 0, width: 11, height: 11 };
 * filledCircle(s, 5, 5, 5, [0, 0, 0]);
 */
export function filledCircle(s: GfxSurface, x: number, y: number, r: number, colour: Rgb): void {
  let cx = 0;
  let cy = r;
  let lastCx = -1;
  let lastCy = -1;
  let df = 1 - r;
  let dE = 3;
  let dSE = -2 * r + 5;
  do {
    if (lastCy !== cy) {
      if (cy > 0) {
        hline(s, x - cx, x + cx, y + cy, colour);
        hline(s, x - cx, x + cx, y - cy, colour);
      } else hline(s, x - cx, x + cx, y, colour);
      lastCy = cy;
    }
    if (lastCx !== cx) {
      if (cx !== cy) {
        if (cx > 0) {
          hline(s, x - cy, x + cy, y - cx, colour);
          hline(s, x - cy, x + cy, y + cx, colour);
        } else hline(s, x - cy, x + cy, y, colour);
      }
      lastCx = cx;
    }
    if (df < 0) {
      df += dE;
      dE += 2;
      dSE += 2;
    } else {
      df += dSE;
      dE += 2;
      dSE += 4;
      cy--;
    }
    cx++;
  } while (cx <= cy);
}

/**
 * SDL_gfx's anti-aliased circle (its ellipse routine with equal radii): the four extreme points at full
 * colour, then a walk of round(r / sqrt(2)) steps along each octant pair with the decision variable's ratio
 * |d| / |s| (single precision) as the weight split between the pixel on the curve and its neighbour,
 * mirrored into all quadrants. pygame's copy of SDL_gfx has no overdraw past the octant boundary (later
 * SDL_gfx releases add some), and the reference frames agree.
 *
 * @example
 * const s = { data: new Uint8Array(13 * 13 * 3).fill(255), offset: 0, width: 13, height: 13 };
 * aacircle(s, 6, 6, 5, [0, 0, 0]);
 */
export function aacircle(s: GfxSurface, x: number, y: number, r: number, colour: Rgb): void {
  if (r <= 0) {
    putPixel(s, x, y, colour, 255);
    return;
  }
  const a2 = r * r;
  const b2 = r * r;
  const ds = 2 * a2;
  const dt = 2 * b2;
  const xc2 = 2 * x;
  const yc2 = 2 * y;
  const sab = Math.sqrt(a2 + b2);
  const xSteps = roundHalfEven(a2 / sab);
  const ySteps = roundHalfEven(b2 / sab);
  let t = 0;
  let sAcc = -2 * a2 * r;
  let d = 0;
  let xp = x;
  let yp = y - r;
  putPixel(s, xp, yp, colour, 255);
  putPixel(s, xc2 - xp, yp, colour, 255);
  putPixel(s, xp, yc2 - yp, colour, 255);
  putPixel(s, xc2 - xp, yc2 - yp, colour, 255);
  for (let i = 1; i <= xSteps; i++) {
    xp--;
    d += t - b2;
    let ys: number;
    if (d >= 0) ys = yp - 1;
    else if (d - sAcc - a2 > 0) {
      if (2 * d - sAcc - a2 >= 0) ys = yp + 1;
      else {
        ys = yp;
        yp++;
        d -= sAcc + a2;
        sAcc += ds;
      }
    } else {
      yp++;
      ys = yp + 1;
      d -= sAcc + a2;
      sAcc += ds;
    }
    t -= dt;
    const w = weightOf(d, sAcc);
    const iw = 255 - w;
    const xx = xc2 - xp;
    putWeightedPixel(s, xp, yp, colour, iw);
    putWeightedPixel(s, xx, yp, colour, iw);
    putWeightedPixel(s, xp, ys, colour, w);
    putWeightedPixel(s, xx, ys, colour, w);
    putWeightedPixel(s, xp, yc2 - yp, colour, iw);
    putWeightedPixel(s, xx, yc2 - yp, colour, iw);
    putWeightedPixel(s, xp, yc2 - ys, colour, w);
    putWeightedPixel(s, xx, yc2 - ys, colour, w);
  }
  for (let i = 1; i <= ySteps; i++) {
    yp++;
    d -= sAcc + a2;
    let xs: number;
    if (d <= 0) xs = xp + 1;
    else if (d + t - b2 < 0) {
      if (2 * d + t - b2 <= 0) xs = xp - 1;
      else {
        xs = xp;
        xp--;
        d += t - b2;
        t -= dt;
      }
    } else {
      xp--;
      xs = xp - 1;
      d += t - b2;
      t -= dt;
    }
    sAcc += ds;
    const w = weightOf(d, t);
    const iw = 255 - w;
    const xx = xc2 - xp;
    const yy = yc2 - yp;
    putWeightedPixel(s, xp, yp, colour, iw);
    putWeightedPixel(s, xx, yp, colour, iw);
    putWeightedPixel(s, xp, yy, colour, iw);
    putWeightedPixel(s, xx, yy, colour, iw);
    const xsm = xc2 - xs;
    putWeightedPixel(s, xs, yp, colour, w);
    putWeightedPixel(s, xsm, yp, colour, w);
    putWeightedPixel(s, xs, yy, colour, w);
    putWeightedPixel(s, xsm, yy, colour, w);
  }
}

/** The blend weight of the pixel off the curve: |d| / |den| in single precision, capped at 1, times 255, truncated. */
function weightOf(d: number, den: number): number {
  if (den === 0) return 255;
  const cp = Math.min(Math.fround(Math.abs(d) / Math.abs(den)), 1);
  return Math.trunc(Math.fround(cp * 255));
}

/** C's lrint under the default rounding mode. */
function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const diff = v - f;
  if (diff > 0.5) return f + 1;
  if (diff < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}
