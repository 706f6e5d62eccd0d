import { HostArray, TensorDict } from "@tdrl/tensordict";
import { describe, expect, it } from "vitest";
import { CenterCrop } from "./center-crop";

/** One row of `width` pixels, one channel, values 1..width (1-based so zero padding shows). */
const row = (width: number) =>
  HostArray.from(
    "uint8",
    [1, width, 1],
    Array.from({ length: width }, (_, i) => i + 1),
  );
const crop = (width: number, w: number) =>
  Array.from(new CenterCrop(w, 1).forward(new TensorDict({ pixels: row(width) })).getHost("pixels").data);

describe("CenterCrop", () => {
  it("places the box at round((size - crop) / 2) with Python's half-to-even rounding, as torchvision", () => {
    expect(crop(5, 3)).toEqual([2, 3, 4]); // offset 1
    expect(crop(6, 3)).toEqual([3, 4, 5]); // round(1.5) = 2
    expect(crop(8, 3)).toEqual([3, 4, 5]); // round(2.5) = 2
    expect(crop(10, 3)).toEqual([5, 6, 7]); // round(3.5) = 4
  });

  it("zero-pads a box larger than the image, floor(excess / 2) before it", () => {
    expect(crop(2, 5)).toEqual([0, 1, 2, 0, 0]);
    expect(crop(3, 5)).toEqual([0, 1, 2, 3, 0]);
  });

  it("crops the centre of batched channels-first images", () => {
    const chw = HostArray.from(
      "float32",
      [2, 1, 3, 3],
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15, 16, 17, 18, 19],
    );
    const out = new CenterCrop(1, 1, { channelsFirst: true })
      .forward(new TensorDict({ pixels: chw }, [2]))
      .getHost("pixels");
    expect([out.shape, Array.from(out.data)]).toEqual([
      [2, 1, 1, 1],
      [5, 15],
    ]);
  });

  it("rejects bad sizes naming the transform", () => {
    expect(() => new CenterCrop(3, -1)).toThrow("CenterCrop: h must be a positive integer, got -1");
  });
});
