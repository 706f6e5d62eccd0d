import { HostArray, Unbounded, type Composite, type TensorDict, type TensorSpec } from "@tdrl/tensordict";
import { Transform } from "@tdrl/transforms";

/**
 * The seeds' shaped CartPole reward: `-|theta|` every step (the pole angle, entry 2 of the state
 * observation) and `failure` (default -5) on the step that terminates. It reads the raw state, so it goes
 * before any transform that changes `"observation"` (CatFrames, ObservationNorm).
 *
 * @example
 * import { CartPoleEnv } from "@tdrl/envs";
 * import { TransformedEnv } from "@tdrl/transforms";
 * const env = new TransformedEnv(new CartPoleEnv({ seed: 0 }), new PoleAngleReward());
 * const steps = env.rollout(5);
 * steps.getHost("next.reward").data[0]! <= 0; // true
 */
export class PoleAngleReward extends Transform {
  readonly failure: number;

  constructor(options: { failure?: number } = {}) {
    super(); // it rewrites next.reward in step(); no observation key of its own
    const failure = options.failure ?? -5;
    if (!Number.isFinite(failure))
      throw new Error(`PoleAngleReward: failure must be a finite number, got ${String(failure)}`);
    this.failure = failure;
  }

  override get name(): string {
    return "PoleAngleReward";
  }

  override step(_root: TensorDict, next: TensorDict): TensorDict {
    const obs = next.get("observation") as HostArray;
    const terminated = (next.get("terminated") as HostArray).data;
    const features = obs.shape[obs.shape.length - 1];
    if (features !== 4)
      throw new Error(
        `PoleAngleReward: "observation" must be CartPole's 4-number state, got shape [${obs.shape.join(", ")}]`,
      );
    const n = obs.data.length / 4;
    const reward = new Float32Array(n);
    for (let i = 0; i < n; i++) reward[i] = terminated[i] ? this.failure : -Math.abs(obs.data[4 * i + 2]!);
    next.set("reward", new HostArray("float32", [...(next.get("reward") as HostArray).shape], reward));
    return next;
  }

  override transformRewardSpec(spec: Composite): Composite {
    const reward = spec.get("reward") as TensorSpec;
    spec.set("reward", new Unbounded({ shape: [...reward.shape] }));
    return spec;
  }
}
