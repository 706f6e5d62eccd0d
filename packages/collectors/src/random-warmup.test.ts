import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { HostArray, Rng, TensorDict } from "@tdrl/tensordict";
import { initBackend } from "@tdrl/backend";
import { CartPoleEnv } from "@tdrl/envs";
import {
  EGreedyModule,
  LSTMModule,
  MLP,
  QValueModule,
  TensorDictModule,
  TensorDictSequential,
  type ExplorationType,
} from "@tdrl/modules";
import { LazyTensorStorage, RandomSampler, ReplayBuffer } from "@tdrl/buffers";
import { SyncDataCollector } from "./sync-data-collector";

beforeAll(async () => {
  await initBackend({ prefer: "cpu" });
});

function qPolicy(env: CartPoleEnv): TensorDictSequential {
  const qnet = new TensorDictModule(new MLP({ inFeatures: 4, outFeatures: 2, numCells: [8], rng: new Rng(0) }), {
    inKeys: ["observation"],
    outKeys: ["action_value"],
  });
  return new TensorDictSequential(qnet, new QValueModule({ spec: env.actionSpec }));
}

function recurrentPolicy(env: CartPoleEnv): TensorDictSequential {
  const embed = new TensorDictModule(new MLP({ inFeatures: 4, outFeatures: 8, numCells: [], rng: new Rng(1) }), {
    inKeys: ["observation"],
    outKeys: ["embed"],
  });
  const lstm = new LSTMModule({ inputSize: 8, hiddenSize: 6, inKey: "embed", outKey: "features", rng: new Rng(2) });
  const head = new TensorDictModule(new MLP({ inFeatures: 6, outFeatures: 2, numCells: [], rng: new Rng(3) }), {
    inKeys: ["features"],
    outKeys: ["action_value"],
  });
  return new TensorDictSequential(embed, lstm, head, new QValueModule({ spec: env.actionSpec }));
}

/** Storage rows [0, n) of `key`, one row of `per` values each. */
function rowsOf(rb: ReplayBuffer, key: string, n: number): number[][] {
  const leaf = rb.storage.getLeaf(
    key,
    Int32Array.from({ length: n }, (_, i) => i),
  );
  const per = leaf.data.length / n;
  return Array.from({ length: n }, (_, i) => Array.from(leaf.data.subarray(i * per, (i + 1) * per)));
}

describe("random warm-up frames with a replay buffer and a policy that writes more than the action", () => {
  const cases = [
    ["a Q-value policy", qPolicy, ["action_value", "chosen_action_value"]],
    [
      "a recurrent (LSTM) policy",
      recurrentPolicy,
      [
        "embed",
        "features",
        "action_value",
        "chosen_action_value",
        "recurrent_state_h",
        "next.recurrent_state_h",
        "next.recurrent_state_c",
      ],
    ],
  ] as const;
  for (const [name, make, keys] of cases) {
    it(`${name}: random steps carry the policy's keys as zeros, so later batches fit the storage`, async () => {
      const env = new CartPoleEnv({ batchSize: [2] });
      const rb = new ReplayBuffer({ storage: new LazyTensorStorage(256), sampler: new RandomSampler() });
      const c = new SyncDataCollector(env, make(env), {
        framesPerBatch: 32,
        totalFrames: 128,
        initRandomFrames: 64,
        replayBuffer: rb,
        seed: 0,
        postproc: (b) => b.reshape([b.numel]),
      });
      const before = tf.memory().numTensors;
      const frames: number[] = [];
      for await (const f of c) frames.push(f);
      expect(frames).toEqual([32, 64, 96, 128]);
      expect(tf.memory().numTensors).toBe(before);
      expect(rb.length).toBe(128);
      const stored = rb.storage.keys();
      for (const key of keys) expect(stored).toContain(key);
      // Random frames (the first 64 rows) hold zeros in the policy's keys; policy frames hold its values.
      for (const key of keys) {
        const rows = rowsOf(rb, key, 128);
        expect(rows.slice(0, 64).every((r) => r.every((x) => x === 0))).toBe(true);
      }
      expect(
        rowsOf(rb, "action_value", 128)
          .slice(64)
          .every((r) => r.some((x) => x !== 0)),
      ).toBe(true);
      await c.shutdown();
    });
  }

  it("learns the layout with one deterministic policy call, for which the exploration generator draws nothing", async () => {
    const env = new CartPoleEnv({ batchSize: [2] });
    const explore = new EGreedyModule({ spec: env.actionSpec, epsInit: 0.5, epsEnd: 0.5, rng: new Rng(4) });
    const greedy = qPolicy(env);
    const seen: ExplorationType[] = [];
    const policy = {
      forward: (td: TensorDict, exploration: ExplorationType) => {
        seen.push(exploration);
        return explore.forward(greedy.forward(td), exploration);
      },
    };
    const rb = new ReplayBuffer({ storage: new LazyTensorStorage(64), sampler: new RandomSampler() });
    const c = new SyncDataCollector(env, policy, {
      framesPerBatch: 8,
      totalFrames: 24,
      initRandomFrames: 12,
      replayBuffer: rb,
      seed: 0,
    });
    for await (const _ of c) void _;
    // One probe (deterministic) at the first random step, then 2 + 4 policy steps, all "random".
    expect(seen).toEqual(["deterministic", ...new Array<ExplorationType>(6).fill("random")]);
    // The probe drew nothing from the exploration generator: it is where 6 "random" calls on 2 rows leave a fresh one.
    const fresh = new EGreedyModule({ spec: env.actionSpec, epsInit: 0.5, epsEnd: 0.5, rng: new Rng(4) });
    const rowsOfTwo = () => new TensorDict({ action: HostArray.zeros("int32", [2]) }, [2]);
    for (let i = 0; i < 6; i++) fresh.forward(rowsOfTwo(), "random");
    for (let i = 0; i < 20; i++) {
      expect([...explore.forward(rowsOfTwo(), "random").getHost("action").data]).toEqual([
        ...fresh.forward(rowsOfTwo(), "random").getHost("action").data,
      ]);
    }
    await c.shutdown();
  });
});
