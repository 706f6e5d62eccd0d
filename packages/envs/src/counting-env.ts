import {
  checkOptions,
  type OptionKeys,
  Bounded,
  Categorical,
  Composite,
  HostArray,
  TensorDict,
  Unbounded,
  decodeTypedArray,
  encodeTypedArray,
  type JsonValue,
} from "@tdrl/tensordict";
import { asObject } from "./env-state";
import { EnvBase } from "./env-base";

const COUNTING_ENV_OPTION_KEYS = {
  batchSize: true,
  maxCount: true,
  seed: true,
} satisfies OptionKeys<CountingEnvOptions>;

export interface CountingEnvOptions {
  batchSize?: readonly number[];
  /** The episode terminates when the count reaches this (default 5). */
  maxCount?: number;
  seed?: number;
}

/**
 * A deterministic env for testing code built on `EnvBase` (TorchRL's mocking `CountingEnv`): each sub-env
 * holds an integer count, starting at 0 on reset; action 1 adds one, action 0 adds nothing; the reward is
 * the action; the episode terminates when the count reaches `maxCount`. Observation `"observation"`:
 * float32 `[...batch, 1]` in [0, maxCount]. Also writes `"steps"` (int32 `[...batch, 1]`, the steps since
 * reset) so tests can see which sub-envs were reset.
 *
 * @example
 * const env = new CountingEnv({ batchSize: [2], maxCount: 3 });
 * const rollout = env.rollout(10, (td) => td.set("action", HostArray.from("int32", [2], [1, 0])));
 * rollout.batchSize; // [2, 3]: sub-env 0 reaches 3 after three steps
 */
export class CountingEnv extends EnvBase {
  readonly maxCount: number;
  private readonly count: Int32Array;
  private readonly stepCount: Int32Array;

  constructor(options: CountingEnvOptions = {}) {
    checkOptions("CountingEnv", options, COUNTING_ENV_OPTION_KEYS);
    super({ name: "CountingEnv", batchSize: options.batchSize ?? [], seed: options.seed ?? 0 });
    const maxCount = options.maxCount ?? 5;
    if (!(Number.isInteger(maxCount) && maxCount >= 1))
      throw new Error(`CountingEnv: maxCount must be a positive integer, got ${String(maxCount)}`);
    this.maxCount = maxCount;
    this.count = new Int32Array(this.numEnvs);
    this.stepCount = new Int32Array(this.numEnvs);
    const b = this.batchSize;
    this.setSpecs({
      observation: new Composite(
        {
          observation: new Bounded({ low: 0, high: maxCount, shape: [...b, 1] }),
          steps: new Unbounded({ shape: [...b, 1], dtype: "int32" }),
        },
        b,
      ),
      action: new Composite({ action: new Categorical({ n: 2, shape: b }) }, b),
    });
  }

  protected override _reset(mask: Uint8Array | null): TensorDict {
    for (let i = 0; i < this.numEnvs; i++) {
      if (mask === null || mask[i] === 1) {
        this.count[i] = 0;
        this.stepCount[i] = 0;
      }
    }
    return this.record(null);
  }

  protected override _step(td: TensorDict): TensorDict {
    const action = td.getHost("action").data;
    const reward = new Float32Array(this.numEnvs);
    for (let i = 0; i < this.numEnvs; i++) {
      this.count[i]! += action[i]!;
      this.stepCount[i]! += 1;
      reward[i] = action[i]!;
    }
    return this.record(reward);
  }

  protected override _setSeed(): void {}

  protected override _state(): JsonValue {
    return {
      maxCount: this.maxCount,
      count: encodeTypedArray(this.count),
      stepCount: encodeTypedArray(this.stepCount),
    };
  }

  protected override _loadState(state: JsonValue, what: string): () => void {
    const s = asObject(state, what, '"env"');
    if (s.maxCount !== this.maxCount)
      throw new Error(`${what}: "env.maxCount" is ${JSON.stringify(s.maxCount)}, this env has ${this.maxCount}`);
    const count = decodeTypedArray(s.count, "int32", `${what}: "env.count"`, this.numEnvs);
    const stepCount = decodeTypedArray(s.stepCount, "int32", `${what}: "env.stepCount"`, this.numEnvs);
    return () => {
      this.count.set(count);
      this.stepCount.set(stepCount);
    };
  }

  private record(reward: Float32Array | null): TensorDict {
    const b = [...this.batchSize, 1];
    const n = this.numEnvs;
    const obs = new Float32Array(n);
    const done = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      obs[i] = this.count[i]!;
      done[i] = this.count[i]! >= this.maxCount ? 1 : 0;
    }
    const out = new TensorDict(
      {
        observation: new HostArray("float32", b, obs),
        steps: new HostArray("int32", b, this.stepCount.slice()),
        done: new HostArray("bool", b, done),
        terminated: new HostArray("bool", b, done.slice()),
        truncated: HostArray.zeros("bool", b),
      },
      this.batchSize,
    );
    if (reward !== null) out.set("reward", new HostArray("float32", b, reward));
    return out;
  }
}
