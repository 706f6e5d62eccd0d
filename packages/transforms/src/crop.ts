import type { DType, HostArray } from "@tdrl/tensordict";
import { cropPlanes, type CropBox } from "./image-kernels";
import { imageShape, kernelPlanes, type ImageLayout } from "./image-layout";
import { ImageTransform, type ImageTransformOptions } from "./image-transform";
import { checkOptions, type OptionKeys } from "@tdrl/tensordict";

const CROP_OPTION_KEYS = {
  top: true,
  left: true,
  inKeys: true,
  outKeys: true,
  channelsFirst: true,
} satisfies OptionKeys<CropOptions>;

/**
 * What `Crop` and `CenterCrop` share: a `w` x `h` box of every image, of any dtype, placed by `boxFor`;
 * where the box leaves the image the output is zero (torchvision pads the same way).
 */
export abstract class BoxCrop extends ImageTransform {
  readonly w: number;
  readonly h: number;

  protected constructor(w: number, h: number, options: ImageTransformOptions) {
    super(options);
    for (const [name, v] of [
      ["w", w],
      ["h", h],
    ] as const) {
      if (!(Number.isInteger(v) && v >= 1))
        throw new Error(`${this.name}: ${name} must be a positive integer, got ${String(v)}`);
    }
    this.w = w;
    this.h = h;
  }

  /** Where the box sits in an image of the given size (its `height` and `width` are `h` and `w`). */
  protected abstract boxFor(height: number, width: number): CropBox;

  protected override outputDType(input: DType): DType {
    return input;
  }

  protected override outputShape(layout: ImageLayout): number[] {
    return imageShape(layout, this.h, this.w, layout.channels);
  }

  protected override outputBounds(low: number, high: number, layout: ImageLayout): [number, number] {
    const { top, left } = this.boxFor(layout.height, layout.width);
    const inside = top >= 0 && left >= 0 && top + this.h <= layout.height && left + this.w <= layout.width;
    return inside ? [low, high] : [Math.min(low, 0), Math.max(high, 0)];
  }

  protected override run(src: HostArray, layout: ImageLayout, out: HostArray): void {
    const { planes, channels } = kernelPlanes(layout);
    cropPlanes(
      src.data,
      planes,
      layout.height,
      layout.width,
      channels,
      this.boxFor(layout.height, layout.width),
      out.data,
    );
  }
}

export interface CropOptions extends ImageTransformOptions {
  /** Row of the box's top edge (default 0); may be negative or past the image, which reads as zeros. */
  top?: number;
  /** Column of the box's left edge (default 0), likewise. */
  left?: number;
}

/**
 * Cuts a `w` x `h` box with its top-left corner at (`top`, `left`) out of every image (TorchRL's `Crop`,
 * torchvision's `crop`), keeping the dtype; the part of the box outside the image is zero.
 *
 * @example
 * import { HostArray, TensorDict } from "@tdrl/tensordict";
 * import { Crop } from "@tdrl/transforms";
 * const td = new TensorDict({ pixels: HostArray.from("uint8", [3, 3, 1], [1, 2, 3, 4, 5, 6, 7, 8, 9]) });
 * new Crop(2, 1, { top: 1, left: 1 }).forward(td).getHost("pixels").data; // Uint8Array [5, 6]
 */
export class Crop extends BoxCrop {
  readonly top: number;
  readonly left: number;

  constructor(w: number, h: number, options: CropOptions = {}) {
    checkOptions("Crop", options, CROP_OPTION_KEYS);
    super(w, h, options);
    const { top = 0, left = 0 } = options;
    for (const [name, v] of [
      ["top", top],
      ["left", left],
    ] as const) {
      if (!Number.isInteger(v)) throw new Error(`Crop: ${name} must be an integer, got ${String(v)}`);
    }
    this.top = top;
    this.left = left;
  }

  protected override boxFor(): CropBox {
    return { top: this.top, left: this.left, height: this.h, width: this.w };
  }
}
