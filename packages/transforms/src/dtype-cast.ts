import {
  checkOptions,
  type OptionKeys,
  isDType,
  type Composite,
  type DType,
  type HostArray,
  type TensorSpec,
} from "@tdrl/tensordict";
import { LeafTransform } from "./leaf-transform";
import { castArray, castSpec } from "./spec-edit";

const DTYPE_CAST_OPTION_KEYS = {
  dtypeIn: true,
  dtypeOut: true,
  inKeys: true,
  outKeys: true,
  inKeysInv: true,
  outKeysInv: true,
} satisfies OptionKeys<DTypeCastOptions>;

export interface DTypeCastOptions {
  /** The dtype the env below produces (forward) and reads (inverse). */
  dtypeIn: DType;
  /** The dtype this transform's outside sees. */
  dtypeOut: DType;
  /** Observation or reward keys cast from `dtypeIn` to `dtypeOut`. */
  inKeys?: readonly string[];
  outKeys?: readonly string[];
  /** Input keys (e.g. `["action"]`) the policy writes in `dtypeOut`; cast to `dtypeIn` before the env below reads them. */
  inKeysInv?: readonly string[];
  outKeysInv?: readonly string[];
}

/**
 * Casts leaves between dtypes (TorchRL's `DTypeCast`): `inKeys` from `dtypeIn` to `dtypeOut` on the way
 * out, `inKeysInv` from `dtypeOut` back to `dtypeIn` on the way in (so a policy can write float32 actions
 * to an env that reads int32). Floats become integers by truncation toward zero, clamped to the dtype's
 * range; NaN cast to an integer dtype is an error. Specs keep their kind and bounds in the new dtype.
 *
 * @example
 * import { HostArray, TensorDict } from "@tdrl/tensordict";
 * import { DTypeCast } from "@tdrl/transforms";
 * const cast = new DTypeCast({ dtypeIn: "uint8", dtypeOut: "float32", inKeys: ["pixels"] });
 * const td = new TensorDict({ pixels: HostArray.from("uint8", [2], [0, 255]) });
 * cast.forward(td).getHost("pixels").dtype; // "float32"
 */
export class DTypeCast extends LeafTransform {
  readonly dtypeIn: DType;
  readonly dtypeOut: DType;

  constructor(options: DTypeCastOptions) {
    checkOptions("DTypeCast", options, DTYPE_CAST_OPTION_KEYS);
    super({
      inKeys: options?.inKeys,
      outKeys: options?.outKeys,
      inKeysInv: options?.inKeysInv,
      outKeysInv: options?.outKeysInv,
    });
    for (const which of ["dtypeIn", "dtypeOut"] as const) {
      if (!isDType(options[which]))
        throw new Error(
          `DTypeCast: ${which} must be one of float32, int32, uint8, bool; got ${JSON.stringify(options[which])}`,
        );
    }
    if (this.inKeys.length === 0 && this.inKeysInv.length === 0)
      throw new Error("DTypeCast: give inKeys, inKeysInv or both; there is nothing to cast");
    this.dtypeIn = options.dtypeIn;
    this.dtypeOut = options.dtypeOut;
  }

  override get name(): string {
    return "DTypeCast";
  }

  override transformActionSpec(spec: Composite): Composite {
    return this.invertActionSpec(spec, (leaf, baseKey) => {
      this.checkDType(leaf.dtype, this.dtypeIn, baseKey, "the action spec");
      return castSpec(leaf, this.dtypeOut, "DTypeCast");
    });
  }

  protected override transformLeaf(leaf: HostArray, key: string): HostArray {
    this.checkDType(leaf.dtype, this.dtypeIn, key, "the record");
    return castArray(leaf, this.dtypeOut, `DTypeCast("${key}")`);
  }

  protected override inverseLeaf(leaf: HostArray, key: string): HostArray {
    this.checkDType(leaf.dtype, this.dtypeOut, key, "the input record");
    return castArray(leaf, this.dtypeIn, `DTypeCast.inv("${key}")`);
  }

  protected override transformLeafSpec(spec: TensorSpec, key: string): TensorSpec {
    this.checkDType(spec.dtype, this.dtypeIn, key, "the spec");
    return castSpec(spec, this.dtypeOut, "DTypeCast");
  }

  private checkDType(actual: DType, expected: DType, key: string, where: string): void {
    if (actual !== expected) throw new Error(`DTypeCast: "${key}" in ${where} is ${actual}, expected ${expected}`);
  }
}
