import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { Categorical, HostArray, Rng, type TensorDict, encodeTensorDict } from "@tdrl/tensordict";
import { initBackend } from "@tdrl/backend";
import { CartPoleEnv, CountingEnv } from "@tdrl/envs";
import { EGreedyModule, LSTMModule, MLP, QValueModule, TensorDictModule, TensorDictSequential } from "@tdrl/modules";
import { Compose, InitTracker, StepCounter, TensorDictPrimer, TransformedEnv } from "@tdrl/transforms";
import { SyncDataCollector } from "./sync-data-collector";

beforeAll(async () => {
  await initBackend();
});

const always = (td: TensorDict) => td.set("action", HostArray.full("int32", td.batchSize, 1));
const col = (b: TensorDict, key: string) => Array.from(b.getHost(key).data);

// TorchRL's tutorials evaluate with `env.rollout(...)` on the collector's env between batches.
describe("SyncDataCollector when its env is used in between (an evaluation rollout)", () => {
  it("starts the next batch with a full reset and new trajectories instead of stepping a done env", () => {
    const env = new CountingEnv({ batchSize: [2], maxCount: 10 });
    const c = new SyncDataCollector(env, always, { framesPerBatch: 6 });
    const first = c.rollout();
    expect(col(first, "observation")).toEqual([0, 1, 2, 0, 1, 2]);
    const evaluation = env.rollout(20, always); // runs until the episodes end: the env is left done
    expect(evaluation.batchSize).toEqual([2, 10]);
    const second = c.rollout();
    expect(col(second, "observation")).toEqual([0, 1, 2, 0, 1, 2]);
    const firstIds = new Set(col(first, "collector.traj_ids"));
    for (const id of col(second, "collector.traj_ids")) expect(firstIds.has(id)).toBe(false);
    // Untouched between batches, the trajectories go on.
    expect(col(c.rollout(), "observation")).toEqual([3, 4, 5, 3, 4, 5]);
  });

  it("also through a TransformedEnv whose base env was stepped directly", () => {
    const base = new CountingEnv({ batchSize: [1], maxCount: 10 });
    const env = new TransformedEnv(base, new StepCounter());
    const c = new SyncDataCollector(env, always, { framesPerBatch: 2 });
    c.rollout();
    base.rollout(3, always);
    expect(col(c.rollout(), "step_count")).toEqual([0, 1]);
  });

  it("state() after an evaluation resumes exactly as the live collector goes on", () => {
    const make = () =>
      new SyncDataCollector(new CountingEnv({ batchSize: [2], maxCount: 4, seed: 3 }), always, {
        framesPerBatch: 6,
        initRandomFrames: 4,
        seed: 3,
      });
    const live = make();
    live.rollout();
    live.env.rollout(10);
    const saved = JSON.parse(JSON.stringify(live.state()));
    const resumed = make();
    resumed.loadState(saved);
    for (let i = 0; i < 2; i++)
      expect(JSON.stringify(encodeTensorDict(resumed.rollout()))).toBe(
        JSON.stringify(encodeTensorDict(live.rollout())),
      );
  });

  it("the recurrent-DQN tutorial's loop (LSTM with in key == out key, greedy evaluation between batches) leaks no tensor", () => {
    const embed = new TensorDictModule(new MLP({ inFeatures: 4, outFeatures: 8, numCells: [], rng: new Rng(1) }), {
      inKeys: ["observation"],
      outKeys: ["embed"],
    });
    const lstm = new LSTMModule({ inputSize: 8, hiddenSize: 8, inKey: "embed", outKey: "embed", rng: new Rng(2) });
    const head = new TensorDictModule(new MLP({ inFeatures: 8, outFeatures: 2, numCells: [], rng: new Rng(3) }), {
      inKeys: ["embed"],
      outKeys: ["action_value"],
    });
    const policy = new TensorDictSequential(embed, lstm, head, new QValueModule({ actionSpace: "categorical" }));
    const explore = new EGreedyModule({ spec: new Categorical({ n: 2 }), annealingNumSteps: 200, rng: new Rng(4) });
    const stochastic = new TensorDictSequential(policy, explore.withExploration("random"));
    const env = new TransformedEnv(
      new CartPoleEnv({ batchSize: [2], seed: 5 }),
      new Compose(new InitTracker(), new StepCounter({ maxSteps: 30 }), TensorDictPrimer.fromModule(lstm)),
    );
    const c = new SyncDataCollector(env, stochastic, { framesPerBatch: 20 });
    let baseline = -1;
    for (let i = 0; i < 4; i++) {
      const batch = c.rollout();
      expect(batch.getHost("embed").shape).toEqual([2, 10, 8]);
      const evaluation = env.rollout(10, policy);
      expect(evaluation.getHost("action_value").shape[2]).toBe(2);
      if (i === 0) baseline = tf.memory().numTensors;
    }
    expect(tf.memory().numTensors).toBe(baseline);
  });
});
