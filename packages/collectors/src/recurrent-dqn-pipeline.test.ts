import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { Rng, type TensorDict } from "@tdrl/tensordict";
import { initBackend } from "@tdrl/backend";
import { CartPoleEnv } from "@tdrl/envs";
import { InitTracker, TransformedEnv } from "@tdrl/transforms";
import {
  EGreedyModule,
  LSTMModule,
  MLP,
  QValueModule,
  TensorDictModule,
  TensorDictSequential,
  type ExplorationType,
} from "@tdrl/modules";
import { LazyTensorStorage, SliceSampler, TensorDictReplayBuffer } from "@tdrl/buffers";
import { RecurrentDQNLoss, SoftUpdate } from "@tdrl/losses";
import { SyncDataCollector } from "./sync-data-collector";

beforeAll(async () => {
  await initBackend({ prefer: "cpu" });
});

describe("the recurrent-DQN pipeline as TorchRL's tutorial writes it", () => {
  it("random warm-up, an LSTM policy, env.actionSpec, slices with strictLength: false, RecurrentDQNLoss: trains without a leak", async () => {
    const env = new TransformedEnv(new CartPoleEnv({ batchSize: [1] }), new InitTracker());
    const embed = new TensorDictModule(new MLP({ inFeatures: 4, outFeatures: 16, numCells: [], rng: new Rng(1) }), {
      inKeys: ["observation"],
      outKeys: ["embed"],
    });
    const lstmStep = new LSTMModule({
      inputSize: 16,
      hiddenSize: 16,
      inKey: "embed",
      outKey: "features",
      rng: new Rng(2),
    });
    const head = new TensorDictModule(new MLP({ inFeatures: 16, outFeatures: 2, numCells: [], rng: new Rng(3) }), {
      inKeys: ["features"],
      outKeys: ["action_value"],
    });
    const policy = new TensorDictSequential(embed, lstmStep, head, new QValueModule({ spec: env.actionSpec }));
    const explore = new EGreedyModule({ spec: env.actionSpec, epsInit: 0.2, epsEnd: 0.2, rng: new Rng(4) });
    const actor = (td: TensorDict, exploration: ExplorationType) => explore.forward(policy.forward(td), exploration);
    const lossNet = new TensorDictSequential(embed, lstmStep.withMode("sequence"), head);
    const loss = new RecurrentDQNLoss(lossNet, { gamma: 0.99, burnIn: 2 });
    const updater = new SoftUpdate(loss, { eps: 0.95 });
    const optimizer: tf.Optimizer = tf.train.adam(1e-3);
    const rb = new TensorDictReplayBuffer({
      storage: new LazyTensorStorage(1000),
      sampler: new SliceSampler({ sliceLen: 10, strictLength: false, rng: new Rng(5) }),
      batchSize: 40,
    });
    const collector = new SyncDataCollector(env, actor, {
      framesPerBatch: 50,
      totalFrames: 400,
      initRandomFrames: 100,
      replayBuffer: rb,
      seed: 0,
      postproc: (b) => b.reshape([b.numel]),
    });
    const counts: number[] = [];
    for await (const frames of collector) {
      if (frames <= 100) continue;
      for (let k = 0; k < 2; k++) {
        const batch = rb.sample();
        expect(batch.batchDims).toBe(1); // concatenated slices, as TorchRL returns them
        const { value, grads } = tf.variableGrads(
          () => loss.forward(batch).getTensor("loss") as tf.Scalar,
          loss.parameterList(),
        );
        expect(Number.isFinite(value.dataSync()[0])).toBe(true);
        optimizer.applyGradients(grads);
        tf.dispose([value, grads]);
        updater.step();
      }
      counts.push(tf.memory().numTensors);
    }
    expect(counts.length).toBe(6);
    expect(new Set(counts.slice(1)).size).toBe(1);
    expect(rb.storage.keys()).toEqual(
      expect.arrayContaining([
        "embed",
        "features",
        "action_value",
        "chosen_action_value",
        "recurrent_state_h",
        "next.recurrent_state_c",
      ]),
    );
    await collector.shutdown();
    loss.dispose();
    optimizer.dispose();
  });
});
