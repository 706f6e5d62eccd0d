import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { HostArray, TensorDict } from "@tdrl/tensordict";
import { PNG } from "pngjs";
import { describe, expect, it } from "vitest";
import { checkEnvSpecs } from "../check-env-specs";
import { CartPoleEnv } from "./cartpole-env";
import { renderCartPoleRgb, renderCartPoleSmall } from "./render-cartpole";

const referenceDir = join(resolve(dirname(fileURLToPath(import.meta.url)), "../../../.."), "../shared/reference");

function small(state: ArrayLike<number>, height: number, width: number, grayscale: boolean): Uint8Array {
  const out = new Uint8Array(height * width * (grayscale ? 1 : 3));
  renderCartPoleSmall(state, out, { height, width, grayscale });
  return out;
}

function full(state: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(400 * 600 * 3);
  renderCartPoleRgb(state, out);
  return out;
}

/** Where two byte arrays first differ (-1 when equal): comparing 720,000 bytes with toEqual is slow. */
function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

describe("CartPoleEnv from pixels", () => {
  it("gives full 400x600 RGB frames of the current state and drops the state vector by default", () => {
    const env = new CartPoleEnv({ fromPixels: true });
    const root = env.reset();
    expect((root as TensorDict).has("observation")).toBe(false); // the typed record has no such key at all
    expect(root.getHost("pixels").shape).toEqual([400, 600, 3]);
    expect(firstDifference(root.getHost("pixels").data, full(env.getState(0)))).toBe(-1);
    env.setState(0, [1, 0, 0.15, 0]);
    const td = env.step(TensorDict.from({ action: HostArray.from("int32", [], [1]) }));
    expect(firstDifference(td.getHost("next.pixels").data, full(env.getState(0)))).toBe(-1);
    expect(firstDifference(env.render().data, full(env.getState(0)))).toBe(-1);
  });

  it("renders small grayscale or RGB frames per cart of a batch, keeping the state vector when asked", () => {
    const env = new CartPoleEnv({
      batchSize: [3],
      fromPixels: true,
      pixelsOnly: false,
      renderSize: [84, 84],
      grayscale: true,
    });
    env.reset();
    const states = [
      [-1.5, 0, -0.1, 0],
      [0, 0, 0, 0],
      [2, 0, 0.2, 0],
    ];
    states.forEach((s, i) => env.setState(i, s));
    const td = env.step(TensorDict.from({ action: HostArray.from("int32", [3], [0, 1, 0]) }, [3]));
    const pixels = td.getHost("next.pixels");
    expect(pixels.shape).toEqual([3, 84, 84, 1]);
    expect(td.getHost("next.observation").shape).toEqual([3, 4]);
    for (let i = 0; i < 3; i++) {
      expect(
        firstDifference(pixels.data.subarray(i * 84 * 84, (i + 1) * 84 * 84), small(env.getState(i), 84, 84, true)),
      ).toBe(-1);
    }
    // The carts are in different places: the frames differ.
    expect(Array.from(pixels.data.subarray(0, 84 * 84))).not.toEqual(
      Array.from(pixels.data.subarray(84 * 84, 2 * 84 * 84)),
    );
    const rgb = new CartPoleEnv({ fromPixels: true, renderSize: [40, 60] });
    expect(rgb.reset().getHost("pixels").shape).toEqual([40, 60, 3]);
    expect(firstDifference(rgb.reset().getHost("pixels").data, small(rgb.getState(0), 40, 60, false))).toBe(-1);
  });

  it("a partial reset re-renders only the reset carts and keeps the others' frames", () => {
    const env = new CartPoleEnv({ batchSize: [2], fromPixels: true, renderSize: [30, 45] });
    env.reset();
    env.setState(0, [0, 0, 0.25, 0]); // past 12 degrees: done after one step
    const [td, root] = env.stepAndMaybeReset(TensorDict.from({ action: HostArray.from("int32", [2], [0, 0]) }, [2]));
    const frame = 30 * 45 * 3;
    const before = td.getHost("next.pixels").data;
    const after = root.getHost("pixels").data;
    expect(td.getHost("next.done").data[0]).toBe(1);
    expect(firstDifference(after.subarray(frame), before.subarray(frame))).toBe(-1);
    expect(firstDifference(after.subarray(0, frame), small(env.getState(0), 30, 45, false))).toBe(-1);
    expect(firstDifference(after.subarray(0, frame), before.subarray(0, frame))).not.toBe(-1);
  });

  it("renders the reference frames' states as Gymnasium did", () => {
    const meta = JSON.parse(readFileSync(join(referenceDir, "cartpole-frames.json"), "utf8")) as {
      frames: { file: string; state: number[] }[];
    };
    const env = new CartPoleEnv();
    for (const frame of meta.frames.slice(0, 3)) {
      env.setState(0, frame.state);
      const png = PNG.sync.read(readFileSync(join(referenceDir, frame.file)));
      const rgb = new Uint8Array(png.width * png.height * 3);
      for (let p = 0; p < png.width * png.height; p++)
        for (let c = 0; c < 3; c++) rgb[3 * p + c] = png.data[4 * p + c]!;
      expect(firstDifference(env.render().data, rgb)).toBe(-1);
    }
  });

  it("passes checkEnvSpecs with full frames and with small batched frames", () => {
    checkEnvSpecs(new CartPoleEnv({ fromPixels: true }), { steps: 3 });
    checkEnvSpecs(
      new CartPoleEnv({ batchSize: [4], fromPixels: true, renderSize: [84, 84], grayscale: true, pixelsOnly: false }),
      { steps: 20 },
    );
  });
});
