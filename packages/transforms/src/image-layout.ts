import { formatShape, type Shape } from "@tdrl/tensordict";

/**
 * How an image array `[...batch, H, W, C]` (channels last) or `[...batch, C, H, W]` (channels first) is laid
 * out in memory. Every image kernel reduces to "`planes` independent images of `height` x `width` pixels with
 * `channels` interleaved values per pixel": channels-first data is `batch * C` planes of one channel each.
 */
export interface ImageLayout {
  readonly batchShape: readonly number[];
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  readonly channelsFirst: boolean;
}

/** Reads the layout of `shape`, or throws naming `what` and the shape (images need rank >= 3). */
export function imageLayout(shape: Shape, channelsFirst: boolean, what: string): ImageLayout {
  const rank = shape.length;
  if (rank < 3) {
    const order = channelsFirst ? "[..., C, H, W]" : "[..., H, W, C]";
    throw new Error(`${what}: expected an image of shape ${order} (rank >= 3), got shape ${formatShape(shape)}`);
  }
  const [a, b, c] = [shape[rank - 3]!, shape[rank - 2]!, shape[rank - 1]!];
  if (a === 0 || b === 0 || c === 0) {
    // An empty image would come out of a resize as zeros of the new size: garbage, not an error, downstream.
    const dims = channelsFirst ? `channels ${a}, height ${b}, width ${c}` : `height ${a}, width ${b}, channels ${c}`;
    throw new Error(
      `${what}: shape ${formatShape(shape)} is an empty image (${dims}); images need at least one pixel and one channel`,
    );
  }
  return channelsFirst
    ? { batchShape: shape.slice(0, rank - 3), channels: a, height: b, width: c, channelsFirst }
    : { batchShape: shape.slice(0, rank - 3), height: a, width: b, channels: c, channelsFirst };
}

/** Number of images in the leading batch dimensions. */
export function imageCount(layout: ImageLayout): number {
  let n = 1;
  for (const d of layout.batchShape) n *= d;
  return n;
}

/** The shape of the same batch of images with a new height, width and channel count, in the same layout. */
export function imageShape(layout: ImageLayout, height: number, width: number, channels: number): number[] {
  return layout.channelsFirst
    ? [...layout.batchShape, channels, height, width]
    : [...layout.batchShape, height, width, channels];
}

/** `{ planes, channels }` as the channel-interleaved kernels see the data (see {@link ImageLayout}). */
export function kernelPlanes(layout: ImageLayout): { planes: number; channels: number } {
  const n = imageCount(layout);
  return layout.channelsFirst ? { planes: n * layout.channels, channels: 1 } : { planes: n, channels: layout.channels };
}
