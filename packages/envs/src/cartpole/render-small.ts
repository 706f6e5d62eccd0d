import {
  boxProjection,
  discColumn,
  discCornerArea,
  discRow,
  overlap,
  slabFractionOf,
  type BoxProjection,
  type DiscColumn,
  type DiscRow,
} from "./render-coverage";
import type { Rgb } from "./render-gfx";
import {
  AXLE_COLOUR,
  AXLE_RADIUS,
  AXLE_Y,
  CART_COLOUR,
  CART_Y,
  POLE_COLOUR,
  SCREEN_HEIGHT,
  SCREEN_WIDTH,
  TRACK_COLOUR,
  WHITE,
  cartCentreX,
  cartCorners,
  poleCorners,
  sceneVisible,
} from "./render-scene";

/**
 * The CartPole scene rasterized straight at a small size with box-filter anti-aliasing: each output pixel is
 * the colour its footprint on the 600x400 screen would average to. Shapes are the regions pygame fills,
 * as continuous sets: a polygon through pixel centres of gfxdraw's truncated vertices, grown by half a
 * pixel on every side (its scanline fill and anti-aliased outline reach that far on average), the axle a
 * disc of radius 5.5 on the centre of its midpoint circle, the track pygame row 100. Coverage is analytic:
 * separable for the cart and track, a product of two slab fractions for the pole, an exact disc-rectangle
 * area for the axle. Shapes are composited by coverage in drawing order (cart, pole, axle, track) over a
 * precomputed background, and only the pixels under their bounding box are touched.
 */

/** torchvision's `rgb_to_grayscale` weights. */
export const GRAY_WEIGHTS: Rgb = [0.2989, 0.587, 0.114];

interface Layout {
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  /** Output pixels per screen pixel, horizontally and vertically. */
  readonly sx: number;
  readonly sy: number;
  readonly background: Uint8Array;
  /** The track's band in output rows, and the share of each row it covers. */
  readonly trackTop: number;
  readonly trackBottom: number;
  readonly trackCover: Float64Array;
  readonly white: Float64Array;
  readonly track: Float64Array;
  readonly cart: Float64Array;
  readonly pole: Float64Array;
  readonly axle: Float64Array;
  /**
   * The axle never moves vertically, so its disc's row boundaries (output rows axleR0..axleR1) and the
   * track band's two edges, prepared for exact disc areas, belong to the size.
   */
  readonly axleR0: number;
  readonly axleR1: number;
  readonly axleRows: readonly DiscRow[];
  readonly bandTopRow: DiscRow;
  readonly bandBottomRow: DiscRow;
}

/** The axle disc in screen pixels: centred on the midpoint circle's centre pixel, 5.5 px in radius. */
const AXLE_DISC_Y = AXLE_Y + 0.5;
const AXLE_DISC_RADIUS = AXLE_RADIUS + 0.5;

const newRow = (): DiscRow => ({ y: 0, sign: 1, chord: 0, areaAtChord: 0, areaAtMinusChord: 0 });

/** A disc row boundary at output row coordinate v, for output rows `sy` per screen pixel. */
function axleRowAt(v: number, sy: number): DiscRow {
  return discRow(SCREEN_HEIGHT - v / sy - AXLE_DISC_Y, AXLE_DISC_RADIUS, newRow());
}

function colourIn(channels: number, c: Rgb): Float64Array {
  if (channels === 3) return Float64Array.from(c);
  return Float64Array.of(GRAY_WEIGHTS[0] * c[0] + GRAY_WEIGHTS[1] * c[1] + GRAY_WEIGHTS[2] * c[2]);
}

function makeLayout(height: number, width: number, grayscale: boolean): Layout {
  const channels = grayscale ? 1 : 3;
  const sx = width / SCREEN_WIDTH;
  const sy = height / SCREEN_HEIGHT;
  const trackTop = (SCREEN_HEIGHT - (CART_Y + 1)) * sy;
  const trackCover = new Float64Array(height);
  for (let r = 0; r < height; r++) trackCover[r] = overlap(r, r + 1, trackTop, trackTop + sy);
  const white = colourIn(channels, WHITE);
  const track = colourIn(channels, TRACK_COLOUR);
  const background = new Uint8Array(height * width * channels);
  for (let r = 0; r < height; r++) {
    const a = trackCover[r]!;
    for (let k = 0; k < channels; k++) {
      const v = Math.round(white[k]! + (track[k]! - white[k]!) * a);
      for (let c = 0; c < width; c++) background[(r * width + c) * channels + k] = v;
    }
  }
  const axleR0 = Math.max(Math.floor((SCREEN_HEIGHT - AXLE_DISC_Y - AXLE_DISC_RADIUS) * sy), 0);
  const axleR1 = Math.max(Math.min(Math.ceil((SCREEN_HEIGHT - AXLE_DISC_Y + AXLE_DISC_RADIUS) * sy), height), axleR0);
  const axleRows: DiscRow[] = [];
  for (let v = axleR0; v <= axleR1; v++) axleRows.push(axleRowAt(v, sy));
  return {
    height,
    width,
    channels,
    sx,
    sy,
    background,
    trackTop,
    trackBottom: trackTop + sy,
    trackCover,
    white,
    track,
    cart: colourIn(channels, CART_COLOUR),
    pole: colourIn(channels, POLE_COLOUR),
    axle: colourIn(channels, AXLE_COLOUR),
    axleR0,
    axleR1,
    axleRows,
    bandTopRow: axleRowAt(trackTop, sy),
    bandBottomRow: axleRowAt(trackTop + sy, sy),
  };
}

const layouts = new Map<string, Layout>();
let lastLayout: Layout | undefined;

function layoutFor(height: number, width: number, grayscale: boolean): Layout {
  const last = lastLayout;
  if (last !== undefined && last.height === height && last.width === width && last.channels === (grayscale ? 1 : 3)) return last;
  const key = `${height}x${width}${grayscale ? "g" : "rgb"}`;
  let layout = layouts.get(key);
  if (layout === undefined) {
    layout = makeLayout(height, width, grayscale);
    layouts.set(key, layout);
  }
  lastLayout = layout;
  return layout;
}

/**
 * The scene placed for one call, in output pixel coordinates (u right, v down), except the axle disc, which
 * stays in screen pixels because the output's scaling would make it an ellipse. One instance is reused:
 * fields of an object update in place, where module-level numbers would be re-boxed on every write.
 */
class PlacedScene {
  sx = 1;
  sy = 1;
  cartU0 = 0;
  cartU1 = 0;
  cartV0 = 0;
  cartV1 = 0;
  /** Output columns cartC0..cartC1 the cart reaches, with the share of each it covers (it is separable). */
  cartC0 = 0;
  cartC1 = 0;
  cartColumns = new Float64Array(64);
  /** The pole as two slabs: A across it (unit normal (nu, nv)), B along it (unit normal (du, dv)). */
  nu = 0;
  nv = 0;
  du = 0;
  dv = 0;
  loA = 0;
  hiA = 0;
  loB = 0;
  hiB = 0;
  /** An output pixel projected on the two normals. */
  readonly projA: BoxProjection = { reach: 0, flat: 0, quad: 0, lin: 0 };
  readonly projB: BoxProjection = { reach: 0, flat: 0, quad: 0, lin: 0 };
  /** The pole's coverage of the pixels of the current row, from its first column on. */
  poleCover = new Float64Array(64);
  poleV0 = 0;
  poleV1 = 0;
  /** The grown pole's corners, then its four edges, each from its upper end (edgeV0, edgeU0) down to edgeV1 with slope du/dv edgeK. */
  readonly cornerU = new Float64Array(4);
  readonly cornerV = new Float64Array(4);
  readonly edgeV0 = new Float64Array(4);
  readonly edgeV1 = new Float64Array(4);
  readonly edgeU0 = new Float64Array(4);
  readonly edgeK = new Float64Array(4);
  /** The axle's centre column in screen pixels, the output columns axleC0..axleC1 it reaches, and their boundaries. */
  axleX = 0;
  axleC0 = 0;
  axleC1 = 0;
  readonly discColumns: DiscColumn[] = [];
  /** The axle's coverage of the pixels of the current row, from axleC0 on. */
  axleCover = new Float64Array(16);
  private readonly fx = new Float64Array(4);
  private readonly fy = new Float64Array(4);

  /** Screen y (pygame, before the flip) to output rows. */
  private rowOf(y: number): number {
    return (SCREEN_HEIGHT - y) * this.sy;
  }

  /**
   * Places the shapes for the cart at screen column `cartX` and pole angle `theta`. Each is the region
   * pygame paints, as a continuous set: the filled pixel rectangle of the cart; for the pole, the polygon
   * through the centres of gfxdraw's truncated corner pixels grown by half a screen pixel (its scanline
   * fill and anti-aliased outline reach that far on average); for the axle, a disc of radius 5.5 on the
   * centre pixel of its midpoint circle.
   */
  place(cartX: number, theta: number, L: Layout): void {
    const { fx, fy, cornerU, cornerV } = this;
    const sx = (this.sx = L.sx);
    const sy = (this.sy = L.sy);
    cartCorners(cartX, fx, fy);
    this.cartU0 = Math.trunc(fx[0]!) * sx;
    this.cartU1 = (Math.trunc(fx[2]!) + 1) * sx;
    this.cartV0 = this.rowOf(Math.trunc(fy[1]!) + 1);
    this.cartV1 = this.rowOf(Math.trunc(fy[0]!));
    const c0 = (this.cartC0 = Math.max(Math.floor(this.cartU0), 0));
    const c1 = (this.cartC1 = Math.min(Math.ceil(this.cartU1), L.width));
    if (this.cartColumns.length < c1 - c0) this.cartColumns = new Float64Array(c1 - c0);
    for (let c = c0; c < c1; c++) this.cartColumns[c - c0] = overlap(c, c + 1, this.cartU0, this.cartU1);

    poleCorners(cartX, theta, fx, fy);
    for (let i = 0; i < 4; i++) {
      cornerU[i] = (Math.trunc(fx[i]!) + 0.5) * sx;
      cornerV[i] = this.rowOf(Math.trunc(fy[i]!) + 0.5);
    }
    // Truncation leaves a near-rectangle; each side is taken through the mean of its two corners.
    let du = (cornerU[1]! + cornerU[2]! - cornerU[0]! - cornerU[3]!) / 2;
    let dv = (cornerV[1]! + cornerV[2]! - cornerV[0]! - cornerV[3]!) / 2;
    const len = Math.sqrt(du * du + dv * dv);
    du /= len;
    dv /= len;
    const nu = -dv;
    const nv = du;
    // Growing by half a screen pixel is the Minkowski sum with that pixel, whose support along a unit
    // normal is half its projected extent.
    const growA = 0.5 * (sx * Math.abs(nu) + sy * Math.abs(nv));
    const growB = 0.5 * (sx * Math.abs(du) + sy * Math.abs(dv));
    const sideL = (nu * (cornerU[0]! + cornerU[1]!) + nv * (cornerV[0]! + cornerV[1]!)) / 2;
    const sideR = (nu * (cornerU[2]! + cornerU[3]!) + nv * (cornerV[2]! + cornerV[3]!)) / 2;
    const endB = (du * (cornerU[0]! + cornerU[3]!) + dv * (cornerV[0]! + cornerV[3]!)) / 2;
    const endT = (du * (cornerU[1]! + cornerU[2]!) + dv * (cornerV[1]! + cornerV[2]!)) / 2;
    const loA = Math.min(sideL, sideR) - growA;
    const hiA = Math.max(sideL, sideR) + growA;
    const loB = Math.min(endB, endT) - growB;
    const hiB = Math.max(endB, endT) + growB;
    this.nu = nu;
    this.nv = nv;
    this.du = du;
    this.dv = dv;
    this.loA = loA;
    this.hiA = hiA;
    this.loB = loB;
    this.hiB = hiB;
    boxProjection(0.5 * Math.max(Math.abs(nu), Math.abs(nv)), 0.5 * Math.min(Math.abs(nu), Math.abs(nv)), this.projA);
    boxProjection(0.5 * Math.max(Math.abs(du), Math.abs(dv)), 0.5 * Math.min(Math.abs(du), Math.abs(dv)), this.projB);
    let v0 = Infinity;
    let v1 = -Infinity;
    for (let i = 0; i < 4; i++) {
      const a = i < 2 ? loA : hiA;
      const b = i === 0 || i === 3 ? loB : hiB;
      cornerU[i] = nu * a + du * b;
      const v = nv * a + dv * b;
      cornerV[i] = v;
      if (v < v0) v0 = v;
      if (v > v1) v1 = v;
    }
    this.poleV0 = v0;
    this.poleV1 = v1;
    for (let i = 0; i < 4; i++) {
      const j = (i + 1) & 3;
      const up = cornerV[i]! <= cornerV[j]! ? i : j;
      const down = up === i ? j : i;
      this.edgeV0[i] = cornerV[up]!;
      this.edgeV1[i] = cornerV[down]!;
      this.edgeU0[i] = cornerU[up]!;
      const height = cornerV[down]! - cornerV[up]!;
      this.edgeK[i] = height > 0 ? (cornerU[down]! - cornerU[up]!) / height : 0;
    }

    if (this.poleCover.length < L.width) this.poleCover = new Float64Array(L.width);
    const axleX = (this.axleX = Math.trunc(cartX) + 0.5);
    const a0 = (this.axleC0 = Math.max(Math.floor((axleX - AXLE_DISC_RADIUS) * sx), 0));
    const a1 = (this.axleC1 = Math.min(Math.ceil((axleX + AXLE_DISC_RADIUS) * sx), L.width));
    for (let c = a0; c <= a1; c++) discColumn(c / sx - axleX, AXLE_DISC_RADIUS, (this.discColumns[c - a0] ??= { x: 0, area: 0 }));
    if (this.axleCover.length < a1 - a0) this.axleCover = new Float64Array(a1 - a0);
  }

  /**
   * Fills poleCover[c - pa] with the fraction of each output pixel (c, r), c in [pa, pb), inside the pole:
   * the product of its two slab fractions. Whole rows at a time, so that the slab arithmetic is inlined
   * into one loop and no per-pixel call returns a boxed number.
   */
  poleRowCover(r: number, pa: number, pb: number): void {
    const vc = r + 0.5;
    const { nu, nv, du, dv, loA, hiA, loB, hiB, projA, projB, poleCover } = this;
    for (let c = pa; c < pb; c++) {
      const uc = c + 0.5;
      const fa = slabFractionOf(nu * uc + nv * vc, loA, hiA, projA);
      poleCover[c - pa] = fa === 0 ? 0 : fa * slabFractionOf(du * uc + dv * vc, loB, hiB, projB);
    }
  }

  private readonly boxA: BoxProjection = { reach: 0, flat: 0, quad: 0, lin: 0 };
  private readonly boxB: BoxProjection = { reach: 0, flat: 0, quad: 0, lin: 0 };

  /** Fraction of the output box centred at (uc, vc) with half-extents (hu, hv) inside the pole. */
  poleCoverBox(uc: number, vc: number, hu: number, hv: number): number {
    const a1 = Math.abs(this.nu) * hu;
    const a2 = Math.abs(this.nv) * hv;
    const fa = slabFractionOf(this.nu * uc + this.nv * vc, this.loA, this.hiA, boxProjection(Math.max(a1, a2), Math.min(a1, a2), this.boxA));
    if (fa === 0) return 0;
    const b1 = Math.abs(this.du) * hu;
    const b2 = Math.abs(this.dv) * hv;
    return fa * slabFractionOf(this.du * uc + this.dv * vc, this.loB, this.hiB, boxProjection(Math.max(b1, b2), Math.min(b1, b2), this.boxB));
  }

  /** Output columns [first, last) the pole's outline spans within output row r, into `span`. */
  poleColumns(r: number, span: Int32Array): void {
    let ua = Infinity;
    let ub = -Infinity;
    for (let i = 0; i < 4; i++) {
      const v0 = this.edgeV0[i]!;
      const v1 = this.edgeV1[i]!;
      const lo = v0 > r ? v0 : r;
      const hi = v1 < r + 1 ? v1 : r + 1;
      if (lo > hi) continue;
      const u0 = this.edgeU0[i]!;
      const k = this.edgeK[i]!;
      const uLo = u0 + (lo - v0) * k;
      const uHi = u0 + (hi - v0) * k;
      if (uLo < ua) ua = uLo;
      if (uLo > ub) ub = uLo;
      if (uHi < ua) ua = uHi;
      if (uHi > ub) ub = uHi;
    }
    span[0] = Math.floor(ua);
    span[1] = Math.ceil(ub);
  }

  /** Fraction of output column c, between two prepared row boundaries (upper above lower) `h` rows apart, inside the disc. */
  axleCoverBox(c: number, upper: DiscRow, lower: DiscRow, h: number): number {
    if (c < this.axleC0 || c >= this.axleC1) return 0;
    const left = this.discColumns[c - this.axleC0]!;
    const right = this.discColumns[c - this.axleC0 + 1]!;
    const area = discCornerArea(right, upper) - discCornerArea(left, upper) - discCornerArea(right, lower) + discCornerArea(left, lower);
    return area > 0 ? (area * this.sx * this.sy) / h : 0;
  }

  /** Fills axleCover[c - axleC0] with the disc's share of each output pixel (c, r) in its columns. */
  axleRowCover(r: number, L: Layout): void {
    const upper = L.axleRows[r - L.axleR0]!;
    const lower = L.axleRows[r - L.axleR0 + 1]!;
    const c0 = this.axleC0;
    const scale = this.sx * this.sy;
    let left = this.discColumns[0]!;
    for (let c = c0; c < this.axleC1; c++) {
      const right = this.discColumns[c - c0 + 1]!;
      const area = discCornerArea(right, upper) - discCornerArea(left, upper) - discCornerArea(right, lower) + discCornerArea(left, lower);
      this.axleCover[c - c0] = area > 0 ? area * scale : 0;
      left = right;
    }
  }
}

const scene = new PlacedScene();

/** acc[i..] over by `colour` at coverage `a`. */
function blend(acc: Float64Array, i: number, ch: number, colour: Float64Array, a: number): void {
  if (ch === 1) {
    acc[i] = acc[i]! + (colour[0]! - acc[i]!) * a;
    return;
  }
  acc[i] = acc[i]! + (colour[0]! - acc[i]!) * a;
  acc[i + 1] = acc[i + 1]! + (colour[1]! - acc[i + 1]!) * a;
  acc[i + 2] = acc[i + 2]! + (colour[2]! - acc[i + 2]!) * a;
}

/**
 * Lays the axle at coverage `a` over a pixel whose pole coverage is `under`. The disc lies inside the pole,
 * so where the pole covers at least as much, the disc only replaces pole colour; blending by coverage
 * alone would treat the two as unrelated and let what is under the pole show through the axle.
 */
function blendAxle(acc: Float64Array, i: number, ch: number, L: Layout, a: number, under: number): void {
  const axle = L.axle;
  const pole = L.pole;
  if (a <= under || under >= 1) {
    const w = a < 1 ? a : 1;
    for (let k = 0; k < ch; k++) acc[i + k] = acc[i + k]! + (axle[k]! - pole[k]!) * w;
    return;
  }
  // The disc pokes out of the pole here: undo the pole's blend and lay the disc over what was below.
  for (let k = 0; k < ch; k++) {
    const below = (acc[i + k]! - pole[k]! * under) / (1 - under);
    acc[i + k] = below + (axle[k]! - below) * a;
  }
}

/**
 * Shades output row r over columns [ca, cb) into acc: white, then the cart, the pole (columns [pa, pb),
 * coverage already in scene.poleCover), the axle and the track, in drawing order.
 */
function shadeRow(acc: Float64Array, r: number, ca: number, cb: number, pa: number, pb: number, inCart: boolean, inAxle: boolean, L: Layout): void {
  const ch = L.channels;
  const s = scene;
  const n = (cb - ca) * ch;
  const white = L.white;
  // Plain loops: these runs are a few pixels long, shorter than the cost of calling fill or set.
  if (ch === 1) for (let i = 0; i < n; i++) acc[i] = white[0]!;
  else
    for (let i = 0; i < n; i += 3) {
      acc[i] = white[0]!;
      acc[i + 1] = white[1]!;
      acc[i + 2] = white[2]!;
    }

  // Cart: separable, so the product of the two overlaps is exact.
  if (inCart) {
    const cy = overlap(r, r + 1, s.cartV0, s.cartV1);
    const c0 = s.cartC0;
    for (let c = c0; c < s.cartC1; c++) blend(acc, (c - ca) * ch, ch, L.cart, cy * s.cartColumns[c - c0]!);
  }

  const poleCover = s.poleCover;
  for (let c = pa; c < pb; c++) {
    const a = poleCover[c - pa]!;
    if (a > 0) blend(acc, (c - ca) * ch, ch, L.pole, a);
  }

  if (inAxle) {
    s.axleRowCover(r, L);
    const c0 = s.axleC0;
    for (let c = c0; c < s.axleC1; c++) {
      const a = s.axleCover[c - c0]!;
      if (a > 0) blendAxle(acc, (c - ca) * ch, ch, L, a, c >= pa && c < pb ? poleCover[c - pa]! : 0);
    }
  }

  // The track, drawn last. It and the cart are both axis-aligned, so blending by coverage is exact for
  // them; but the pole and axle end above the band, so in pixels they reach, the parts of the pixel above
  // and below the band are shaded separately and the band added in.
  const band = L.trackCover[r]!;
  if (band > 0) {
    const top = L.trackTop;
    const bottom = L.trackBottom;
    const upper = inAxle ? L.axleRows[r - L.axleR0]! : L.bandTopRow;
    const lower = inAxle ? L.axleRows[r - L.axleR0 + 1]! : L.bandBottomRow;
    for (let c = ca; c < cb; c++) {
      const i = (c - ca) * ch;
      if ((c < pa || c >= pb) && (!inAxle || c < s.axleC0 || c >= s.axleC1)) {
        blend(acc, i, ch, L.track, band);
        continue;
      }
      for (let k = 0; k < ch; k++) acc[i + k] = L.track[k]! * band;
      if (top - r > 1e-9) addPart(acc, i, c, r, top, upper, L.bandTopRow, L);
      if (r + 1 - bottom > 1e-9) addPart(acc, i, c, bottom, r + 1, L.bandBottomRow, lower, L);
    }
  }
}

const part = new Float64Array(3);

/**
 * Adds the scene's colour over output column c, rows [v0, v1] (a part of a pixel cut by the track's band,
 * between the given disc row boundaries), weighted by the part's height, to acc[i..].
 */
function addPart(acc: Float64Array, i: number, c: number, v0: number, v1: number, upper: DiscRow, lower: DiscRow, L: Layout): void {
  const ch = L.channels;
  const s = scene;
  const h = v1 - v0;
  part.set(L.white);
  const cart = overlap(c, c + 1, s.cartU0, s.cartU1) * (overlap(v0, v1, s.cartV0, s.cartV1) / h);
  if (cart > 0) blend(part, 0, ch, L.cart, cart);
  const pole = s.poleCoverBox(c + 0.5, (v0 + v1) / 2, 0.5, h / 2);
  if (pole > 0) blend(part, 0, ch, L.pole, pole);
  if (v1 > L.axleR0 && v0 < L.axleR1) {
    const axle = s.axleCoverBox(c, upper, lower, h);
    if (axle > 0) blendAxle(part, 0, ch, L, axle, pole);
  }
  for (let k = 0; k < ch; k++) acc[i + k] = acc[i + k]! + part[k]! * h;
}

// Per-call scratch, reused: one row's colours under the shapes, before rounding.
let rowAcc = new Float64Array(256);
const span = new Int32Array(2);

/**
 * Renders the scene for `state` into `out` at `offset` as `height x width x channels` bytes (HWC, row 0 at
 * the top). Arguments are assumed valid; `renderCartPoleSmall` checks them.
 *
 * @example
 * const out = new Uint8Array(84 * 84);
 * rasterizeSmall([0, 0, 0, 0], out, 0, 84, 84, true);
 */
export function rasterizeSmall(
  state: ArrayLike<number>,
  out: Uint8Array,
  offset: number,
  height: number,
  width: number,
  grayscale: boolean,
): void {
  const L = layoutFor(height, width, grayscale);
  out.set(L.background, offset);
  const cartX = cartCentreX(state[0]!);
  if (!sceneVisible(cartX)) return;
  const s = scene;
  s.place(cartX, state[2]!, L);
  const ch = L.channels;
  if (rowAcc.length < width * ch) rowAcc = new Float64Array(width * ch);
  const acc = rowAcc;
  const white = L.white;
  const pole = L.pole;
  const poleCover = s.poleCover;
  const cartR0 = Math.floor(s.cartV0);
  const cartR1 = s.cartC0 < s.cartC1 ? Math.ceil(s.cartV1) : cartR0;
  const poleR0 = Math.floor(s.poleV0);
  const poleR1 = Math.ceil(s.poleV1);
  const axleR0 = L.axleR0;
  const axleR1 = s.axleC0 < s.axleC1 ? L.axleR1 : axleR0;
  const r0 = Math.max(Math.min(cartR0, poleR0, axleR0), 0);
  const r1 = Math.min(Math.max(cartR1, poleR1, axleR1), height);

  // Row by row, over the hull of the columns the shapes reach in that row; the rest keeps the background.
  // Rounding is by truncating x + 0.5, as colours are never negative.
  for (let r = r0; r < r1; r++) {
    const inCart = r >= cartR0 && r < cartR1;
    const inAxle = r >= axleR0 && r < axleR1;
    let pa = 0;
    let pb = 0;
    if (r >= poleR0 && r < poleR1) {
      s.poleColumns(r, span);
      pa = Math.max(span[0]!, 0);
      pb = Math.min(span[1]!, width);
      if (pa < pb) s.poleRowCover(r, pa, pb);
    }
    if (!inCart && !inAxle && !(L.trackCover[r]! > 0)) {
      // Only the pole reaches this row: pole over white, written straight out.
      const o = offset + (r * width + pa) * ch;
      if (ch === 1) {
        const w = white[0]! + 0.5;
        const d = pole[0]! - white[0]!;
        for (let c = pa; c < pb; c++) out[o + c - pa] = w + d * poleCover[c - pa]!;
      } else {
        for (let c = pa, i = o; c < pb; c++, i += 3) {
          const a = poleCover[c - pa]!;
          for (let k = 0; k < 3; k++) out[i + k] = white[k]! + (pole[k]! - white[k]!) * a + 0.5;
        }
      }
      continue;
    }
    let ca = inCart ? s.cartC0 : width;
    let cb = inCart ? s.cartC1 : 0;
    if (pa < pb) {
      ca = Math.min(ca, pa);
      cb = Math.max(cb, pb);
    }
    if (inAxle) {
      ca = Math.min(ca, s.axleC0);
      cb = Math.max(cb, s.axleC1);
    }
    if (ca >= cb) continue;
    shadeRow(acc, r, ca, cb, pa, pb, inCart, inAxle, L);
    const o = offset + (r * width + ca) * ch;
    const n = (cb - ca) * ch;
    for (let i = 0; i < n; i++) out[o + i] = acc[i]! + 0.5;
  }
}
