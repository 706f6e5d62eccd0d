import type { DType, Float32, HostArray, Shape } from "@tdrl/tensordict";
import { bytesToUnitFloat, interleavedToPlanar } from "./image-kernels";
import { imageCount, imageShape, type ImageLayout } from "./image-layout";
import { FusedImagePipeline } from "./fused-image-pipeline";
import { ImageTransform, type ImageTransformOptions } from "./image-transform";
import type { Transform } from "./transform";
import { checkOptions, type OptionKeys } from "@tdrl/tensordict";

const TO_TENSOR_IMAGE_OPTION_KEYS = {
  inKeys: true,
  outKeys: true,
  channelsFirst: true,
} satisfies OptionKeys<ImageTransformOptions>;

/**
 * Env frames (uint8 `[..., H, W, C]`) to float32 images in [0, 1] (TorchRL's `ToTensorImage`): values are
 * exactly `float32(v / 255)`. The output stays channels last by default, the layout tfjs convolutions
 * take; `channelsFirst: true` gives TorchRL's `[..., C, H, W]`. A float32 input is taken as already scaled
 * and only moved to the output layout (TorchRL's `from_int` inference): returned as it is when the layout
 * does not change. The input is always channels last,
 * as envs render it.
 *
 * @example
 * import { HostArray, TensorDict } from "@tdrl/tensordict";
 * import { ToTensorImage } from "@tdrl/transforms";
 * const td = new TensorDict({ pixels: HostArray.from("uint8", [1, 2, 3], [0, 51, 255, 255, 102, 0]) });
 * new ToTensorImage().forward(td).getHost("pixels").data; // Float32Array [0, 0.2, 1, 1, 0.4, 0]
 * new ToTensorImage({ channelsFirst: true, outKeys: ["chw"] }).forward(td).getHost("chw").shape; // [3, 1, 2]
 */
export class ToTensorImage<K extends string = "pixels"> extends ImageTransform {
  /** The float32 images it writes (at `outKeys`, default its in keys, default `"pixels"`). */
  declare readonly addedKeys?: { [P in K]: Float32 };

  constructor(options: ImageTransformOptions<K> & { inKeys?: readonly K[] } = {}) {
    checkOptions("ToTensorImage", options, TO_TENSOR_IMAGE_OPTION_KEYS);
    super(options);
  }

  /** GrayScale, Resize and ObservationNorm after it (in place, channels last) fuse into one pass from the bytes. */
  override fuseWith(next: Transform): Transform | null {
    return FusedImagePipeline.start(this, next);
  }

  protected override get inputChannelsFirst(): boolean {
    return false;
  }

  protected override outputDType(input: DType, key: string, shape: Shape): DType {
    if (input !== "uint8" && input !== "float32")
      throw this.dtypeError(key, input, shape, "uint8 pixels (or float32 already in [0, 1])");
    return "float32";
  }

  protected override outputShape(layout: ImageLayout): number[] {
    return imageShape({ ...layout, channelsFirst: this.channelsFirst }, layout.height, layout.width, layout.channels);
  }

  protected override outputBounds(low: number, high: number, layout: ImageLayout, input: DType): [number, number] {
    void layout;
    return input === "uint8" ? [low / 255, high / 255] : [low, high];
  }

  protected override isIdentity(layout: ImageLayout): boolean {
    // Reached for float32 input only (the dtype must not change): then only the layout might.
    return !this.channelsFirst || layout.channels === 1;
  }

  protected override run(src: HostArray, layout: ImageLayout, out: HostArray): void {
    const dst = out.data as Float32Array;
    const pixels = layout.height * layout.width;
    const images = imageCount(layout);
    if (src.dtype === "uint8") {
      bytesToUnitFloat(src.data as Uint8Array, images, pixels, layout.channels, this.channelsFirst, dst);
    } else {
      interleavedToPlanar(src.data as Float32Array, images, pixels, layout.channels, dst);
    }
  }
}
