import { HostArray, TensorDict } from "@tdrl/tensordict";
import { describe, expect, it } from "vitest";
import { Compose } from "./compose";
import { GrayScale } from "./gray-scale";
import { loadPipelineFrames, maxAbsDiff } from "../test/image-reference";
import { Resize } from "./resize";
import { ToTensorImage } from "./to-tensor-image";

describe("Resize", () => {
  const frames = loadPipelineFrames();
  const batch = () => {
    const data = new Uint8Array(frames.length * 400 * 600 * 3);
    frames.forEach((f, i) => data.set(f.rgb, i * f.rgb.length));
    return new TensorDict({ pixels: new HostArray("uint8", [frames.length, 400, 600, 3], data) }, [frames.length]);
  };

  for (const antialias of [true, false]) {
    for (const channelsFirst of [false, true]) {
      it(`ToTensorImage, GrayScale, Resize(84, 84, antialias ${antialias}) match torchvision to 1e-3 on every frame (channelsFirst ${channelsFirst})`, () => {
        const chain = new Compose(
          new ToTensorImage({ channelsFirst }),
          new GrayScale({ channelsFirst }),
          new Resize(84, 84, { antialias, channelsFirst }),
        );
        const out = chain.forward(batch()).getHost("pixels");
        expect(out.shape).toEqual(channelsFirst ? [frames.length, 1, 84, 84] : [frames.length, 84, 84, 1]);
        frames.forEach((f, i) => {
          const mine = out.data.subarray(i * 84 * 84, (i + 1) * 84 * 84);
          expect(maxAbsDiff(mine, antialias ? f.antialias : f.noAntialias)).toBeLessThan(1e-3);
        });
        // Antialiasing matters on these frames: the two references differ by far more than the tolerance.
        expect(maxAbsDiff(frames[1]!.antialias, frames[1]!.noAntialias)).toBeGreaterThan(0.05);
      });
    }
  }

  it("resizes to w columns and h rows (TorchRL swaps them) with each interpolation", () => {
    // One 2x4 image: rows [0, 1, 2, 3] and [4, 5, 6, 7].
    const td = () => new TensorDict({ pixels: HostArray.from("float32", [2, 4, 1], [0, 1, 2, 3, 4, 5, 6, 7]) });
    const run = (r: Resize) => r.forward(td()).getHost("pixels");
    const bilinear = run(new Resize(2, 1, { antialias: false }));
    expect([bilinear.shape, Array.from(bilinear.data)]).toEqual([
      [1, 2, 1],
      [2.5, 4.5],
    ]);
    expect(Array.from(run(new Resize(2, 1, { interpolation: "nearest" })).data)).toEqual([0, 2]);
    expect(Array.from(run(new Resize(3, 2, { interpolation: "area" })).data)).toEqual([0.5, 1.5, 2.5, 4.5, 5.5, 6.5]);
    // Antialias: rows 2 -> 1 averaged to [2, 3, 4, 5]; columns 4 -> 2 with triangle weights 3/7, 3/7, 1/7.
    const aa = run(new Resize(2, 1));
    expect(aa.data[0]).toBeCloseTo(19 / 7, 6);
    expect(aa.data[1]).toBeCloseTo(30 / 7, 6);
  });

  it("keeps one plan per input size, so images of another size resize correctly", () => {
    const r = new Resize(2, 2, { interpolation: "area" });
    const small = r
      .forward(new TensorDict({ pixels: HostArray.from("float32", [2, 2, 1], [1, 2, 3, 4]) }))
      .getHost("pixels");
    expect(Array.from(small.data)).toEqual([1, 2, 3, 4]);
    expect(small).toBe(r.forward(new TensorDict({ pixels: small })).getHost("pixels")); // same size: the leaf itself
    const big = r
      .forward(
        new TensorDict({
          pixels: HostArray.from(
            "float32",
            [4, 4, 1],
            Array.from({ length: 16 }, (_, i) => i),
          ),
        }),
      )
      .getHost("pixels");
    expect(Array.from(big.data)).toEqual([2.5, 4.5, 10.5, 12.5]);
  });

  it("rejects bad sizes, interpolations, antialias use and byte images, naming the transform and value", () => {
    expect(() => new Resize(0, 84)).toThrow("Resize: w must be a positive integer, got 0");
    expect(() => new Resize(84, 8.5)).toThrow("Resize: h must be a positive integer, got 8.5");
    expect(() => new Resize(8, 8, { interpolation: "bicubic" as "area" })).toThrow(
      'Resize: interpolation must be one of bilinear, nearest, area, got "bicubic"',
    );
    expect(() => new Resize(8, 8, { interpolation: "nearest", antialias: true })).toThrow(
      'Resize: antialias applies to bilinear interpolation only, got antialias true with "nearest"',
    );
    expect(() => new Resize(8, 8).forward(new TensorDict({ pixels: HostArray.zeros("uint8", [4, 4, 1]) }))).toThrow(
      'Resize: "pixels" is uint8[4, 4, 1]; expected float32 images (put ToTensorImage() before Resize)',
    );
  });

  it("refuses an empty image instead of returning zeros, and unknown options", () => {
    expect(() => new Resize(4, 4).forward(new TensorDict({ pixels: HostArray.zeros("float32", [8, 0, 1]) }))).toThrow(
      'Resize: "pixels": shape [8, 0, 1] is an empty image (height 8, width 0, channels 1); images need at least one pixel and one channel',
    );
    expect(() => new Resize(4, 4, { interp: "nearest" } as never)).toThrow('Resize: unknown option "interp"');
  });
});
