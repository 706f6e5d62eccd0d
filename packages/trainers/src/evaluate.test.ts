import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { HostArray, Rng, type TensorDict } from "@tdrl/tensordict";
import { initBackend } from "@tdrl/backend";
import { CartPoleEnv } from "@tdrl/envs";
import { MLP } from "@tdrl/modules";
import { evaluateGreedy } from "./evaluate";

beforeAll(async () => {
  await initBackend();
});

/** A greedy policy of a small random MLP, batched: one forward for all rows per step. */
function mlpPolicy(seed: number): { policy: (td: TensorDict) => TensorDict; net: MLP } {
  const net = new MLP({ inFeatures: 4, outFeatures: 2, numCells: [16], rng: new Rng(seed) });
  const policy = (td: TensorDict) => {
    const obs = td.getHost("observation");
    const n = obs.shape[0]!;
    const actions = tf.tidy(() => tf.argMax(net.apply(tf.tensor2d(obs.data as Float32Array, [n, 4])), 1).dataSync());
    td.set("action", HostArray.from("int32", [n], Array.from(actions)));
    return td;
  };
  return { policy, net };
}

/** The reference: each sub-env played on its own until its first episode ends (later episodes do not count). */
function sequentialReturns(episodes: number, seed: number, policy: (td: TensorDict) => TensorDict): number[] {
  const env = new CartPoleEnv({ batchSize: [episodes], seed });
  const returns = new Array<number>(episodes).fill(0);
  const ended = new Array<boolean>(episodes).fill(false);
  let td = env.reset();
  while (ended.some((e) => !e)) {
    const [stepped, next] = env.stepAndMaybeReset(policy(td));
    const out = stepped.get("next") as TensorDict;
    const reward = out.getHost("reward").data;
    const done = out.getHost("done").data;
    for (let i = 0; i < episodes; i++) {
      if (ended[i]) continue;
      returns[i]! += reward[i]!;
      if (done[i]) ended[i] = true;
    }
    td = next;
  }
  env.close();
  return returns;
}

describe("evaluateGreedy", () => {
  it("plays all episodes in one batched env with the returns of playing each sub-env's first episode alone", () => {
    const { policy, net } = mlpPolicy(3);
    const makeEnv = (n: number, seed: number) => new CartPoleEnv({ batchSize: [n], seed });
    const batched = evaluateGreedy(makeEnv, policy, { episodes: 8, seed: 11 });
    const reference = sequentialReturns(8, 11, policy);
    expect(batched.rewards).toEqual(reference);
    // The episodes end at different steps, so the bookkeeping of ended rows is exercised.
    expect(new Set(reference).size).toBeGreaterThan(1);
    expect(batched.mean).toBeCloseTo(reference.reduce((a, b) => a + b, 0) / 8, 10);
    expect(batched.min).toBe(Math.min(...reference));
    expect(batched.max).toBe(Math.max(...reference));
    net.dispose();
  });

  it("keeps the tensor count flat across evaluations", () => {
    const { policy, net } = mlpPolicy(4);
    const makeEnv = (n: number, seed: number) => new CartPoleEnv({ batchSize: [n], seed });
    evaluateGreedy(makeEnv, policy, { episodes: 4, seed: 1 });
    const before = tf.memory().numTensors;
    for (let k = 0; k < 3; k++) evaluateGreedy(makeEnv, policy, { episodes: 4, seed: 2 + k });
    expect(tf.memory().numTensors).toBe(before);
    net.dispose();
  });

  it("rejects a bad episode count, naming it", () => {
    const makeEnv = (n: number, seed: number) => new CartPoleEnv({ batchSize: [n], seed });
    expect(() => evaluateGreedy(makeEnv, (td) => td, { episodes: 0, seed: 0 })).toThrow(
      /episodes must be a positive integer, got 0/,
    );
  });
});
