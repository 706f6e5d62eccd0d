import { checkOptions, type OptionKeys, Bounded, HostArray, type TensorDict, type Composite } from "@tdrl/tensordict";
import { Transform } from "./transform";

const FRAME_SKIP_OPTION_KEYS = { rewardKey: true, doneKey: true } satisfies OptionKeys<FrameSkipOptions>;

export interface FrameSkipOptions {
  /** The reward key summed over the repeats (default `"reward"`). */
  rewardKey?: string;
  /** The done key that stops the repeats (default `"done"`). */
  doneKey?: string;
}

/**
 * Repeats each action `frameSkip` times (TorchRL's `FrameSkipTransform`): the env below steps up to
 * `frameSkip` times with the same action, the rewards are summed, and the last step's observation and
 * done flags are the step's. The repeats stop as soon as a sub-env is done: a finished episode is never
 * stepped on (TorchRL's transform keeps stepping past the end of an episode). In a batched env the whole
 * batch stops there, since the sub-envs step together; each reward is still the sum of exactly the steps
 * its sub-env took. Put it first in the chain: the transforms before it see every repeat.
 *
 * @example
 * import { CartPoleEnv } from "@tdrl/envs";
 * import { FrameSkip, TransformedEnv } from "@tdrl/transforms";
 * const env = new TransformedEnv(new CartPoleEnv(), new FrameSkip(4));
 * const td = env.step(env.randAction(env.reset()));
 * td.getHost("next.reward").data; // Float32Array [4]: four CartPole steps of reward 1 (fewer if the pole fell)
 */
export class FrameSkip extends Transform {
  readonly frameSkip: number;
  readonly rewardKey: string;
  readonly doneKey: string;

  constructor(frameSkip: number, options: FrameSkipOptions = {}) {
    checkOptions("FrameSkip", options, FRAME_SKIP_OPTION_KEYS);
    super();
    if (!(Number.isInteger(frameSkip) && frameSkip >= 1))
      throw new Error(`FrameSkip: frameSkip must be a positive integer, got ${String(frameSkip)}`);
    this.frameSkip = frameSkip;
    this.rewardKey = options.rewardKey ?? "reward";
    this.doneKey = options.doneKey ?? "done";
  }

  override get name(): string {
    return "FrameSkip";
  }

  override step(root: TensorDict, next: TensorDict): TensorDict {
    const first = this.leaf(next, this.rewardKey);
    const total = Float32Array.from(first.data);
    const container = this.container;
    for (let r = 1; r < this.frameSkip && !this.anyDone(next); r++) {
      if (container === null || container.stepBelow === undefined)
        throw new Error(`FrameSkip: not in a TransformedEnv, so there is no env to step again`);
      next = container.stepBelow(this, root);
      const reward = this.leaf(next, this.rewardKey).data;
      for (let i = 0; i < total.length; i++) total[i]! += reward[i]!;
    }
    next.set(this.rewardKey, new HostArray("float32", first.shape, total));
    return next;
  }

  /** A sum of 1 to `frameSkip` rewards in [low, high] lies in [min(low, k low), max(high, k high)]. */
  override transformRewardSpec(spec: Composite): Composite {
    const leaf = this.leafSpec(spec, this.rewardKey, "the reward spec");
    if (leaf instanceof Bounded && leaf.dtype === "float32") {
      const k = this.frameSkip;
      const low = leaf.low.clone();
      const high = leaf.high.clone();
      for (let i = 0; i < low.size; i++) {
        low.data[i] = Math.min(low.data[i]!, k * low.data[i]!);
        high.data[i] = Math.max(high.data[i]!, k * high.data[i]!);
      }
      spec.set(this.rewardKey, new Bounded({ low, high, shape: leaf.shape, dtype: "float32" }));
    }
    return spec;
  }

  /** Standalone records hold no env to repeat the step in. */
  override forward(td: TensorDict): TensorDict {
    throw new Error(
      `FrameSkip: forward() on a standalone record is not supported; the repeats are made by a TransformedEnv (record keys: ${td.keys().join(", ") || "(none)"})`,
    );
  }

  private leaf(next: TensorDict, key: string): HostArray {
    if (!next.has(key)) throw this.missingKey(key, next, 'the step\'s "next" record');
    const value = this.hostLeaf(next, key);
    if (value.dtype !== "float32")
      throw new Error(`FrameSkip: "${key}" must be float32 to be summed, got ${value.dtype}`);
    return value;
  }

  private anyDone(next: TensorDict): boolean {
    if (!next.has(this.doneKey)) throw this.missingKey(this.doneKey, next, 'the step\'s "next" record');
    return this.hostLeaf(next, this.doneKey).data.indexOf(1) !== -1;
  }
}
