import { BoxCrop } from "./crop";
import type { CropBox } from "./image-kernels";
import type { ImageTransformOptions } from "./image-transform";
import { checkOptions, type OptionKeys } from "@tdrl/tensordict";

const CENTER_CROP_OPTION_KEYS = {
  inKeys: true,
  outKeys: true,
  channelsFirst: true,
} satisfies OptionKeys<ImageTransformOptions>;

/** Python's `round` (half to even), which torchvision uses to place the box. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** The offset of a `crop`-long window centred in `size` as torchvision's `center_crop` places it. */
function centredStart(size: number, crop: number): number {
  // A window longer than the image is the padded image: torchvision pads floor(excess / 2) on the near side.
  return crop > size ? -Math.floor((crop - size) / 2) : roundHalfEven((size - crop) / 2);
}

/**
 * Cuts a `w` x `h` box out of the centre of every image (TorchRL's `CenterCrop`, torchvision's
 * `center_crop`, with its rounding), keeping the dtype; a box larger than the image is zero-padded
 * around it.
 *
 * @example
 * import { HostArray, TensorDict } from "@tdrl/tensordict";
 * import { CenterCrop } from "@tdrl/transforms";
 * const td = new TensorDict({ pixels: HostArray.from("uint8", [3, 3, 1], [1, 2, 3, 4, 5, 6, 7, 8, 9]) });
 * new CenterCrop(1, 1).forward(td).getHost("pixels").data; // Uint8Array [5]
 */
export class CenterCrop extends BoxCrop {
  constructor(w: number, h: number, options: ImageTransformOptions = {}) {
    checkOptions("CenterCrop", options, CENTER_CROP_OPTION_KEYS);
    super(w, h, options);
  }

  protected override boxFor(height: number, width: number): CropBox {
    return { top: centredStart(height, this.h), left: centredStart(width, this.w), height: this.h, width: this.w };
  }
}
