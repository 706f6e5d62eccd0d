import { describe, expect, it } from "vitest";
import { CARTPOLE_FRAME_HEIGHT, CARTPOLE_FRAME_WIDTH, renderCartPoleRgb, renderCartPoleSmall } from "./render-cartpole";
import { areaResize, edgeMask, loadReferenceFrames, meanAbsDiff, toGray, toUnit } from "../../test/render-reference";

const H = CARTPOLE_FRAME_HEIGHT;
const W = CARTPOLE_FRAME_WIDTH;
const FRAME_BYTES = H * W * 3;
const frames = loadReferenceFrames();

function fullFrame(state: readonly number[]): Uint8Array {
  const out = new Uint8Array(FRAME_BYTES);
  renderCartPoleRgb(state, out);
  return out;
}

function smallFrame(state: readonly number[], height: number, width: number, grayscale: boolean): Uint8Array {
  const out = new Uint8Array(height * width * (grayscale ? 1 : 3));
  renderCartPoleSmall(state, out, { height, width, grayscale });
  return out;
}

/** The pipeline the small renderer replaces: full frame, grayscale or not, on [0, 1], area-resized. */
function pipeline(state: readonly number[], height: number, width: number, grayscale: boolean): Float64Array {
  const full = fullFrame(state);
  return grayscale
    ? areaResize(toGray(full), H, W, 1, height, width)
    : areaResize(toUnit(full), H, W, 3, height, width);
}

/** The first index where two byte arrays differ, or -1 (vitest's deep equality is slow on 720k bytes). */
function firstDifference(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** At least this share of pixels must be identical to Gymnasium's. */
const MIN_IDENTICAL = 0.99;
/** Mean absolute difference allowed between the small renderer and the full pipeline, on [0, 1]. */
const MAX_MAD = 0.02;

describe("renderCartPoleRgb against Gymnasium's rgb_array frames", () => {
  it("has the reference frames to compare with", () => {
    expect(frames.length).toBe(10);
    for (const f of frames) expect([f.height, f.width]).toEqual([H, W]);
  });

  it.each(frames.map((f) => [f.file, f.state, f] as const))("%s, state %j", (_file, state, f) => {
    const ours = fullFrame(state);
    const edges = edgeMask(f.rgb, H, W);
    let identical = 0;
    const offEdge: string[] = [];
    for (let p = 0; p < H * W; p++) {
      const i = p * 3;
      if (ours[i] === f.rgb[i] && ours[i + 1] === f.rgb[i + 1] && ours[i + 2] === f.rgb[i + 2]) identical++;
      else if (!edges[p]) offEdge.push(`(row ${Math.floor(p / W)}, col ${p % W})`);
    }
    const fraction = identical / (H * W);
    console.info(
      `${f.file} ${JSON.stringify(state)}: ${(fraction * 100).toFixed(4)}% identical, ${H * W - identical} pixels differ`,
    );
    expect(fraction).toBeGreaterThanOrEqual(MIN_IDENTICAL);
    // A differing pixel must lie on a shape edge: its 3x3 neighbourhood in the reference is not uniform.
    expect(offEdge).toEqual([]);
  });

  it("is pixel-exact on every reference frame", () => {
    // Stricter than the rule above, which tolerates edge pixels: the renderer reproduces SDL_gfx exactly,
    // so any difference is a regression (or a platform whose sin/cos round differently).
    const differing = frames.map((f) => {
      const ours = fullFrame(f.state);
      let n = 0;
      for (let i = 0; i < FRAME_BYTES; i += 3) {
        if (ours[i] !== f.rgb[i] || ours[i + 1] !== f.rgb[i + 1] || ours[i + 2] !== f.rgb[i + 2]) n++;
      }
      return n;
    });
    expect(differing).toEqual(new Array(frames.length).fill(0));
  });

  it("draws the scene it is asked for: cart, pole, axle and track colours where they belong", () => {
    const f = fullFrame([0, 0, 0, 0]);
    const at = (row: number, col: number) => Array.from(f.subarray((row * W + col) * 3, (row * W + col) * 3 + 3));
    expect(at(0, 0)).toEqual([255, 255, 255]);
    expect(at(299, 0)).toEqual([0, 0, 0]); // track, pygame row 100 from the bottom
    expect(at(305, 280)).toEqual([0, 0, 0]); // cart body
    expect(at(399 - 150, 300)).toEqual([202, 152, 101]); // pole
    expect(at(399 - 107, 300)).toEqual([129, 132, 203]); // axle centre
  });
});

describe("renderCartPoleSmall against the full pipeline (full frame, grayscale, exact area resize)", () => {
  it.each(frames.map((f) => [f.file, f.state] as const))("%s at 84x84 grayscale", (file, state) => {
    const want = pipeline(state, 84, 84, true);
    const got = toUnit(smallFrame(state, 84, 84, true));
    const mad = meanAbsDiff(got, want);
    console.info(
      `${file} ${JSON.stringify(state)}: 84x84 gray MAD ${mad.toExponential(3)}, max ${maxAbsDiff(got, want).toFixed(4)}`,
    );
    expect(mad).toBeLessThan(MAX_MAD);
  });

  it.each(frames.map((f) => [f.file, f.state] as const))("%s at 84x84 RGB and 64x96 grayscale", (file, state) => {
    const rgbMad = meanAbsDiff(toUnit(smallFrame(state, 84, 84, false)), pipeline(state, 84, 84, false));
    const wideMad = meanAbsDiff(toUnit(smallFrame(state, 64, 96, true)), pipeline(state, 64, 96, true));
    console.info(`${file}: 84x84 RGB MAD ${rgbMad.toExponential(3)}, 64x96 gray MAD ${wideMad.toExponential(3)}`);
    expect(rgbMad).toBeLessThan(MAX_MAD);
    expect(wideMad).toBeLessThan(MAX_MAD);
  });

  it.each([
    [0, 0, 0, 0],
    [0.4, 0, -0.12, 0],
    [-1.1, 0, 2.5, 0],
    [0.7, 0, Math.PI / 2, 0],
  ])("at full size, state [%d, %d, %d, %d], lays its shapes where the exact frame has them", (...state) => {
    // At scale 1 coverage and pygame's pixels differ only in anti-aliasing weights along edges; a shape
    // misplaced or mis-sized by a pixel would leave whole pixels wrong by more than half the range.
    const got = smallFrame(state, H, W, false);
    const want = fullFrame(state);
    const mad = meanAbsDiff(toUnit(got), toUnit(want));
    console.info(`${JSON.stringify(state)}: 400x600 RGB MAD ${mad.toExponential(3)}, max ${maxAbsDiff(got, want)}`);
    expect(mad).toBeLessThan(5e-4);
    expect(maxAbsDiff(got, want)).toBeLessThan(128);
  });

  it("puts the exact colours inside the shapes", () => {
    const upright = smallFrame([0, 0, 0, 0], H, W, false);
    const at = (row: number, col: number) => Array.from(upright.subarray((row * W + col) * 3, (row * W + col) * 3 + 3));
    expect(at(399 - 150, 300)).toEqual([202, 152, 101]);
    expect(at(305, 280)).toEqual([0, 0, 0]);
    expect(at(0, 0)).toEqual([255, 255, 255]);
    const gray = smallFrame([0, 0, 0, 0], H, W, true);
    // round(0.2989 * 202 + 0.587 * 152 + 0.114 * 101) = 161
    expect(gray[(399 - 150) * W + 300]).toBe(161);
    expect(gray[0]).toBe(255);
  });

  // Beyond the reference: partly off-screen carts, poles far from upright (one pointing down through the
  // track, where the track must be drawn over it), right angles (pygame's exact rotation case).
  const unusual = [
    [-2.55, 0, 0.3, 0],
    [2.6, 0, -0.6, 0],
    [2.9, 0, -1.2, 0],
    [0.7, 0, Math.PI / 2, 0],
    [-0.3, 0, -Math.PI / 2, 0],
    [0.1, 0, Math.PI, 0],
    [-1.1, 0, 2.5, 0],
    [1.3, 0, 0.9, 0],
  ];
  it.each(unusual)("state [%d, %d, %d, %d] at 84x84 grayscale and RGB", (...state) => {
    const mad = meanAbsDiff(toUnit(smallFrame(state, 84, 84, true)), pipeline(state, 84, 84, true));
    const rgbMad = meanAbsDiff(toUnit(smallFrame(state, 84, 84, false)), pipeline(state, 84, 84, false));
    console.info(
      `${JSON.stringify(state)}: 84x84 gray MAD ${mad.toExponential(3)}, RGB MAD ${rgbMad.toExponential(3)}`,
    );
    expect(mad).toBeLessThan(MAX_MAD);
    expect(rgbMad).toBeLessThan(MAX_MAD);
  });
});

describe("shapes off-screen", () => {
  const background = fullFrame([1e9, 0, 0, 0]);

  it("the empty frame is white with the black track row", () => {
    for (let row = 0; row < H; row++) {
      const want = row === 299 ? 0 : 255;
      for (let i = row * W * 3; i < (row + 1) * W * 3; i++) {
        if (background[i] !== want) throw new Error(`byte ${i} (row ${row}) is ${background[i]}, want ${want}`);
      }
    }
  });

  it.each([[10], [-10], [1e6], [-1e300], [3.85], [-3.85]])(
    "x = %d draws nothing but background, full size and small",
    (x) => {
      for (const theta of [0, 0.2, -1.5, Math.PI]) {
        expect(firstDifference(fullFrame([x, 0, theta, 0]), background)).toBe(-1);
        for (const grayscale of [true, false]) {
          const got = smallFrame([x, 0, theta, 0], 84, 84, grayscale);
          expect(firstDifference(got, smallFrame([1e9, 0, 0, 0], 84, 84, grayscale))).toBe(-1);
        }
      }
      // And the empty small frame is the empty full frame, resized.
      expect(
        meanAbsDiff(toUnit(smallFrame([x, 0, 0, 0], 84, 84, true)), pipeline([x, 0, 0, 0], 84, 84, true)),
      ).toBeLessThan(0.001);
    },
  );
});

describe("output placement", () => {
  it("writes exactly its frame at the offset and overwrites whatever was there", () => {
    const state = [0.3, 0, 0.1, 0];
    const clean = fullFrame(state);
    const out = new Uint8Array(FRAME_BYTES + 20).fill(7);
    renderCartPoleRgb(state, out, 11);
    expect(Array.from(out.subarray(0, 11))).toEqual(new Array(11).fill(7));
    expect(Array.from(out.subarray(11 + FRAME_BYTES))).toEqual(new Array(9).fill(7));
    expect(firstDifference(out.subarray(11, 11 + FRAME_BYTES), clean)).toBe(-1);

    for (const grayscale of [true, false]) {
      const bytes = 84 * 84 * (grayscale ? 1 : 3);
      const small = smallFrame(state, 84, 84, grayscale);
      const into = new Uint8Array(bytes * 3).fill(7);
      renderCartPoleSmall(state, into, { height: 84, width: 84, grayscale }, bytes);
      expect(into.subarray(0, bytes).every((b) => b === 7)).toBe(true);
      expect(into.subarray(2 * bytes).every((b) => b === 7)).toBe(true);
      expect(firstDifference(into.subarray(bytes, 2 * bytes), small)).toBe(-1);
    }
  });

  it("renders the same frame whatever was rendered before (no state leaks between calls or sizes)", () => {
    const state = [-0.8, 0, -0.17, 0];
    const first = smallFrame(state, 84, 84, true);
    smallFrame([2, 0, 1, 0], 84, 84, true);
    smallFrame([0, 0, 0.1, 0], 200, 300, false);
    smallFrame([1, 0, 0.1, 0], 7, 5, true);
    expect(firstDifference(smallFrame(state, 84, 84, true), first)).toBe(-1);
  });

  it("handles tiny sizes", () => {
    for (const [h, w] of [
      [1, 1],
      [2, 3],
      [5, 1],
    ] as const) {
      const got = smallFrame([0.2, 0, 0.1, 0], h, w, true);
      expect(meanAbsDiff(toUnit(got), pipeline([0.2, 0, 0.1, 0], h, w, true))).toBeLessThan(MAX_MAD);
    }
  });
});

describe("validation", () => {
  const state = [0, 0, 0, 0];
  const small =
    (options: { height: number; width: number; grayscale: boolean }, out = new Uint8Array(84 * 84 * 3), offset = 0) =>
    () =>
      renderCartPoleSmall(state, out, options, offset);

  it("renderCartPoleSmall rejects bad sizes, modes, buffers and offsets, naming the value", () => {
    expect(small({ height: 0, width: 84, grayscale: true })).toThrow("height must be a positive integer, got 0");
    expect(small({ height: -3, width: 84, grayscale: true })).toThrow("height must be a positive integer, got -3");
    expect(small({ height: 1.5, width: 84, grayscale: true })).toThrow("height must be a positive integer, got 1.5");
    expect(small({ height: Number.NaN, width: 84, grayscale: true })).toThrow(
      "height must be a positive integer, got NaN",
    );
    expect(small({ height: 84, width: 0, grayscale: true })).toThrow("width must be a positive integer, got 0");
    expect(small({ height: 84, width: Infinity, grayscale: true })).toThrow(
      "width must be a positive integer, got Infinity",
    );
    expect(small({ height: 84, width: 84, grayscale: "yes" as unknown as boolean })).toThrow(
      "grayscale must be a boolean, got yes",
    );
    expect(small({ height: 84, width: 84, grayscale: false }, new Uint8Array(100))).toThrow(
      "out holds 100 bytes, the frame needs 21168 from offset 0",
    );
    expect(small({ height: 84, width: 84, grayscale: true }, new Uint8Array(84 * 84), 1)).toThrow(
      "out holds 7056 bytes, the frame needs 7056 from offset 1",
    );
    expect(small({ height: 84, width: 84, grayscale: true }, undefined, -1)).toThrow(
      "offset must be a non-negative integer, got -1",
    );
    expect(small({ height: 84, width: 84, grayscale: true }, undefined, 0.5)).toThrow(
      "offset must be a non-negative integer, got 0.5",
    );
  });

  it("both renderers reject states they cannot draw", () => {
    const out = new Uint8Array(FRAME_BYTES);
    expect(() => renderCartPoleRgb([0, 0], out)).toThrow("state must hold [x, x_dot, theta, theta_dot], got length 2");
    expect(() => renderCartPoleRgb([Number.NaN, 0, 0, 0], out)).toThrow("state x must be finite, got NaN");
    expect(() => renderCartPoleRgb([0, 0, Infinity, 0], out)).toThrow("state theta must be finite, got Infinity");
    expect(() => renderCartPoleSmall([0, 0, Number.NaN, 0], out, { height: 8, width: 8, grayscale: true })).toThrow(
      "renderCartPoleSmall: state theta must be finite, got NaN",
    );
    expect(() => renderCartPoleRgb(state, new Uint8Array(FRAME_BYTES - 1))).toThrow(
      `renderCartPoleRgb: out holds ${FRAME_BYTES - 1} bytes, the frame needs ${FRAME_BYTES} from offset 0`,
    );
    expect(() => renderCartPoleRgb(state, out, 3)).toThrow(`the frame needs ${FRAME_BYTES} from offset 3`);
  });
});
