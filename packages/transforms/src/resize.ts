import { brandClass } from "@tdrl/tensordict";
import type { DType, HostArray, Leaf, Shape } from "@tdrl/tensordict";
import { imageShape, kernelPlanes, type ImageLayout } from "./image-layout";
import { ImageTransform, type ImageTransformOptions } from "./image-transform";
import { ResizePlan, type Interpolation } from "./resize-kernels";
import { checkOptions, type OptionKeys } from "@tdrl/tensordict";

const RESIZE_OPTION_KEYS = {
  interpolation: true,
  antialias: true,
  inKeys: true,
  outKeys: true,
  channelsFirst: true,
} satisfies OptionKeys<ResizeOptions>;

const INTERPOLATIONS: readonly Interpolation[] = ["bilinear", "nearest", "area"];

export interface ResizeOptions<K extends string = string> extends ImageTransformOptions<K> {
  /** Default "bilinear". `"area"` is torch's adaptive average pooling. */
  interpolation?: Interpolation;
  /**
   * Anti-alias a bilinear downscale (default true, as TorchRL's `Resize`): torch's triangle filter with its
   * support widened by the scale factor. Only bilinear has the option; giving it with another
   * interpolation is an error.
   */
  antialias?: boolean;
}

/**
 * Resizes float32 images to `h` x `w` (TorchRL's `Resize`, torchvision's `resize`): bilinear with or without
 * antialias, nearest, or area, with torch's exact sampling rules. The sampling weights are computed once per
 * input size and reused, so a step costs one pass over the input per axis.
 *
 * TorchRL's `Resize(w, h)` hands `[w, h]` to torchvision, which reads it as `[height, width]`, so its
 * output is `w` rows by `h` columns. Here `w` is the width and `h` the height.
 *
 * @example
 * import { HostArray, TensorDict } from "@tdrl/tensordict";
 * import { Resize } from "@tdrl/transforms";
 * const td = new TensorDict({ pixels: HostArray.from("float32", [2, 4, 1], [0, 1, 2, 3, 4, 5, 6, 7]) });
 * new Resize(2, 1, { antialias: false }).forward(td).getHost("pixels").data; // Float32Array [2.5, 4.5]
 * new Resize(2, 1, { interpolation: "area", outKeys: ["small"] }).forward(td).getHost("small").data; // same
 */
export class Resize<K extends string = never> extends ImageTransform {
  /** In place by default; `outKeys` add keys of the input's dtype. */
  declare readonly addedKeys?: { [P in K]: Leaf };

  static {
    brandClass(this, "Resize");
  }

  readonly w: number;
  readonly h: number;
  readonly interpolation: Interpolation;
  readonly antialias: boolean;
  /** One plan per input size and channel count, since a transform may see several image keys. */
  private readonly plans = new Map<string, ResizePlan>();

  constructor(w: number, h: number, options: ResizeOptions<K> = {}) {
    checkOptions("Resize", options, RESIZE_OPTION_KEYS);
    super(options);
    for (const [name, v] of [
      ["w", w],
      ["h", h],
    ] as const) {
      if (!(Number.isInteger(v) && v >= 1))
        throw new Error(`Resize: ${name} must be a positive integer, got ${String(v)}`);
    }
    const interpolation = options.interpolation ?? "bilinear";
    if (!INTERPOLATIONS.includes(interpolation)) {
      throw new Error(
        `Resize: interpolation must be one of ${INTERPOLATIONS.join(", ")}, got ${JSON.stringify(interpolation)}`,
      );
    }
    if (options.antialias !== undefined && typeof options.antialias !== "boolean") {
      throw new Error(`Resize: antialias must be a boolean, got ${String(options.antialias)}`);
    }
    if (options.antialias !== undefined && interpolation !== "bilinear") {
      throw new Error(
        `Resize: antialias applies to bilinear interpolation only, got antialias ${options.antialias} with "${interpolation}"`,
      );
    }
    this.w = w;
    this.h = h;
    this.interpolation = interpolation;
    this.antialias = interpolation === "bilinear" && (options.antialias ?? true);
  }

  protected override outputDType(input: DType, key: string, shape: Shape): DType {
    if (input !== "float32")
      throw this.dtypeError(key, input, shape, "float32 images (put ToTensorImage() before Resize)");
    return "float32";
  }

  protected override outputShape(layout: ImageLayout): number[] {
    return imageShape(layout, this.h, this.w, layout.channels);
  }

  protected override outputBounds(low: number, high: number): [number, number] {
    // Every mode takes convex combinations of input pixels.
    return [low, high];
  }

  protected override isIdentity(layout: ImageLayout): boolean {
    // torch's weights at scale 1 are exactly one tap of weight 1 in every mode.
    return layout.height === this.h && layout.width === this.w;
  }

  protected override run(src: HostArray, layout: ImageLayout, out: HostArray): void {
    const { planes, channels } = kernelPlanes(layout);
    this.planFor(layout.height, layout.width, channels).run(src.data as Float32Array, planes, out.data as Float32Array);
  }

  /** @internal The (cached) sampling plan from `inH` x `inW` images of `channels` interleaved values; fused pipelines share it. */
  planFor(inH: number, inW: number, channels: number): ResizePlan {
    const id = `${inH}x${inW}x${channels}`;
    let plan = this.plans.get(id);
    if (plan === undefined) {
      plan = new ResizePlan(inH, inW, this.h, this.w, channels, this.interpolation, this.antialias);
      this.plans.set(id, plan);
    }
    return plan;
  }
}
