import type { Rgb } from "./render-gfx";

/**
 * The CartPole scene as Gymnasium's `rgb_array` renderer lays it out, in pygame's coordinates on a 600x400
 * surface (y up once the image is flipped). Both the exact renderer and the small area-coverage renderer
 * place their shapes from here, so they cannot drift apart.
 */
export const SCREEN_WIDTH = 600;
export const SCREEN_HEIGHT = 400;

const X_THRESHOLD = 2.4;
const POLE_HALF_LENGTH = 0.5;
// Computed in the same order as Gymnasium so the doubles (and hence truncated pixels) agree.
const WORLD_WIDTH = X_THRESHOLD * 2;
const SCALE = SCREEN_WIDTH / WORLD_WIDTH;
const POLE_WIDTH = 10.0;
const POLE_LENGTH = SCALE * (2 * POLE_HALF_LENGTH);
const CART_WIDTH = 50.0;
const CART_HEIGHT = 30.0;
const AXLE_OFFSET = CART_HEIGHT / 4.0;

/** The cart's top (Gymnasium calls it that; the cart is centred on it) and the track's row. */
export const CART_Y = 100;
export const AXLE_RADIUS = Math.trunc(POLE_WIDTH / 2);
/** The axle's row: gfxdraw truncates `carty + axleoffset`. */
export const AXLE_Y = Math.trunc(CART_Y + AXLE_OFFSET);

export const WHITE: Rgb = [255, 255, 255];
export const CART_COLOUR: Rgb = [0, 0, 0];
export const POLE_COLOUR: Rgb = [202, 152, 101];
export const AXLE_COLOUR: Rgb = [129, 132, 203];
export const TRACK_COLOUR: Rgb = [0, 0, 0];

/**
 * Beyond this distance from the screen every shape is off it (the pole's corners are 120.1 px from the
 * axle). Culling there also keeps coordinates far from Sint16 range, where SDL_gfx would wrap them around.
 */
const CULL_MARGIN = POLE_LENGTH + CART_WIDTH;

/**
 * The cart's centre column in pixels, as a float: `x * scale + width / 2`.
 *
 * @example
 * cartCentreX(1); // 425
 */
export function cartCentreX(x: number): number {
  return x * SCALE + SCREEN_WIDTH / 2.0;
}

/**
 * Whether the cart and pole at this centre column can touch the screen.
 *
 * @example
 * sceneVisible(cartCentreX(2.4)); // true: half the cart is on screen
 * sceneVisible(cartCentreX(5)); // false
 */
export function sceneVisible(cartX: number): boolean {
  return cartX > -CULL_MARGIN && cartX < SCREEN_WIDTH + CULL_MARGIN;
}

/**
 * Writes the cart's corners (float pixels) into `xs`, `ys` in Gymnasium's order: (l, b), (l, t), (r, t), (r, b).
 *
 * @example
 * const xs = new Float64Array(4), ys = new Float64Array(4);
 * cartCorners(cartCentreX(0), xs, ys); // xs = [275, 275, 325, 325], ys = [85, 115, 115, 85]
 */
export function cartCorners(cartX: number, xs: Float64Array, ys: Float64Array): void {
  const l = -CART_WIDTH / 2;
  const r = CART_WIDTH / 2;
  const t = CART_HEIGHT / 2;
  const b = -CART_HEIGHT / 2;
  xs[0] = l + cartX;
  ys[0] = b + CART_Y;
  xs[1] = l + cartX;
  ys[1] = t + CART_Y;
  xs[2] = r + cartX;
  ys[2] = t + CART_Y;
  xs[3] = r + cartX;
  ys[3] = b + CART_Y;
}

const TWO_PI = 2 * Math.PI;
const HALF_PI = Math.PI / 2;
/** pygame.math.Vector2's default epsilon, which decides when a rotation snaps to a right angle. */
const VECTOR_EPSILON = 1e-6;

/**
 * Writes the pole's corners (float pixels) into `xs`, `ys`: the rectangle (l, b), (l, t), (r, t), (r, b) with
 * l, r = -+5, b = -5, t = length - 5, rotated by `-theta` with pygame's `Vector2.rotate_rad` (angle reduced
 * to [0, 2pi), exact at multiples of pi/2) and moved to the axle at (cartX, carty + axleoffset).
 *
 * @example
 * const xs = new Float64Array(4), ys = new Float64Array(4);
 * poleCorners(300, 0, xs, ys); // xs = [295, 295, 305, 305], ys = [102.5, 227.5, 227.5, 102.5]
 */
export function poleCorners(cartX: number, theta: number, xs: Float64Array, ys: Float64Array): void {
  let angle = -theta % TWO_PI;
  if (angle < 0) angle += TWO_PI;
  let cos: number;
  let sin: number;
  let snapped = false;
  if ((angle + VECTOR_EPSILON) % HALF_PI < 2 * VECTOR_EPSILON) {
    snapped = true;
    const quadrant = Math.trunc((angle + VECTOR_EPSILON) / HALF_PI) % 4;
    cos = quadrant === 0 ? 1 : quadrant === 2 ? -1 : 0;
    sin = quadrant === 1 ? 1 : quadrant === 3 ? -1 : 0;
  } else {
    cos = Math.cos(angle);
    sin = Math.sin(angle);
  }
  const l = -POLE_WIDTH / 2;
  const r = POLE_WIDTH / 2;
  const t = POLE_LENGTH - POLE_WIDTH / 2;
  const b = -POLE_WIDTH / 2;
  for (let i = 0; i < 4; i++) {
    const px = i < 2 ? l : r;
    const py = i === 0 || i === 3 ? b : t;
    // The snapped case swaps or negates components exactly, as pygame does, instead of multiplying by 0 and 1.
    const rx = snapped ? (cos !== 0 ? cos * px : -sin * py) : cos * px - sin * py;
    const ry = snapped ? (cos !== 0 ? cos * py : sin * px) : sin * px + cos * py;
    xs[i] = rx + cartX;
    ys[i] = ry + CART_Y + AXLE_OFFSET;
  }
}
