import { TensorDict, type Composite } from "@tdrl/tensordict";
import { Transform } from "./transform";

/**
 * Drops the given observation keys (TorchRL's `ExcludeTransform`), e.g. the state vector of a CartPole
 * rendered to pixels. Each key must be in the observation spec (a typo is an error, not a no-op); done and
 * reward keys cannot be excluded. Standalone, `forward` drops them at the root and in `"next"`.
 *
 * @example
 * import { CartPoleEnv } from "@tdrl/envs";
 * import { Exclude, TransformedEnv } from "@tdrl/transforms";
 * const env = new TransformedEnv(new CartPoleEnv({ fromPixels: true, pixelsOnly: false, renderSize: [32, 48] }), new Exclude(["observation"]));
 * env.reset().keys(); // ["pixels", "done", "terminated", "truncated"]
 */
export class Exclude extends Transform {
  readonly keys: readonly string[];

  constructor(keys: readonly string[]) {
    super({ inKeys: keys });
    if (this.inKeys.length === 0) throw new Error("Exclude: give at least one key to drop");
    this.keys = this.inKeys;
  }

  override get name(): string {
    return "Exclude";
  }

  override reset(input: TensorDict, record: TensorDict, mask: Uint8Array | null): TensorDict {
    void input;
    void mask;
    return record.exclude(...this.keys);
  }

  override step(root: TensorDict, next: TensorDict): TensorDict {
    void root;
    return next.exclude(...this.keys);
  }

  override forward(td: TensorDict): TensorDict {
    const out = td.exclude(...this.keys);
    const next = td.has("next") ? td.get("next") : undefined;
    if (next instanceof TensorDict) out.set("next", next.exclude(...this.keys));
    return out;
  }

  override transformRewardSpec(spec: Composite): Composite {
    this.refuse(spec, "reward");
    return spec;
  }

  override transformDoneSpec(spec: Composite): Composite {
    this.refuse(spec, "done");
    return spec;
  }

  override transformObservationSpec(spec: Composite): Composite {
    for (const key of this.keys) {
      this.specEntry(spec, key, "the observation spec");
      spec.delete(key);
    }
    return spec;
  }

  private refuse(spec: Composite, role: string): void {
    for (const key of this.keys)
      if (spec.has(key)) throw new Error(`Exclude: "${key}" is a ${role} key; only observation keys can be excluded`);
  }
}
