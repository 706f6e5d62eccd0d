import { HostArray, TensorDict } from "@tdrl/tensordict";
import { describe, expect, it } from "vitest";
import { Crop } from "./crop";

// Two 4x5 images with 2 channels: value = 100 * n + 10 * y + x, channel 1 negated.
const images = () =>
  HostArray.from(
    "int32",
    [2, 4, 5, 2],
    Array.from({ length: 80 }, (_, i) => {
      const [n, y, x, c] = [Math.floor(i / 40), Math.floor(i / 10) % 4, Math.floor(i / 2) % 5, i % 2];
      return (c === 0 ? 1 : -1) * (100 * n + 10 * y + x);
    }),
  );

describe("Crop", () => {
  it("cuts the w x h box at (top, left) out of every image, any dtype, channels last", () => {
    const out = new Crop(3, 2, { top: 1, left: 2 })
      .forward(new TensorDict({ pixels: images() }, [2]))
      .getHost("pixels");
    expect([out.dtype, out.shape]).toEqual(["int32", [2, 2, 3, 2]]);
    expect(Array.from(out.data).filter((_, i) => i % 2 === 0)).toEqual([
      12, 13, 14, 22, 23, 24, 112, 113, 114, 122, 123, 124,
    ]);
    expect(out.at(1, 1, 2, 1)).toBe(-124);
  });

  it("crops channels-first images and zero-fills outside the image", () => {
    const chw = HostArray.from("float32", [1, 3, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const out = new Crop(3, 2, { top: 2, left: -1, channelsFirst: true })
      .forward(new TensorDict({ pixels: chw }))
      .getHost("pixels");
    expect(out.shape).toEqual([1, 2, 3]);
    expect(Array.from(out.data)).toEqual([0, 7, 8, 0, 0, 0]);
  });

  it("rejects bad sizes and offsets, naming the transform and the value", () => {
    expect(() => new Crop(0, 2)).toThrow("Crop: w must be a positive integer, got 0");
    expect(() => new Crop(2, 1.5)).toThrow("Crop: h must be a positive integer, got 1.5");
    expect(() => new Crop(2, 2, { top: 0.5 })).toThrow("Crop: top must be an integer, got 0.5");
    expect(() => new Crop(2, 2).forward(new TensorDict({ pixels: HostArray.zeros("uint8", [4]) }))).toThrow(
      'Crop: "pixels" has shape [4] with 0 batch dim(s)',
    );
  });
});
