import * as tf from "@tensorflow/tfjs-core";
import { HostArray, Rng, TensorDict } from "@tdrl/tensordict";
import { initBackend } from "@tdrl/backend";
import { LazyTensorStorage, RandomSampler, TensorDictReplayBuffer } from "@tdrl/buffers";
import { DQNLoss } from "@tdrl/losses";
import { MLP, TensorDictModule } from "@tdrl/modules";
import { beforeAll, describe, expect, it } from "vitest";
import { DqnLearner } from "./dqn-learner";
import { linearLr, withLearningRate } from "./lr-schedule";
import { TargetSync } from "./target-sync";

beforeAll(async () => {
  await initBackend();
});

describe("linearLr", () => {
  it("goes linearly from `from` to `to` over `updates`, then stays at `to`", () => {
    const lr = linearLr({ from: 2e-3, to: 1e-4, updates: 100 });
    expect(lr(0)).toBe(2e-3);
    expect(lr(50)).toBeCloseTo(1.05e-3, 12);
    expect(lr(100)).toBeCloseTo(1e-4, 12);
    expect(lr(1000)).toBeCloseTo(1e-4, 12);
  });

  it("names the bad option and its value", () => {
    expect(() => linearLr({ from: 0, to: 0, updates: 10 })).toThrow(
      "linearLr: from must be a finite number > 0, got 0",
    );
    expect(() => linearLr({ from: 1e-3, to: -1, updates: 10 })).toThrow(
      "linearLr: to must be a finite number >= 0, got -1",
    );
    expect(() => linearLr({ from: 1e-3, to: 0, updates: 2.5 })).toThrow(
      "linearLr: updates must be a positive integer, got 2.5",
    );
  });
});

describe("withLearningRate", () => {
  it("steps with the given rate and leaves the optimizer's own rate in place", () => {
    const w = tf.variable(tf.scalar(1));
    const sgd = tf.train.sgd(0.5);
    const grad = () => ({ [w.name]: tf.scalar(1) });
    withLearningRate(sgd, 0.25, () => sgd.applyGradients(grad()));
    expect(w.dataSync()[0]).toBeCloseTo(0.75, 6); // 1 - 0.25 * 1, not 1 - 0.5
    expect((sgd as unknown as { learningRate: number }).learningRate).toBe(0.5);
    sgd.applyGradients(grad());
    expect(w.dataSync()[0]).toBeCloseTo(0.25, 6);
    expect(() => withLearningRate(sgd, Number.NaN, () => sgd.applyGradients(grad()))).toThrow(
      "withLearningRate: the learning rate must be a finite number >= 0, got NaN",
    );
    expect(w.dataSync()[0]).toBeCloseTo(0.25, 6);
    expect((sgd as unknown as { learningRate: number }).learningRate).toBe(0.5);
    sgd.dispose();
    w.dispose();
  });
});

describe("DqnLearner lrSchedule", () => {
  const make = (lrSchedule?: (u: number) => number) => {
    const net = new TensorDictModule(new MLP({ inFeatures: 4, outFeatures: 2, numCells: [8], rng: new Rng(0) }), {
      inKeys: ["observation"],
      outKeys: ["action_value"],
    });
    const loss = new DQNLoss(net);
    const buffer = new TensorDictReplayBuffer({
      storage: new LazyTensorStorage(64, { ndim: 2 }),
      sampler: new RandomSampler({ rng: new Rng(1) }),
      batchSize: 8,
    });
    const rng = new Rng(2);
    const f = (...s: number[]) =>
      HostArray.from(
        "float32",
        s,
        Array.from({ length: s.reduce((a, b) => a * b) }, () => rng.uniform()),
      );
    const b = () => HostArray.zeros("bool", [1, 16, 1]);
    buffer.extend(
      new TensorDict(
        {
          observation: f(1, 16, 4),
          action: HostArray.zeros("int32", [1, 16]),
          next: { observation: f(1, 16, 4), reward: f(1, 16, 1), done: b(), terminated: b(), truncated: b() },
        },
        [1, 16],
      ),
    );
    const optimizer = tf.train.adam(1e-2);
    const learner = new DqnLearner({
      loss,
      buffer,
      optimizer,
      targetSync: new TargetSync(loss, { kind: "hard", everyUpdates: 1000 }),
      gradClip: 10,
      nStep: 1,
      gamma: 0.99,
      obsKeys: ["observation"],
      prioritized: false,
      ...(lrSchedule === undefined ? {} : { lrSchedule }),
    });
    const weights = () => loss.parameterList().map((p) => Array.from(p.dataSync()));
    const dispose = () => {
      loss.dispose();
      for (const v of net.parameters().values()) v.dispose();
      optimizer.dispose();
    };
    return { learner, weights, dispose, optimizer };
  };

  it("steps with the schedule's rate for the updates taken so far, without leaking tensors", () => {
    const seen: number[] = [];
    const run = make((u) => {
      seen.push(u);
      return u < 2 ? 1e-2 : 0;
    });
    const plain = make();
    const w0 = run.weights();
    run.learner.update();
    plain.learner.update();
    expect(run.weights()).toEqual(plain.weights()); // rate 1e-2 = the optimizer's own: same step
    expect(run.weights()).not.toEqual(w0);
    run.learner.update();
    const before = tf.memory().numTensors;
    const w2 = run.weights();
    run.learner.update(); // rate 0: Adam's step is lr * m / (sqrt(v) + eps) = 0
    run.learner.update();
    expect(run.weights()).toEqual(w2);
    expect(tf.memory().numTensors).toBe(before);
    expect(seen).toEqual([0, 1, 2, 3]);
    expect((run.optimizer as unknown as { learningRate: number }).learningRate).toBe(1e-2);
    run.dispose();
    plain.dispose();
  });
});
