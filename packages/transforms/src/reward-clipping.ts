import { checkOptions, type OptionKeys, Bounded, HostArray, type TensorSpec } from "@tdrl/tensordict";
import { LeafTransform } from "./leaf-transform";

const REWARD_CLIPPING_OPTION_KEYS = { inKeys: true, outKeys: true } satisfies OptionKeys<RewardClippingOptions>;

export interface RewardClippingOptions {
  /** Default `["reward"]`. */
  inKeys?: readonly string[];
  /** Default: `inKeys` (in place). */
  outKeys?: readonly string[];
}

/**
 * Clamps the reward into `[clampMin, clampMax]` (TorchRL's `RewardClipping`). The output spec is
 * `Bounded` within both the clip range and the input spec's own bounds.
 *
 * @example
 * import { HostArray, TensorDict } from "@tdrl/tensordict";
 * import { RewardClipping } from "@tdrl/transforms";
 * const td = new TensorDict({ next: { reward: HostArray.from("float32", [3, 1], [5, -0.5, -3]) } }, [3]);
 * new RewardClipping(-1, 1).forward(td).getHost("next.reward").data; // Float32Array [1, -0.5, -1]
 */
export class RewardClipping extends LeafTransform {
  readonly clampMin: number;
  readonly clampMax: number;

  constructor(clampMin: number, clampMax: number, options: RewardClippingOptions = {}) {
    checkOptions("RewardClipping", options, REWARD_CLIPPING_OPTION_KEYS);
    super({ inKeys: options.inKeys ?? ["reward"], outKeys: options.outKeys });
    if (
      Number.isNaN(clampMin) ||
      Number.isNaN(clampMax) ||
      typeof clampMin !== "number" ||
      typeof clampMax !== "number" ||
      clampMin > clampMax
    ) {
      throw new Error(
        `RewardClipping: need clampMin <= clampMax (numbers), got ${String(clampMin)} and ${String(clampMax)}`,
      );
    }
    this.clampMin = clampMin;
    this.clampMax = clampMax;
  }

  override get name(): string {
    return "RewardClipping";
  }

  protected override transformLeaf(leaf: HostArray, key: string): HostArray {
    if (leaf.dtype !== "float32") throw new Error(`RewardClipping: "${key}" must be float32, got ${leaf.dtype}`);
    const src = leaf.data;
    const dst = new Float32Array(src.length);
    const lo = this.clampMin;
    const hi = this.clampMax;
    // NaN stays NaN: clipping must not hide a broken reward.
    for (let i = 0; i < src.length; i++) {
      const v = src[i]!;
      dst[i] = v < lo ? lo : Math.min(v, hi);
    }
    return new HostArray("float32", leaf.shape, dst);
  }

  protected override transformLeafSpec(spec: TensorSpec, key: string): TensorSpec {
    if (spec.dtype !== "float32")
      throw new Error(`RewardClipping: "${key}" must be float32, its spec is ${spec.toString()}`);
    if (!(spec instanceof Bounded)) return new Bounded({ low: this.clampMin, high: this.clampMax, shape: spec.shape });
    const low = this.transformLeaf(spec.low, key);
    const high = this.transformLeaf(spec.high, key);
    return new Bounded({ low, high, shape: spec.shape });
  }
}
