import * as tf from "@tensorflow/tfjs-core";
import { HostArray, type TensorDict } from "@tdrl/tensordict";
import { initBackend } from "@tdrl/backend";
import { beforeAll, describe, expect, it } from "vitest";
import { CartPoleEnv } from "./cartpole/cartpole-env";
import { CountingEnv } from "./counting-env";

beforeAll(async () => {
  await initBackend({ prefer: "cpu" });
});

/** A Q-policy as users write it: Q-values and the greedy action as tensors. */
const qPolicy = (td: TensorDict): TensorDict => {
  const n = td.batchSize.length === 0 ? 1 : td.batchSize[0]!;
  const q = tf.tidy(() => tf.concat([tf.zeros([n, 1]), tf.ones([n, 1])], 1));
  const action = tf.argMax(q, -1);
  return td
    .set("action_value", td.batchSize.length === 0 ? tf.reshape(q, [2]) : q)
    .set("action", td.batchSize.length === 0 ? tf.reshape(action, []) : action);
};

describe("env.rollout with a policy that writes tensors", () => {
  it("downloads what the policy wrote and frees it: numTensors flat, the rollout all host arrays", () => {
    const env = new CartPoleEnv({ batchSize: [3], seed: 0 });
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) {
      const rollout: TensorDict = env.rollout(20, qPolicy, { breakWhenAnyDone: false });
      expect(rollout.batchSize).toEqual([3, 20]);
      expect(rollout.getHost("action_value").shape).toEqual([3, 20, 2]);
      expect(Array.from(rollout.getHost("action").data.slice(0, 3))).toEqual([1, 1, 1]);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it("takes a module (an object with forward), as TorchRL's rollout does", () => {
    const env = new CountingEnv({ maxCount: 3 });
    const module = { forward: (td: TensorDict) => td.set("action", tf.scalar(1, "int32")) };
    const before = tf.memory().numTensors;
    const rollout = env.rollout(10, module);
    expect(Array.from(rollout.getHost("next.observation").data)).toEqual([1, 2, 3]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("names the rollout when the policy returns no TensorDict", () => {
    const env = new CountingEnv();
    expect(() => env.rollout(3, (() => undefined) as unknown as (td: TensorDict) => TensorDict)).toThrow(
      "CountingEnv.rollout(): the policy returned undefined, not a TensorDict",
    );
    expect(() => env.rollout(3, (td) => td.set("action", HostArray.from("int32", [], [1])))).not.toThrow();
  });
});
