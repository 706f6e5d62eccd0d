import { checkOptions, type OptionKeys, Bounded, HostArray, type TensorSpec } from "@tdrl/tensordict";
import { LeafTransform } from "./leaf-transform";

const SIGN_TRANSFORM_OPTION_KEYS = { inKeys: true, outKeys: true } satisfies OptionKeys<SignTransformOptions>;

export interface SignTransformOptions {
  /** Default `["reward"]`; observation keys work too. */
  inKeys?: readonly string[];
  /** Default: `inKeys` (in place). */
  outKeys?: readonly string[];
}

/**
 * The sign of each value, -1, 0 or 1, in the input's dtype (TorchRL's `SignTransform`; Atari-style reward
 * clipping). The output spec is `Bounded` [-1, 1] ([0, 1] for unsigned dtypes).
 *
 * @example
 * import { HostArray, TensorDict } from "@tdrl/tensordict";
 * import { SignTransform } from "@tdrl/transforms";
 * const td = new TensorDict({ next: { reward: HostArray.from("float32", [3, 1], [5, 0, -0.1]) } }, [3]);
 * new SignTransform().forward(td).getHost("next.reward").data; // Float32Array [1, 0, -1]
 */
export class SignTransform extends LeafTransform {
  constructor(options: SignTransformOptions = {}) {
    checkOptions("SignTransform", options, SIGN_TRANSFORM_OPTION_KEYS);
    super({ inKeys: options.inKeys ?? ["reward"], outKeys: options.outKeys });
  }

  override get name(): string {
    return "SignTransform";
  }

  protected override transformLeaf(leaf: HostArray): HostArray {
    const out = new HostArray(leaf.dtype, leaf.shape);
    const src = leaf.data;
    const dst = out.data;
    // NaN stays NaN (Math.sign(NaN)), as torch.sign does.
    for (let i = 0; i < src.length; i++) dst[i] = Math.sign(src[i]!);
    return out;
  }

  protected override transformLeafSpec(spec: TensorSpec): TensorSpec {
    const unsigned = spec.dtype === "uint8" || spec.dtype === "bool";
    return new Bounded({ low: unsigned ? 0 : -1, high: 1, shape: spec.shape, dtype: spec.dtype });
  }
}
