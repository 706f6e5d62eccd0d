import { HostArray, TensorDict } from "@tdrl/tensordict";
import { describe, expect, it } from "vitest";
import { GrayScale } from "./gray-scale";

const wsum = (r: number, g: number, b: number) => Math.fround(0.2989 * r + 0.587 * g + 0.114 * b);

describe("GrayScale", () => {
  it("mixes R, G, B with torchvision's weights into one channel, channels last", () => {
    const rgb = HostArray.from("float32", [2, 1, 2, 3], [1, 0, 0, 0.2, 0.4, 0.6, 0, 0, 1, 1, 1, 1]);
    const out = new GrayScale().forward(new TensorDict({ pixels: rgb }, [2])).getHost("pixels");
    expect(out.shape).toEqual([2, 1, 2, 1]);
    expect(Array.from(out.data)).toEqual(
      [wsum(1, 0, 0), wsum(0.2, 0.4, 0.6), wsum(0, 0, 1), wsum(1, 1, 1)].map((v) => Math.fround(v)),
    );
  });

  it("reads and writes [..., C, H, W] with channelsFirst and passes one-channel images through", () => {
    const chw = HostArray.from("float32", [3, 1, 2], [1, 0.2, 0, 0.4, 0, 0.6]);
    const out = new GrayScale({ channelsFirst: true }).forward(new TensorDict({ pixels: chw })).getHost("pixels");
    expect(out.shape).toEqual([1, 1, 2]);
    expect(Array.from(out.data)).toEqual([wsum(1, 0, 0), wsum(0.2, 0.4, 0.6)]);
    const one = HostArray.from("float32", [1, 2, 1], [0.25, 0.5]);
    const same = new GrayScale().forward(new TensorDict({ pixels: one })).getHost("pixels");
    expect(same).toBe(one);
  });

  it("rejects bytes, other channel counts and missing keys", () => {
    const t = new GrayScale();
    expect(() => t.forward(new TensorDict({ pixels: HostArray.zeros("uint8", [2, 2, 3]) }))).toThrow(
      'GrayScale: "pixels" is uint8[2, 2, 3]; expected float32 images (put ToTensorImage() before GrayScale)',
    );
    expect(() => t.forward(new TensorDict({ pixels: HostArray.zeros("float32", [2, 2, 4]) }))).toThrow(
      'GrayScale: "pixels" has 4 channels (layout [..., H, W, C]); expected 3 (RGB) or 1',
    );
    expect(() =>
      new GrayScale({ inKeys: ["frame"] }).forward(new TensorDict({ pixels: HostArray.zeros("float32", [2, 2, 3]) })),
    ).toThrow('GrayScale: key "frame" not found in the record; it has keys: pixels');
  });
});
