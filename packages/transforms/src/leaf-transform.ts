import type { Composite, TensorDict, TensorSpec } from "@tdrl/tensordict";
import { Transform } from "./transform";

/**
 * The base of transforms that map each `inKeys` leaf on its own, whether it is an observation or a reward
 * (RewardScaling, RewardClipping, SignTransform, DTypeCast, Rename, Unsqueeze, FlattenObservation). Each
 * in key is looked up in the reward spec first, then in the observation spec; its output spec goes to the
 * same place. Reward keys are not in reset records, so `reset` requires only the observation keys; inside
 * an env they are transformed in place (a new reward key would reach the next root through `stepMdp`).
 * Subclasses implement `transformLeaf` and `transformLeafSpec` (and `inverseLeaf` for `inKeysInv`).
 */
export abstract class LeafTransform extends Transform {
  /** The in keys found in the reward spec by the last `transformRewardSpec` (empty outside an env). */
  private rewardKeys: ReadonlySet<string> = new Set();

  /** A leaf transform maps its own keys and nothing else (lets Compose move a fusable transform past it). */
  override touchedKeys(): readonly string[] {
    return [...this.inKeys, ...this.outKeys, ...this.inKeysInv, ...this.outKeysInv];
  }

  override transformRewardSpec(spec: Composite): Composite {
    const found = new Set<string>();
    for (let i = 0; i < this.inKeys.length; i++) {
      const inKey = this.inKeys[i]!;
      if (!spec.has(inKey)) continue;
      const outKey = this.outKeys[i]!;
      if (outKey !== inKey) {
        // stepMdp drops only the env's reward keys from the next root; a new one would be carried there.
        throw new Error(
          `${this.name}: outKey "${outKey}" for the reward "${inKey}" would add a second reward key, which stepMdp would carry into the next root record; inside an env, transform the reward in place (outKeys omitted), or run the transform standalone`,
        );
      }
      found.add(inKey);
      this.setOutSpec(spec, inKey, this.outKeys[i]!, this.leafSpec(spec, inKey, "the reward spec"));
    }
    this.rewardKeys = found;
    return spec;
  }

  override transformObservationSpec(spec: Composite): Composite {
    for (let i = 0; i < this.inKeys.length; i++) {
      const inKey = this.inKeys[i]!;
      if (this.rewardKeys.has(inKey)) continue;
      this.setOutSpec(spec, inKey, this.outKeys[i]!, this.leafSpec(spec, inKey, "the observation or reward spec"));
    }
    return spec;
  }

  override reset(input: TensorDict, record: TensorDict, mask: Uint8Array | null): TensorDict {
    void input;
    void mask;
    for (const key of this.inKeys)
      if (!this.rewardKeys.has(key) && !record.has(key)) throw this.missingKey(key, record, "the reset record");
    return this._call(record);
  }

  /** Whether `key` was found in the reward spec (so reset records need not carry it). */
  protected isRewardKey(key: string): boolean {
    return this.rewardKeys.has(key);
  }

  /**
   * The action spec the policy sees: each `outKeysInv[i]` entry of the env below's spec, mapped by `map`,
   * under `inKeysInv[i]` (the old key is dropped when the names differ, unless `keepBase`).
   */
  protected invertActionSpec(
    spec: Composite,
    map: (leaf: TensorSpec, baseKey: string) => TensorSpec,
    keepBase = false,
  ): Composite {
    for (let i = 0; i < this.inKeysInv.length; i++) {
      const baseKey = this.outKeysInv[i]!;
      const outerKey = this.inKeysInv[i]!;
      const mapped = map(this.leafSpec(spec, baseKey, "the action spec"), baseKey);
      if (baseKey !== outerKey && !keepBase) spec.delete(baseKey);
      spec.set(outerKey, mapped);
    }
    return spec;
  }

  /** Writes the output spec of `inKey` at `outKey` (subclasses that move keys also delete `inKey`). */
  protected setOutSpec(spec: Composite, inKey: string, outKey: string, leaf: TensorSpec): void {
    spec.set(outKey, this.transformLeafSpec(leaf, inKey, spec.batchSize.length));
  }
}
