import { brandClass } from "@tdrl/tensordict";
import type { DType, HostArray, Leaf, Shape } from "@tdrl/tensordict";
import { rgbToGray } from "./image-kernels";
import { imageCount, imageShape, type ImageLayout } from "./image-layout";
import { ImageTransform, type ImageTransformOptions } from "./image-transform";
import { checkOptions, type OptionKeys } from "@tdrl/tensordict";

const GRAY_SCALE_OPTION_KEYS = {
  inKeys: true,
  outKeys: true,
  channelsFirst: true,
} satisfies OptionKeys<ImageTransformOptions>;

/**
 * RGB images to one grey channel (TorchRL's `GrayScale`, torchvision's `rgb_to_grayscale`):
 * `0.2989 R + 0.587 G + 0.114 B`, on float32 images (put `ToTensorImage` first). `[..., H, W, 3]` becomes
 * `[..., H, W, 1]` (or `[..., 3, H, W]` -> `[..., 1, H, W]` with `channelsFirst`). A one-channel image is
 * passed through as it is (torchvision copies it; records never write into their leaves, so sharing is
 * safe and saves a copy per step on the env's grey fast path).
 *
 * @example
 * import { HostArray, TensorDict } from "@tdrl/tensordict";
 * import { GrayScale } from "@tdrl/transforms";
 * const td = new TensorDict({ pixels: HostArray.from("float32", [1, 2, 3], [1, 1, 1, 0, 1, 0]) });
 * new GrayScale().forward(td).getHost("pixels"); // float32 [1, 2, 1]: 0.9999, 0.587
 */
export class GrayScale<K extends string = never> extends ImageTransform {
  /** In place by default; `outKeys` add keys of the input's dtype. */
  declare readonly addedKeys?: { [P in K]: Leaf };

  static {
    brandClass(this, "GrayScale");
  }

  constructor(options: ImageTransformOptions<K> = {}) {
    checkOptions("GrayScale", options, GRAY_SCALE_OPTION_KEYS);
    super(options);
  }

  protected override outputDType(input: DType, key: string, shape: Shape): DType {
    if (input !== "float32")
      throw this.dtypeError(key, input, shape, "float32 images (put ToTensorImage() before GrayScale)");
    return "float32";
  }

  protected override outputShape(layout: ImageLayout, key: string): number[] {
    if (layout.channels !== 3 && layout.channels !== 1) {
      const dims = layout.channelsFirst ? "[..., C, H, W]" : "[..., H, W, C]";
      throw new Error(`${this.name}: "${key}" has ${layout.channels} channels (layout ${dims}); expected 3 (RGB) or 1`);
    }
    return imageShape(layout, layout.height, layout.width, 1);
  }

  protected override outputBounds(low: number, high: number, layout: ImageLayout): [number, number] {
    if (layout.channels === 1) return [low, high];
    // The weights are non-negative and sum to 0.9999 < 1, so outputs lie between 0 and the input bounds.
    return [Math.min(low, 0), Math.max(high, 0)];
  }

  protected override isIdentity(layout: ImageLayout): boolean {
    return layout.channels === 1;
  }

  protected override run(src: HostArray, layout: ImageLayout, out: HostArray): void {
    rgbToGray(
      src.data as Float32Array,
      imageCount(layout),
      layout.height * layout.width,
      layout.channelsFirst,
      out.data as Float32Array,
    );
  }
}
