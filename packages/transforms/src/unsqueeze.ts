import type { Shape } from "@tdrl/tensordict";
import { ReshapeTransform } from "./reshape-transform";
import { resolveDim } from "./spec-edit";
import { checkOptions, type OptionKeys } from "@tdrl/tensordict";

const UNSQUEEZE_OPTION_KEYS = { dim: true, inKeys: true, outKeys: true } satisfies OptionKeys<UnsqueezeOptions>;

export interface UnsqueezeOptions {
  /** Where the new size-1 dim goes, counted in the event dims (after the batch dims); negative counts from the end (-1 appends). */
  dim: number;
  inKeys: readonly string[];
  outKeys?: readonly string[];
}

/**
 * Inserts a size-1 dim into each `inKeys` leaf (TorchRL's `UnsqueezeTransform`). Unlike TorchRL, `dim`
 * counts only the event dims, so the same transform works on a single env, a batched env and a `[B, T]`
 * replay sample.
 *
 * @example
 * import { HostArray, TensorDict } from "@tdrl/tensordict";
 * import { Unsqueeze } from "@tdrl/transforms";
 * const td = new TensorDict({ observation: HostArray.zeros("float32", [8, 4]) }, [8]);
 * new Unsqueeze({ dim: 0, inKeys: ["observation"] }).forward(td).getHost("observation").shape; // [8, 1, 4]
 */
export class Unsqueeze extends ReshapeTransform {
  readonly dim: number;

  constructor(options: UnsqueezeOptions) {
    checkOptions("Unsqueeze", options, UNSQUEEZE_OPTION_KEYS);
    super({ inKeys: options?.inKeys, outKeys: options?.outKeys });
    if (this.inKeys.length === 0) throw new Error("Unsqueeze: inKeys must name at least one key");
    if (!Number.isInteger(options.dim))
      throw new Error(`Unsqueeze: dim must be an integer, got ${String(options.dim)}`);
    this.dim = options.dim;
  }

  override get name(): string {
    return "Unsqueeze";
  }

  protected override eventShape(event: Shape, what: string): number[] {
    // The new dim can go at any of rank + 1 places: resolve against the unsqueezed rank.
    const at = resolveDim(this.dim, event.length + 1, what);
    return [...event.slice(0, at), 1, ...event.slice(at)];
  }
}
