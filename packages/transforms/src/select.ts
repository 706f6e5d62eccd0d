import { checkOptions, type OptionKeys, Composite, TensorDict } from "@tdrl/tensordict";
import { Transform } from "./transform";

const SELECT_OPTION_KEYS = { keepRewards: true } satisfies OptionKeys<SelectOptions>;

export interface SelectOptions {
  /** Keep the reward keys (default true). */
  keepRewards?: boolean;
}

const DEFAULT_REWARD_KEYS: readonly string[] = ["reward"];
const DEFAULT_DONE_KEYS: readonly string[] = ["done", "terminated", "truncated"];

/**
 * Keeps only the given observation keys (TorchRL's `SelectTransform`), plus the reward keys (unless
 * `keepRewards: false`) and the done keys, which every env needs. Each selected key must exist. Standalone,
 * `forward` selects at the root and in `"next"` and keeps `"next"` itself.
 *
 * @example
 * import { CartPoleEnv } from "@tdrl/envs";
 * import { Select, TransformedEnv } from "@tdrl/transforms";
 * const env = new TransformedEnv(new CartPoleEnv({ fromPixels: true, pixelsOnly: false, renderSize: [32, 48] }), new Select(["pixels"]));
 * env.reset().keys(); // ["pixels", "done", "terminated", "truncated"]
 */
export class Select extends Transform {
  readonly keys: readonly string[];
  readonly keepRewards: boolean;
  private rewardKeys: readonly string[] = DEFAULT_REWARD_KEYS;
  private doneKeys: readonly string[] = DEFAULT_DONE_KEYS;

  constructor(keys: readonly string[], options: SelectOptions = {}) {
    checkOptions("Select", options, SELECT_OPTION_KEYS);
    super({ inKeys: keys });
    if (this.inKeys.length === 0) throw new Error("Select: give at least one key to keep");
    this.keys = this.inKeys;
    this.keepRewards = options.keepRewards ?? true;
  }

  override get name(): string {
    return "Select";
  }

  override reset(input: TensorDict, record: TensorDict, mask: Uint8Array | null): TensorDict {
    void input;
    void mask;
    this.requireKeys(record, this.keys, "the reset record");
    return this.keep(record, false);
  }

  override step(root: TensorDict, next: TensorDict): TensorDict {
    void root;
    this.requireKeys(next, this.keys, 'the step\'s "next" record');
    return this.keep(next, false);
  }

  override forward(td: TensorDict): TensorDict {
    const next = td.has("next") ? td.get("next") : undefined;
    const levels = next instanceof TensorDict ? [td, next] : [td];
    for (const key of this.keys)
      if (!levels.some((l) => l.has(key))) throw this.missingKey(key, td, 'the record (root or "next")');
    const out = this.keep(td, true);
    if (next instanceof TensorDict) out.set("next", this.keep(next, false));
    return out;
  }

  override transformRewardSpec(spec: Composite): Composite {
    this.rewardKeys = spec.keys();
    if (this.keepRewards) return spec;
    return new Composite({}, spec.batchSize);
  }

  override transformDoneSpec(spec: Composite): Composite {
    this.doneKeys = spec.keys();
    return spec;
  }

  override transformObservationSpec(spec: Composite): Composite {
    const out = new Composite({}, spec.batchSize);
    for (const key of this.keys) out.set(key, this.specEntry(spec, key, "the observation spec"));
    return out;
  }

  private keep(record: TensorDict, withNext: boolean): TensorDict {
    const out = new TensorDict({}, record.batchSize);
    const carry = (key: string) => {
      if (record.has(key) && !out.has(key)) out.set(key, record.get(key) as TensorDict);
    };
    this.keys.forEach(carry);
    if (this.keepRewards) this.rewardKeys.forEach(carry);
    this.doneKeys.forEach(carry);
    if (withNext) carry("next");
    return out;
  }
}
