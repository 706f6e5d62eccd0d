import { aacircle, aapolygon, filledCircle, filledPolygon, hline, type GfxSurface } from "./render-gfx";
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
  cartCentreX,
  cartCorners,
  poleCorners,
  sceneVisible,
} from "./render-scene";
import { rasterizeSmall } from "./render-small";

/** Height of a CartPole `rgb_array` frame in pixels. */
export const CARTPOLE_FRAME_HEIGHT = 400;
/** Width of a CartPole `rgb_array` frame in pixels. */
export const CARTPOLE_FRAME_WIDTH = 600;

const FRAME_BYTES = CARTPOLE_FRAME_HEIGHT * CARTPOLE_FRAME_WIDTH * 3;

// White with the track already drawn: most of every frame, copied in one `set`.
const background = new Uint8Array(FRAME_BYTES).fill(255);
hline(
  { data: background, offset: 0, width: SCREEN_WIDTH, height: SCREEN_HEIGHT },
  0,
  SCREEN_WIDTH,
  CART_Y,
  TRACK_COLOUR,
);

const fx = new Float64Array(4);
const fy = new Float64Array(4);
const ix = new Int32Array(4);
const iy = new Int32Array(4);

/** gfxdraw converts float vertices to C ints, truncating toward zero. */
function truncateCorners(): void {
  for (let i = 0; i < 4; i++) {
    ix[i] = Math.trunc(fx[i]!);
    iy[i] = Math.trunc(fy[i]!);
  }
}

function checkState(fn: string, state: ArrayLike<number>): void {
  if (state.length < 4)
    throw new RangeError(`${fn}: state must hold [x, x_dot, theta, theta_dot], got length ${state.length}`);
  if (!Number.isFinite(state[0])) throw new RangeError(`${fn}: state x must be finite, got ${state[0]}`);
  if (!Number.isFinite(state[2])) throw new RangeError(`${fn}: state theta must be finite, got ${state[2]}`);
}

function checkTarget(fn: string, out: Uint8Array, offset: number, bytes: number): void {
  if (!Number.isInteger(offset) || offset < 0)
    throw new RangeError(`${fn}: offset must be a non-negative integer, got ${offset}`);
  if (offset + bytes > out.length) {
    throw new RangeError(`${fn}: out holds ${out.length} bytes, the frame needs ${bytes} from offset ${offset}`);
  }
}

/**
 * Renders CartPole as Gymnasium's `rgb_array` renderer does, pixel for pixel: one 400x600x3 uint8 frame
 * (HWC, row 0 at the top) for `state = [x, x_dot, theta, theta_dot]`, written to `out` at `offset`. The
 * cart, pole, axle and track are drawn with the same vertex arithmetic and the same SDL_gfx rasterization
 * rules as pygame.gfxdraw, so frames match the reference PNGs exactly.
 *
 * @example
 * const frame = new Uint8Array(CARTPOLE_FRAME_HEIGHT * CARTPOLE_FRAME_WIDTH * 3);
 * renderCartPoleRgb([0.1, 0, 0.05, 0], frame);
 * frame[(299 * CARTPOLE_FRAME_WIDTH + 10) * 3]; // 0: the track row
 */
export function renderCartPoleRgb(state: ArrayLike<number>, out: Uint8Array, offset = 0): void {
  checkState("renderCartPoleRgb", state);
  checkTarget("renderCartPoleRgb", out, offset, FRAME_BYTES);
  out.set(background, offset);
  const cartX = cartCentreX(state[0]!);
  if (!sceneVisible(cartX)) return;
  const s: GfxSurface = { data: out, offset, width: SCREEN_WIDTH, height: SCREEN_HEIGHT };
  cartCorners(cartX, fx, fy);
  truncateCorners();
  aapolygon(s, ix, iy, CART_COLOUR);
  filledPolygon(s, ix, iy, CART_COLOUR);
  poleCorners(cartX, state[2]!, fx, fy);
  truncateCorners();
  aapolygon(s, ix, iy, POLE_COLOUR);
  filledPolygon(s, ix, iy, POLE_COLOUR);
  const axleX = Math.trunc(cartX);
  aacircle(s, axleX, AXLE_Y, AXLE_RADIUS, AXLE_COLOUR);
  filledCircle(s, axleX, AXLE_Y, AXLE_RADIUS, AXLE_COLOUR);
  // The background already has the track, but Gymnasium draws it last, over the cart.
  hline(s, 0, SCREEN_WIDTH, CART_Y, TRACK_COLOUR);
}

/**
 * Renders CartPole straight at a small size (e.g. 84x84) for pixel-based agents: the scene of
 * {@link renderCartPoleRgb} with each output pixel the fraction of its footprint covered by each shape,
 * composited in drawing order, which approximates rendering the full frame and area-averaging it down.
 * Writes `height * width` bytes when `grayscale` (torchvision weights 0.2989 R + 0.587 G + 0.114 B, rounded)
 * or `height * width * 3` RGB bytes, HWC with row 0 at the top, to `out` at `offset`. Only pixels near
 * the shapes are computed, on top of a cached background for the size.
 *
 * @example
 * const obs = new Uint8Array(84 * 84);
 * renderCartPoleSmall([0, 0, 0.1, 0], obs, { height: 84, width: 84, grayscale: true });
 * obs[0]; // 255: white sky
 */
export function renderCartPoleSmall(
  state: ArrayLike<number>,
  out: Uint8Array,
  options: { height: number; width: number; grayscale: boolean },
  offset = 0,
): void {
  const { height, width, grayscale } = options;
  if (!Number.isInteger(height) || height <= 0)
    throw new RangeError(`renderCartPoleSmall: height must be a positive integer, got ${height}`);
  if (!Number.isInteger(width) || width <= 0)
    throw new RangeError(`renderCartPoleSmall: width must be a positive integer, got ${width}`);
  if (typeof grayscale !== "boolean")
    throw new TypeError(`renderCartPoleSmall: grayscale must be a boolean, got ${String(grayscale)}`);
  checkState("renderCartPoleSmall", state);
  checkTarget("renderCartPoleSmall", out, offset, height * width * (grayscale ? 1 : 3));
  rasterizeSmall(state, out, offset, height, width, grayscale);
}
