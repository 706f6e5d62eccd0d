import { checkOptions, type OptionKeys, Binary, type TensorDict, type Composite, type Bool } from "@tdrl/tensordict";
import { Transform } from "./transform";
import { batchFlag } from "./rows";

const INIT_TRACKER_OPTION_KEYS = { initKey: true } satisfies OptionKeys<InitTrackerOptions>;

export interface InitTrackerOptions<K extends string = string> {
  /** Default `"is_init"`. */
  initKey?: K;
}

/**
 * Marks the first step of each episode (TorchRL's `InitTracker`): `is_init`, bool `[...batch, 1]`, is
 * true in a reset record for the sub-envs that were reset and false everywhere else, so a recurrent policy
 * knows where to zero its state. In the next root record after `stepAndMaybeReset`, it is true exactly for
 * the sub-envs that have just been reset.
 *
 * @example
 * import { CartPoleEnv } from "@tdrl/envs";
 * import { InitTracker, TransformedEnv } from "@tdrl/transforms";
 * const env = new TransformedEnv(new CartPoleEnv({ batchSize: [2] }), new InitTracker());
 * const root = env.reset();
 * root.getHost("is_init").data; // Uint8Array [1, 1]
 * env.step(env.randAction(root)).getHost("next.is_init").data; // Uint8Array [0, 0]
 */
export class InitTracker<K extends string = "is_init"> extends Transform {
  declare readonly addedKeys?: { [P in K]: Bool };

  readonly initKey: string;

  constructor(options: InitTrackerOptions<K> = {}) {
    checkOptions("InitTracker", options, INIT_TRACKER_OPTION_KEYS);
    super();
    this.initKey = options.initKey ?? "is_init";
  }

  override get name(): string {
    return "InitTracker";
  }

  /** The flag it writes, nothing else (lets Compose move a fusable transform past it). */
  override touchedKeys(): readonly string[] {
    return [this.initKey];
  }

  override reset(input: TensorDict, record: TensorDict, mask: Uint8Array | null): TensorDict {
    void input;
    const flags = mask === null ? new Uint8Array(record.numel).fill(1) : mask.slice();
    record.set(this.initKey, batchFlag(record.batchSize, flags));
    return record;
  }

  override step(root: TensorDict, next: TensorDict): TensorDict {
    void root;
    next.set(this.initKey, batchFlag(next.batchSize, new Uint8Array(next.numel)));
    return next;
  }

  /** A stored sample carries its own `is_init`; there is nothing to compute without the env. */
  override forward(td: TensorDict): TensorDict {
    throw new Error(
      `InitTracker: forward() on a standalone record is not supported; "${this.initKey}" is written by a TransformedEnv at reset and step (record keys: ${td.keys().join(", ") || "(none)"})`,
    );
  }

  override transformObservationSpec(spec: Composite): Composite {
    spec.set(this.initKey, new Binary({ shape: [...spec.batchSize, 1] }));
    return spec;
  }
}
