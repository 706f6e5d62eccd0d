import {
  boxProjection,
  discColumn,
  discCornerArea,
  overlap,
  slabFractionOf,
  type BoxProjection,
  type DiscColumn,
  type DiscRow,
} from "./antialias-coverage";
import { cartCorners, poleCorners, SCREEN_HEIGHT } from "./render-scene";
import { AXLE_DISC_RADIUS, type Layout } from "./render-small-layout";

/**
 * The scene placed for one call, in output pixel coordinates (u right, v down), except the axle disc, which
 * stays in screen pixels because the output's scaling would make it an ellipse. One instance is reused:
 * fields of an object update in place, where module-level numbers would be re-boxed on every write.
 *
 * @example
 * const scene = new PlacedScene();
 * scene.place(300, 0, layoutFor(84, 84, true)); // the cart centred, the pole upright
 * scene.poleRowCover(40, 41, 44); // scene.poleCover[0..2] = [0.7, 0.84, 0]: the pole's share of pixels 41..43 of row 40
 */
export class PlacedScene {
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
    for (let c = a0; c <= a1; c++)
      discColumn(c / sx - axleX, AXLE_DISC_RADIUS, (this.discColumns[c - a0] ??= { x: 0, area: 0 }));
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
    const fa = slabFractionOf(
      this.nu * uc + this.nv * vc,
      this.loA,
      this.hiA,
      boxProjection(Math.max(a1, a2), Math.min(a1, a2), this.boxA),
    );
    if (fa === 0) return 0;
    const b1 = Math.abs(this.du) * hu;
    const b2 = Math.abs(this.dv) * hv;
    return (
      fa *
      slabFractionOf(
        this.du * uc + this.dv * vc,
        this.loB,
        this.hiB,
        boxProjection(Math.max(b1, b2), Math.min(b1, b2), this.boxB),
      )
    );
  }

  /** Output columns [first, last) the pole's outline spans within output row r, into `span`. */
  poleColumns(r: number, span: Int32Array): void {
    let ua = Infinity;
    let ub = -Infinity;
    for (let i = 0; i < 4; i++) {
      const v0 = this.edgeV0[i]!;
      const v1 = this.edgeV1[i]!;
      const lo = Math.max(v0, r);
      const hi = Math.min(v1, r + 1);
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
    if (ua > ub) {
      span[0] = span[1] = 0;
      return;
    }
    span[0] = Math.floor(ua);
    span[1] = Math.ceil(ub);
  }

  /** Fraction of output column c, between two prepared row boundaries (upper above lower) `h` rows apart, inside the disc. */
  axleCoverBox(c: number, upper: DiscRow, lower: DiscRow, h: number): number {
    if (c < this.axleC0 || c >= this.axleC1) return 0;
    const left = this.discColumns[c - this.axleC0]!;
    const right = this.discColumns[c - this.axleC0 + 1]!;
    const area =
      discCornerArea(right, upper) -
      discCornerArea(left, upper) -
      discCornerArea(right, lower) +
      discCornerArea(left, lower);
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
      const area =
        discCornerArea(right, upper) -
        discCornerArea(left, upper) -
        discCornerArea(right, lower) +
        discCornerArea(left, lower);
      this.axleCover[c - c0] = area > 0 ? area * scale : 0;
      left = right;
    }
  }
}
