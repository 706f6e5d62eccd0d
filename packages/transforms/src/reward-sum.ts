import {
  checkOptions,
  type OptionKeys,
  HostArray,
  TensorDict,
  Unbounded,
  sizeOf,
  type Composite,
  type Float32,
  type Shape,
} from "@tdrl/tensordict";
import { Transform } from "./transform";

const REWARD_SUM_OPTION_KEYS = { inKeys: true, outKeys: true, doneKey: true } satisfies OptionKeys<RewardSumOptions>;

export interface RewardSumOptions<K extends string = string> {
  /** The rewards summed (default `["reward"]`). */
  inKeys?: readonly string[];
  /** The running sums, one per in key (default `["episode_reward"]`). */
  outKeys?: readonly K[];
  /** The done flag that ends an episode in standalone `forward` (default `"done"`). */
  doneKey?: string;
}

/**
 * The return of each episode so far (TorchRL's `RewardSum`): `episode_reward` (float32, the reward's
 * shape) is 0 in a reset record and `root.episode_reward + next.reward` in each step's `"next"`. A partial
 * reset zeroes the reset sub-envs' sums and keeps the others'.
 *
 * Standalone, `forward` on a trajectory of batch size `[..., T]` writes `next.episode_reward` as the
 * running sum along the last batch dim, restarting after each step whose `next.done` is true: the same
 * values the env would have written if the trajectory starts at an episode start.
 *
 * @example
 * import { HostArray, TensorDict } from "@tdrl/tensordict";
 * import { RewardSum } from "@tdrl/transforms";
 * const traj = new TensorDict({ next: { reward: HostArray.from("float32", [4, 1], [1, 2, 3, 4]), done: HostArray.from("bool", [4, 1], [0, 1, 0, 0]) } }, [4]);
 * new RewardSum().forward(traj).getHost("next.episode_reward").data; // Float32Array [1, 3, 3, 7]
 */
export class RewardSum<K extends string = "episode_reward"> extends Transform {
  /** (Several `inKeys` without `outKeys` write `episode_<key>`; name them in `outKeys` to have them typed.) */
  declare readonly addedKeys?: { [P in K]: Float32 };

  readonly doneKey: string;
  /** The event shape (after the batch dims) of each in key's reward, from the reward spec; [1] by default. */
  private eventShapes: readonly Shape[];

  constructor(options: RewardSumOptions<K> = {}) {
    checkOptions("RewardSum", options, REWARD_SUM_OPTION_KEYS);
    const inKeys = options.inKeys ?? ["reward"];
    super({
      inKeys,
      outKeys: options.outKeys ?? (inKeys.length === 1 ? ["episode_reward"] : inKeys.map((k) => `episode_${k}`)),
    });
    this.doneKey = options.doneKey ?? "done";
    this.eventShapes = this.inKeys.map(() => [1]);
  }

  override get name(): string {
    return "RewardSum";
  }

  override reset(input: TensorDict, record: TensorDict, mask: Uint8Array | null): TensorDict {
    const full = mask === null || mask.indexOf(0) === -1;
    const sums: HostArray[] = [];
    for (let k = 0; k < this.outKeys.length; k++) {
      const key = this.outKeys[k]!;
      const shape = [...record.batchSize, ...this.eventShapes[k]!];
      if (full) {
        sums.push(HostArray.zeros("float32", shape));
        continue;
      }
      if (!input.has(key))
        throw this.missingKey(key, input, "the reset input record (needed for the sub-envs a partial reset keeps)");
      const out = this.float32(input, key, shape).clone();
      const per = out.size / mask.length;
      for (let i = 0; i < mask.length; i++) if (mask[i] === 1) out.data.fill(0, i * per, (i + 1) * per);
      sums.push(out);
    }
    sums.forEach((s, k) => record.set(this.outKeys[k]!, s));
    return record;
  }

  override step(root: TensorDict, next: TensorDict): TensorDict {
    const sums: HostArray[] = [];
    for (let k = 0; k < this.inKeys.length; k++) {
      const inKey = this.inKeys[k]!;
      const outKey = this.outKeys[k]!;
      if (!next.has(inKey)) throw this.missingKey(inKey, next, 'the step\'s "next" record');
      if (!root.has(outKey)) throw this.missingKey(outKey, root, "the root record the step was taken from");
      const reward = this.hostLeaf(next, inKey);
      const previous = this.float32(root, outKey, reward.shape).data;
      const r = reward.data;
      const sum = new Float32Array(r.length);
      for (let i = 0; i < r.length; i++) sum[i] = previous[i]! + r[i]!;
      sums.push(new HostArray("float32", reward.shape, sum));
    }
    sums.forEach((s, k) => next.set(this.outKeys[k]!, s));
    return next;
  }

  override forward(td: TensorDict): TensorDict {
    const next = td.has("next") ? td.get("next") : undefined;
    if (!(next instanceof TensorDict))
      throw this.missingKey("next", td, 'the record (forward sums the rewards of "next" along time)');
    if (td.batchDims === 0)
      throw new Error(
        `RewardSum: forward() needs a trajectory with a time dim (the last batch dim); the record has batch size []`,
      );
    const batch = td.batchSize;
    const T = batch[batch.length - 1]!;
    const lead = sizeOf(batch.slice(0, -1));
    const done = next.has(this.doneKey) ? this.hostLeaf(next, this.doneKey) : null;
    if (done !== null && done.size !== lead * T)
      throw new Error(`RewardSum: "next.${this.doneKey}" must hold one flag per step (${lead * T}), got ${done.size}`);
    const sums: HostArray[] = [];
    for (const inKey of this.inKeys) {
      if (!next.has(inKey)) throw this.missingKey(inKey, next, 'the record\'s "next"');
      const reward = this.hostLeaf(next, inKey);
      const r = this.float32(next, inKey, reward.shape).data;
      const per = r.length / (lead * T);
      const sum = new Float32Array(r.length);
      for (let l = 0; l < lead; l++) {
        for (let t = 0; t < T; t++) {
          const row = l * T + t;
          const restart = t === 0 || (done !== null && done.data[row - 1] !== 0);
          for (let e = 0; e < per; e++) {
            const at = row * per + e;
            sum[at] = (restart ? 0 : sum[at - per]!) + r[at]!;
          }
        }
      }
      sums.push(new HostArray("float32", reward.shape, sum));
    }
    sums.forEach((s, k) => next.set(this.outKeys[k]!, s));
    return td;
  }

  override transformRewardSpec(spec: Composite): Composite {
    const b = spec.batchSize.length;
    this.eventShapes = this.inKeys.map((key) => this.leafSpec(spec, key, "the reward spec").shape.slice(b));
    return spec;
  }

  override transformObservationSpec(spec: Composite): Composite {
    this.outKeys.forEach((key, k) =>
      spec.set(key, new Unbounded({ shape: [...spec.batchSize, ...this.eventShapes[k]!] })),
    );
    return spec;
  }

  private float32(record: TensorDict, key: string, shape: Shape): HostArray<"float32"> {
    const value = this.hostLeaf(record, key);
    if (value.dtype !== "float32" || value.size !== sizeOf(shape)) {
      throw new Error(
        `RewardSum: "${key}" must be float32 of shape [${shape.join(", ")}], got ${value.dtype} of shape [${value.shape.join(", ")}]`,
      );
    }
    return value as HostArray<"float32">;
  }
}
