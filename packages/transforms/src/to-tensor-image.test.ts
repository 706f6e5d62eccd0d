import { HostArray, TensorDict } from "@tdrl/tensordict";
import { describe, expect, it } from "vitest";
import { ToTensorImage } from "./to-tensor-image";

const bytes = (shape: number[]) =>
  HostArray.from(
    "uint8",
    shape,
    Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => (i * 37) % 256),
  );

describe("ToTensorImage", () => {
  it("scales bytes to float32(v / 255), channels last by default, over any batch dims", () => {
    const src = bytes([2, 3, 4, 5, 3]);
    const td = new TensorDict({ pixels: src }, [2, 3]);
    const out = new ToTensorImage().forward(td).getHost("pixels");
    expect([out.dtype, out.shape]).toEqual(["float32", [2, 3, 4, 5, 3]]);
    expect(Array.from(out.data)).toEqual(Array.from(src.data, (v) => Math.fround(v / 255)));
  });

  it("moves channels first with channelsFirst, image by image", () => {
    const src = bytes([2, 3, 4, 3]); // two 3x4 RGB images
    const out = new ToTensorImage({ channelsFirst: true })
      .forward(new TensorDict({ pixels: src }, [2]))
      .getHost("pixels");
    expect(out.shape).toEqual([2, 3, 3, 4]);
    for (const [n, c, y, x] of [
      [0, 0, 0, 0],
      [0, 2, 1, 3],
      [1, 1, 2, 0],
      [1, 2, 2, 3],
    ] as const) {
      expect(out.at(n, c, y, x)).toBe(Math.fround(src.at(n, y, x, c) / 255));
    }
    // Float input is already scaled: only the layout changes.
    const f = new HostArray(
      "float32",
      [3, 4, 3],
      Float32Array.from(src.data.subarray(0, 36), (v) => v / 1000),
    );
    const moved = new ToTensorImage({ channelsFirst: true }).forward(new TensorDict({ pixels: f })).getHost("pixels");
    expect(moved.at(2, 1, 3)).toBe(f.at(1, 3, 2));
    expect(new ToTensorImage().forward(new TensorDict({ pixels: f })).getHost("pixels")).toBe(f);
  });

  it("writes a new array to outKeys and leaves the input untouched", () => {
    const src = bytes([4, 4, 3]);
    const copy = Array.from(src.data);
    const td = new ToTensorImage({ outKeys: ["image"] }).forward(new TensorDict({ pixels: src }));
    expect(td.getHost("pixels")).toBe(src);
    expect(Array.from(src.data)).toEqual(copy);
    expect(td.getHost("image").dtype).toBe("float32");
  });

  it("rejects missing keys, non-image shapes and other dtypes, naming the transform, key and value", () => {
    const t = new ToTensorImage();
    expect(() => t.forward(new TensorDict({ observation: HostArray.zeros("float32", [4]) }))).toThrow(
      'ToTensorImage: key "pixels" not found in the record; it has keys: observation',
    );
    expect(() => t.forward(new TensorDict({ pixels: HostArray.zeros("uint8", [4, 3]) }))).toThrow(
      'ToTensorImage: "pixels" has shape [4, 3] with 0 batch dim(s)',
    );
    expect(() => t.forward(new TensorDict({ pixels: HostArray.zeros("uint8", [2, 4, 3]) }, [2]))).toThrow(
      "with 1 batch dim(s); expected images [H, W, C]",
    );
    expect(() => t.forward(new TensorDict({ pixels: HostArray.zeros("int32", [2, 2, 3]) }))).toThrow(
      'ToTensorImage: "pixels" is int32[2, 2, 3]; expected uint8 pixels',
    );
    expect(() => new ToTensorImage({ channelsFirst: "yes" as unknown as boolean })).toThrow(
      "ToTensorImage: channelsFirst must be a boolean, got yes",
    );
  });
});
