import type { Shape } from "@tdrl/tensordict";
import { ReshapeTransform } from "./reshape-transform";
import { resolveDim } from "./spec-edit";
import { checkOptions, type OptionKeys } from "@tdrl/tensordict";

const FLATTEN_OBSERVATION_OPTION_KEYS = {
  firstDim: true,
  lastDim: true,
  inKeys: true,
  outKeys: true,
} satisfies OptionKeys<FlattenObservationOptions>;

export interface FlattenObservationOptions {
  /** First event dim merged (default 0); negative counts from the end. */
  firstDim?: number;
  /** Last event dim merged, inclusive (default -1). */
  lastDim?: number;
  inKeys: readonly string[];
  outKeys?: readonly string[];
}

/**
 * Merges event dims `firstDim..lastDim` of each `inKeys` leaf into one (TorchRL's
 * `FlattenObservation`), e.g. a `[4, 84, 84]` frame stack into `[28224]`. Dims count only the event dims
 * (after the batch dims), so one transform serves single envs, batched envs and replay samples alike.
 * The data is shared, not copied.
 *
 * @example
 * import { HostArray, TensorDict } from "@tdrl/tensordict";
 * import { FlattenObservation } from "@tdrl/transforms";
 * const td = new TensorDict({ pixels: HostArray.zeros("uint8", [2, 4, 3, 3]) }, [2]);
 * new FlattenObservation({ inKeys: ["pixels"] }).forward(td).getHost("pixels").shape; // [2, 36]
 */
export class FlattenObservation extends ReshapeTransform {
  readonly firstDim: number;
  readonly lastDim: number;

  constructor(options: FlattenObservationOptions) {
    checkOptions("FlattenObservation", options, FLATTEN_OBSERVATION_OPTION_KEYS);
    super({ inKeys: options?.inKeys, outKeys: options?.outKeys });
    if (this.inKeys.length === 0) throw new Error("FlattenObservation: inKeys must name at least one key");
    this.firstDim = options.firstDim ?? 0;
    this.lastDim = options.lastDim ?? -1;
    for (const which of ["firstDim", "lastDim"] as const) {
      if (!Number.isInteger(this[which]))
        throw new Error(`FlattenObservation: ${which} must be an integer, got ${String(this[which])}`);
    }
  }

  override get name(): string {
    return "FlattenObservation";
  }

  protected override eventShape(event: Shape, what: string): number[] {
    const first = resolveDim(this.firstDim, event.length, what);
    const last = resolveDim(this.lastDim, event.length, what);
    if (first > last)
      throw new Error(
        `${what}: firstDim ${this.firstDim} comes after lastDim ${this.lastDim} for an event of shape [${event.join(", ")}]`,
      );
    const merged = event.slice(first, last + 1).reduce((p, d) => p * d, 1);
    return [...event.slice(0, first), merged, ...event.slice(last + 1)];
  }
}
