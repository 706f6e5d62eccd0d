import { Bounded, HostArray, type TensorSpec, Unbounded, formatShape, type DType, type Shape } from "@tdrl/tensordict";
import { imageLayout, type ImageLayout } from "./image-layout";
import { Transform } from "./transform";

/** Keys and layout shared by the image transforms. */
export interface ImageTransformOptions<K extends string = string> {
  /** Image keys to transform (default `["pixels"]`, as in TorchRL). */
  inKeys?: readonly string[];
  /** Where to write each result (default: `inKeys`, in place). */
  outKeys?: readonly K[];
  /**
   * The images are `[..., C, H, W]` (TorchRL's layout) rather than `[..., H, W, C]` (default false:
   * channels last, the layout tfjs convolutions take and the env renders).
   */
  channelsFirst?: boolean;
}

/**
 * The common part of the image transforms: each input leaf is a batch of images (the last three dims), the
 * output is a new array (inputs are shared with other records and never written), and the spec follows the
 * same shape change: an `Unbounded` input stays `Unbounded`, a `Bounded` one gets scalar bounds that hold
 * every output value (`outputBounds`). Subclasses say what shape and dtype come out and run the kernel.
 */
export abstract class ImageTransform extends Transform {
  readonly channelsFirst: boolean;

  protected constructor(options: ImageTransformOptions) {
    super({ inKeys: options.inKeys ?? ["pixels"], outKeys: options.outKeys });
    if (options.channelsFirst !== undefined && typeof options.channelsFirst !== "boolean") {
      throw new Error(`${this.name}: channelsFirst must be a boolean, got ${String(options.channelsFirst)}`);
    }
    this.channelsFirst = options.channelsFirst ?? false;
  }

  /** Layout of the input images (ToTensorImage reads channels last whatever it writes). */
  protected get inputChannelsFirst(): boolean {
    return this.channelsFirst;
  }

  /** An image transform reads and writes its keys only. */
  override touchedKeys(): readonly string[] {
    return [...this.inKeys, ...this.outKeys];
  }

  /** The output dtype for an input dtype; throws (via `dtypeError`) for dtypes the transform does not take. */
  protected abstract outputDType(input: DType, key: string, shape: Shape): DType;

  /** The output shape (batch dims kept); throws for images the transform cannot take (e.g. not RGB). */
  protected abstract outputShape(layout: ImageLayout, key: string): number[];

  /** Bounds that hold every output value when every input value (of dtype `input`) lies in `[low, high]`. */
  protected abstract outputBounds(low: number, high: number, layout: ImageLayout, input: DType): [number, number];

  /**
   * Whether the output equals the input for images of this layout (e.g. GrayScale of one channel, Resize to
   * the same size): the input leaf is then returned as it is. Leaves are never written in place, so sharing
   * one is safe, and it saves a copy per step.
   */
  protected isIdentity(layout: ImageLayout): boolean {
    void layout;
    return false;
  }

  /** Writes the transformed images of `src` into `out` (freshly allocated, of `outputShape`). */
  protected abstract run(src: HostArray, layout: ImageLayout, out: HostArray): void;

  protected override transformLeaf(leaf: HostArray, key: string, batchDims: number): HostArray {
    const dtype = this.outputDType(leaf.dtype, key, leaf.shape);
    const layout = this.layoutOf(leaf.shape, key, batchDims);
    const shape = this.outputShape(layout, key);
    if (dtype === leaf.dtype && this.isIdentity(layout)) return leaf;
    const out = HostArray.zeros(dtype, shape);
    this.run(leaf, layout, out);
    return out;
  }

  protected override transformLeafSpec(spec: TensorSpec, key: string, batchDims: number): TensorSpec {
    const dtype = this.outputDType(spec.dtype, key, spec.shape);
    const layout = this.layoutOf(spec.shape, key, batchDims);
    const shape = this.outputShape(layout, key);
    if (spec instanceof Unbounded) return new Unbounded({ shape, dtype });
    if (spec instanceof Bounded) {
      let low = Infinity;
      let high = -Infinity;
      for (const v of spec.low.data) low = Math.min(low, v);
      for (const v of spec.high.data) high = Math.max(high, v);
      const [lo, hi] = this.outputBounds(low, high, layout, spec.dtype);
      return new Bounded({ low: lo, high: hi, shape, dtype });
    }
    throw new Error(
      `${this.name}: the spec of "${key}" is ${spec.kind}; image transforms take Unbounded or Bounded image specs`,
    );
  }

  /** The error for an input dtype the transform does not take, naming the key, the dtype and the shape. */
  protected dtypeError(key: string, dtype: DType, shape: Shape, expected: string): Error {
    return new Error(`${this.name}: "${key}" is ${dtype}${formatShape(shape)}; expected ${expected}`);
  }

  private layoutOf(shape: Shape, key: string, batchDims: number): ImageLayout {
    const what = `${this.name}: "${key}"`;
    if (shape.length - batchDims < 3) {
      const order = this.inputChannelsFirst ? "[C, H, W]" : "[H, W, C]";
      throw new Error(
        `${what} has shape ${formatShape(shape)} with ${batchDims} batch dim(s); expected images ${order} after the batch dims`,
      );
    }
    return imageLayout(shape, this.inputChannelsFirst, what);
  }
}
