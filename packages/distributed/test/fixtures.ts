// Env, policy and priority factories that actors of the @tdrl/distributed tests load by module reference.
import * as tf from "@tensorflow/tfjs-core";
import { CountingEnv, type EnvFactory } from "@tdrl/envs";
import { HostArray, Rng, sizeOf, type TensorDict } from "@tdrl/tensordict";
import type { PolicyFactory } from "@tdrl/collectors";
import type { PriorityFactory } from "../src/run-config";

/** A CountingEnv with `batch` sub-envs. */
export const makeCountingEnv: EnvFactory<{ batch?: number } | undefined> = (_index, args) =>
  new CountingEnv({ batchSize: [args?.batch ?? 2], maxCount: 4 });

/**
 * Random actions, plus one parameter `"w"` (a scalar, 0 at start) that the policy writes into every frame
 * as `"w"`: a batch shows which weights acted.
 */
export class MarkedPolicy {
  readonly name = "MarkedPolicy";
  readonly w: tf.Variable;
  private readonly rng: Rng;
  constructor(seed: number) {
    this.rng = new Rng(seed);
    const zero = tf.zeros([1]);
    this.w = tf.variable(zero);
    zero.dispose();
  }
  parameters(): Map<string, tf.Variable> {
    return new Map([["w", this.w]]);
  }
  forward(td: TensorDict): TensorDict {
    const n = sizeOf(td.batchSize);
    const actions = new Int32Array(n);
    for (let i = 0; i < n; i++) actions[i] = this.rng.int(0, 2);
    const w = (this.w.dataSync() as Float32Array)[0]!;
    return td
      .set("action", new HostArray("int32", td.batchSize, actions))
      .set("w", HostArray.full("float32", [...td.batchSize, 1], w));
  }
}

export const makeMarkedPolicy: PolicyFactory<unknown> = (_index, _args, { seed }) => new MarkedPolicy(seed);

/** Ape-X style initial priorities: `actor index + 1` for every frame (the test reads them back from the buffer). */
export const actorPriority: PriorityFactory<unknown> = (index) => (batch) =>
  new Float32Array(batch.numel).fill(index + 1);
