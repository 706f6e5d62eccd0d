import type { Composite, HostArray, TensorDict, TensorSpec } from "@tdrl/tensordict";
import { LeafTransform } from "./leaf-transform";
import { checkOptions, type OptionKeys } from "@tdrl/tensordict";

const RENAME_OPTION_KEYS = {
  inKeys: true,
  outKeys: true,
  inKeysInv: true,
  outKeysInv: true,
  createCopy: true,
} satisfies OptionKeys<RenameOptions>;

export interface RenameOptions {
  /** Observation or reward keys to rename. */
  inKeys?: readonly string[];
  /** Their new names, one per in key. */
  outKeys?: readonly string[];
  /** Input keys as the policy writes them, renamed to `outKeysInv` before the env below reads them. */
  inKeysInv?: readonly string[];
  /** The env below's names for them. */
  outKeysInv?: readonly string[];
  /** Keep the old keys too (default false: move them). */
  createCopy?: boolean;
}

/**
 * Renames entries (TorchRL's `RenameTransform`): `inKeys[i]` becomes `outKeys[i]` in records and specs;
 * with `inKeysInv` / `outKeysInv`, what the policy writes as `inKeysInv[i]` reaches the env below as
 * `outKeysInv[i]` (tdrl reads "in" as "what the transform reads" in both directions; see the README).
 * The leaves are shared, not copied. Done keys cannot be renamed: every env needs them under their names.
 *
 * @example
 * import { HostArray, TensorDict } from "@tdrl/tensordict";
 * import { Rename } from "@tdrl/transforms";
 * const td = new TensorDict({ observation: HostArray.zeros("float32", [4]) });
 * new Rename({ inKeys: ["observation"], outKeys: ["state"] }).forward(td).keys(); // ["state"]
 */
export class Rename extends LeafTransform {
  readonly createCopy: boolean;
  /** The env's done and action specs as this transform last saw them: an out key must not land on one of their keys. */
  private otherSpecs: { what: string; spec: Composite }[] = [];

  constructor(options: RenameOptions) {
    checkOptions("Rename", options, RENAME_OPTION_KEYS);
    super({
      inKeys: options?.inKeys,
      outKeys: options?.outKeys,
      inKeysInv: options?.inKeysInv,
      outKeysInv: options?.outKeysInv,
    });
    if (this.inKeys.length === 0 && this.inKeysInv.length === 0)
      throw new Error("Rename: give inKeys / outKeys, inKeysInv / outKeysInv or both; there is nothing to rename");
    if (options.outKeys === undefined && this.inKeys.length > 0)
      throw new Error("Rename: outKeys is required with inKeys (the new names)");
    if (options.outKeysInv === undefined && this.inKeysInv.length > 0)
      throw new Error("Rename: outKeysInv is required with inKeysInv (the env's names)");
    this.createCopy = options.createCopy ?? false;
    for (const [keys, what] of [
      [this.outKeys, "outKeys"],
      [this.outKeysInv, "outKeysInv"],
    ] as const) {
      const twice = keys.find((k, i) => keys.indexOf(k) !== i);
      if (twice !== undefined)
        throw new Error(`Rename: ${what} names "${twice}" twice; two entries cannot be renamed onto one key`);
    }
  }

  // Specs are built reward, done, action, then observation (TransformedEnv): the observation renames,
  // checked last, see the done and action keys.
  override transformRewardSpec(spec: Composite): Composite {
    this.otherSpecs = [];
    return super.transformRewardSpec(spec);
  }

  override transformDoneSpec(spec: Composite): Composite {
    this.otherSpecs.push({ what: "done", spec });
    return super.transformDoneSpec(spec);
  }

  override get name(): string {
    return "Rename";
  }

  override transformActionSpec(spec: Composite): Composite {
    const out = this.invertActionSpec(spec, (leaf) => leaf, this.createCopy);
    this.otherSpecs.push({ what: "action", spec: out });
    return out;
  }

  protected override _call(record: TensorDict): TensorDict {
    for (let i = 0; i < this.inKeys.length; i++) this.move(record, this.inKeys[i]!, this.outKeys[i]!);
    return record;
  }

  protected override _invCall(td: TensorDict): TensorDict {
    for (let i = 0; i < this.inKeysInv.length; i++) {
      const key = this.inKeysInv[i]!;
      if (!td.has(key)) throw this.missingKey(key, td, "the input record (inv)");
      this.move(td, key, this.outKeysInv[i]!);
    }
    return td;
  }

  protected override setOutSpec(spec: Composite, inKey: string, outKey: string, leaf: TensorSpec): void {
    if (outKey !== inKey) {
      // Renaming onto an existing key would replace it in every record (a float "done" from reset, say).
      const taken = spec.has(outKey)
        ? { what: "observation or reward" }
        : this.otherSpecs.find((o) => o.spec.has(outKey));
      if (taken !== undefined) {
        throw new Error(
          `Rename: cannot rename "${inKey}" onto "${outKey}": the env already has a "${outKey}" entry (in its ${taken.what} spec), which it would overwrite; pick another outKey`,
        );
      }
    }
    if (!this.createCopy) spec.delete(inKey);
    spec.set(outKey, leaf);
  }

  private move(record: TensorDict, from: string, to: string): void {
    if (!record.has(from)) return;
    const leaf = record.get(from) as HostArray;
    if (!this.createCopy) record.delete(from);
    record.set(to, leaf);
  }
}
