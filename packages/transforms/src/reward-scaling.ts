import {
  checkOptions,
  type OptionKeys,
  Bounded,
  HostArray,
  Unbounded,
  type TensorSpec,
  type Float32,
} from "@tdrl/tensordict";
import { LeafTransform } from "./leaf-transform";

const REWARD_SCALING_OPTION_KEYS = {
  inKeys: true,
  outKeys: true,
  standardNormal: true,
} satisfies OptionKeys<RewardScalingOptions>;

export interface RewardScalingOptions<K extends string = string> {
  /** Default `["reward"]`. */
  inKeys?: readonly string[];
  /** Default: `inKeys` (in place). */
  outKeys?: readonly K[];
  /** `(reward - loc) / scale` instead of `reward * scale + loc` (default false). */
  standardNormal?: boolean;
}

/**
 * An affine map of the reward (TorchRL's `RewardScaling`): `reward * scale + loc`, or with
 * `standardNormal` `(reward - loc) / scale`. The output is float32; a bounded reward spec gets its bounds
 * mapped too (swapped when `scale` is negative), an unbounded one stays unbounded.
 *
 * @example
 * import { HostArray, TensorDict } from "@tdrl/tensordict";
 * import { RewardScaling } from "@tdrl/transforms";
 * const td = new TensorDict({ next: { reward: HostArray.from("float32", [2, 1], [1, -2]) } }, [2]);
 * new RewardScaling(0, 0.1).forward(td).getHost("next.reward").data; // Float32Array [0.1, -0.2]
 */
export class RewardScaling<K extends string = never> extends LeafTransform {
  /** In place by default; `outKeys` add float32 keys. */
  declare readonly addedKeys?: { [P in K]: Float32 };

  readonly loc: number;
  readonly scale: number;
  readonly standardNormal: boolean;

  constructor(loc: number, scale: number, options: RewardScalingOptions<K> = {}) {
    checkOptions("RewardScaling", options, REWARD_SCALING_OPTION_KEYS);
    super({ inKeys: options.inKeys ?? ["reward"], outKeys: options.outKeys });
    if (!Number.isFinite(loc)) throw new Error(`RewardScaling: loc must be a finite number, got ${String(loc)}`);
    if (!Number.isFinite(scale) || scale === 0)
      throw new Error(`RewardScaling: scale must be a finite non-zero number, got ${String(scale)}`);
    this.loc = loc;
    this.scale = scale;
    this.standardNormal = options.standardNormal ?? false;
  }

  override get name(): string {
    return "RewardScaling";
  }

  protected override transformLeaf(leaf: HostArray, key: string): HostArray {
    if (leaf.dtype !== "float32") throw new Error(`RewardScaling: "${key}" must be float32, got ${leaf.dtype}`);
    const src = leaf.data;
    const dst = new Float32Array(src.length);
    const { loc, scale } = this;
    if (this.standardNormal) for (let i = 0; i < src.length; i++) dst[i] = (src[i]! - loc) / scale;
    else for (let i = 0; i < src.length; i++) dst[i] = src[i]! * scale + loc;
    return new HostArray("float32", leaf.shape, dst);
  }

  protected override transformLeafSpec(spec: TensorSpec, key: string): TensorSpec {
    if (spec.dtype !== "float32")
      throw new Error(`RewardScaling: "${key}" must be float32, its spec is ${spec.toString()}`);
    if (!(spec instanceof Bounded)) return new Unbounded({ shape: spec.shape });
    const low = this.transformLeaf(spec.low, key);
    const high = this.transformLeaf(spec.high, key);
    return this.scale > 0
      ? new Bounded({ low, high, shape: spec.shape })
      : new Bounded({ low: high, high: low, shape: spec.shape });
  }
}
