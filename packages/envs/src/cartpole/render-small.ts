import { overlap, type DiscRow } from "./antialias-coverage";
import { cartCentreX, sceneVisible } from "./render-scene";
import { layoutFor, type Layout } from "./render-small-layout";
import { PlacedScene } from "./render-small-scene";

/**
 * The CartPole scene rasterized straight at a small size with box-filter anti-aliasing: each output pixel is
 * the colour its footprint on the 600x400 screen averages to, shape by shape. The shapes are the regions
 * pygame paints (see PlacedScene), their coverage analytic: separable for the cart and the track, a product
 * of two slab fractions for the pole, an exact disc-rectangle area for the axle. They are composited by
 * coverage in drawing order (cart, pole, axle, track), with two corrections where plain coverage blending
 * would treat overlapping shapes as independent: the axle lies inside the pole, and the track's band is
 * not spread evenly over the pole and axle (they usually end above it), so pixels they share with the band
 * are shaded part by part. The background comes from the layout in one `set`; only each row's hull of the
 * shapes is computed.
 */

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
    const w = Math.min(a, 1);
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
function shadeRow(
  acc: Float64Array,
  r: number,
  ca: number,
  cb: number,
  pa: number,
  pb: number,
  inCart: boolean,
  inAxle: boolean,
  L: Layout,
): void {
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
  // them; the pole and axle usually end just above the band, so in pixels they reach, the parts above and
  // below the band are shaded separately and the band added in.
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
function addPart(
  acc: Float64Array,
  i: number,
  c: number,
  v0: number,
  v1: number,
  upper: DiscRow,
  lower: DiscRow,
  L: Layout,
): void {
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
