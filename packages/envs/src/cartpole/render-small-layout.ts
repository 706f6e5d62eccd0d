import { discRow, overlap, type DiscRow } from "./antialias-coverage";
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
} from "./render-scene";

/**
 * What the small CartPole renderer precomputes per output size and colour mode: the scale, the colours in
 * the output's channels, the background (white with the track blended in by coverage), and the parts of
 * the scene that never move vertically (the track's band, the axle disc's row boundaries).
 */

/** torchvision's `rgb_to_grayscale` weights. */
export const GRAY_WEIGHTS: Rgb = [0.2989, 0.587, 0.114];

/** Everything about one output size and colour mode that does not depend on the state. */
export interface Layout {
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  /** Output pixels per screen pixel, horizontally and vertically. */
  readonly sx: number;
  readonly sy: number;
  /** The frame with no cart or pole: white, with the track's row blended in by its coverage. */
  readonly background: Uint8Array;
  /** The track's band in output rows, and the share of each row it covers. */
  readonly trackTop: number;
  readonly trackBottom: number;
  readonly trackCover: Float64Array;
  /** The scene's colours in the output's channels (one gray value, or RGB), on 0..255. */
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
export const AXLE_DISC_Y = AXLE_Y + 0.5;
export const AXLE_DISC_RADIUS = AXLE_RADIUS + 0.5;

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
/** Few sizes are in use at once; past this many the cache starts over rather than grow without bound. */
const MAX_LAYOUTS = 16;
let lastLayout: Layout | undefined;

/**
 * The layout for a size and mode, built on first use and cached (the last one is checked first, as
 * renderers call with one size over and over).
 *
 * @example
 * layoutFor(84, 84, true).background.length; // 7056
 */
export function layoutFor(height: number, width: number, grayscale: boolean): Layout {
  const last = lastLayout;
  if (last !== undefined && last.height === height && last.width === width && last.channels === (grayscale ? 1 : 3))
    return last;
  const key = `${height}x${width}${grayscale ? "g" : "rgb"}`;
  let layout = layouts.get(key);
  if (layout === undefined) {
    if (layouts.size >= MAX_LAYOUTS) layouts.clear();
    layout = makeLayout(height, width, grayscale);
    layouts.set(key, layout);
  }
  lastLayout = layout;
  return layout;
}
