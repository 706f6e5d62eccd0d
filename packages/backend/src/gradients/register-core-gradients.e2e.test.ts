import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-backend-wasm";
import { beforeAll, describe, expect, it } from "vitest";
import { registerCoreGradients } from "./register-core-gradients";

const STEPS = 50;

function weight(shape: number[], seed: number): tf.Variable {
  const fanIn = shape[0] ?? 1;
  return tf.variable(tf.tidy(() => tf.mul(tf.randomNormal(shape, 0, 1, "float32", seed), 1 / Math.sqrt(fanIn))));
}

function bias(size: number): tf.Variable {
  return tf.variable(tf.zeros([size]));
}

function seeded(shape: number[], seed: number): tf.Tensor {
  return tf.randomUniform(shape, -1, 1, "float32", seed);
}

interface TrainingRun {
  readonly firstLoss: number;
  readonly lastLoss: number;
  /** Live tensors after the first step (when Adam has created its slots) and after the last. */
  readonly tensorsAfterFirstStep: number;
  readonly tensorsAfterLastStep: number;
}

/** Runs `STEPS` Adam steps of `loss` over `vars` and records the loss and the live tensor count. */
function train(loss: () => tf.Scalar, vars: tf.Variable[], learningRate = 1e-2): TrainingRun {
  const optimizer = tf.train.adam(learningRate);
  let firstLoss = Number.NaN;
  let lastLoss = Number.NaN;
  let tensorsAfterFirstStep = 0;
  for (let step = 0; step < STEPS; step++) {
    const cost = optimizer.minimize(loss, true, vars);
    if (cost === null) throw new Error("minimize returned no cost");
    const value = cost.dataSync()[0] ?? Number.NaN;
    cost.dispose();
    if (step === 0) {
      firstLoss = value;
      tensorsAfterFirstStep = tf.memory().numTensors;
    }
    lastLoss = value;
  }
  const tensorsAfterLastStep = tf.memory().numTensors;
  optimizer.dispose();
  return { firstLoss, lastLoss, tensorsAfterFirstStep, tensorsAfterLastStep };
}

function expectHealthy(run: TrainingRun): void {
  expect(Number.isFinite(run.lastLoss)).toBe(true);
  expect(run.lastLoss).toBeLessThan(run.firstLoss);
  expect(run.tensorsAfterLastStep).toBe(run.tensorsAfterFirstStep);
}

/** A dueling DQN head on a two-layer MLP, trained with a smooth-L1 TD loss on a fixed batch. */
function dqnRun(): TrainingRun {
  const obsDim = 4;
  const hidden = 16;
  const actions = 3;
  const batch = 8;
  const vars = [
    weight([obsDim, hidden], 1),
    bias(hidden),
    weight([hidden, hidden], 2),
    bias(hidden),
    weight([hidden, 1], 3),
    bias(1),
    weight([hidden, actions], 4),
    bias(actions),
  ];
  const [w1, b1, w2, b2, wv, bv, wa, ba] = vars as [
    tf.Variable,
    tf.Variable,
    tf.Variable,
    tf.Variable,
    tf.Variable,
    tf.Variable,
    tf.Variable,
    tf.Variable,
  ];
  const q = (obs: tf.Tensor): tf.Tensor => {
    const h1 = tf.relu(tf.add(tf.matMul(obs, w1), b1));
    const h2 = tf.leakyRelu(tf.add(tf.matMul(h1, w2), b2), 0.1);
    const value = tf.add(tf.matMul(h2, wv), bv);
    const advantage = tf.add(tf.matMul(h2, wa), ba);
    return tf.add(value, tf.sub(advantage, tf.mean(advantage, 1, true)));
  };
  const obs = seeded([batch, obsDim], 10);
  const nextObs = seeded([batch, obsDim], 11);
  const rewards = seeded([batch], 12);
  const done = tf.tensor1d([0, 0, 1, 0, 0, 0, 1, 0]);
  const chosenActions = [0, 2, 1, 1, 0, 2, 2, 1];
  // Q(s, a) is gathered from the flattened [batch * actions] values: wasm's GatherV2 with batchDims 1 (the direct
  // way) reads out of bounds in tfjs 4.22.
  const chosen = tf.tensor1d(
    chosenActions.map((a, row) => row * actions + a),
    "int32",
  );
  // The bootstrapped target is computed once, off the tape, as a frozen target network would give it.
  const target = tf.tidy(() => tf.add(rewards, tf.mul(tf.mul(0.99, tf.sub(1, done)), tf.max(q(nextObs), 1))));
  const loss = (): tf.Scalar =>
    tf.tidy(() => {
      const picked = tf.gather(tf.reshape(q(obs), [batch * actions]), chosen);
      const error = tf.sub(picked, target);
      const absError = tf.abs(error);
      const smoothL1 = tf.where(tf.less(absError, 1), tf.mul(0.5, tf.square(error)), tf.sub(absError, 0.5));
      return tf.mean(smoothL1) as tf.Scalar;
    });
  const run = train(loss, vars);
  tf.dispose([...vars, obs, nextObs, rewards, done, chosen, target]);
  return run;
}

/** An LSTM-style cell unrolled over a short sequence, read out linearly at the end. */
function recurrentRun(): TrainingRun {
  const input = 3;
  const hidden = 5;
  const batch = 4;
  const steps = 4;
  const vars = [weight([input + hidden, 4 * hidden], 20), bias(4 * hidden), weight([hidden, 2], 21), bias(2)];
  const [w, b, wOut, bOut] = vars as [tf.Variable, tf.Variable, tf.Variable, tf.Variable];
  const sequence = seeded([steps, batch, input], 22);
  const targets = seeded([batch, 2], 23);
  const loss = (): tf.Scalar =>
    tf.tidy(() => {
      let h = tf.zeros([batch, hidden]);
      let c = tf.zeros([batch, hidden]);
      for (const x of tf.unstack(sequence)) {
        const z = tf.add(tf.matMul(tf.concat([x, h], 1), w), b);
        const [i, f, g, o] = tf.split(z, 4, 1) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
        c = tf.add(tf.mul(tf.sigmoid(f), c), tf.mul(tf.sigmoid(i), tf.tanh(g)));
        h = tf.mul(tf.sigmoid(o), tf.tanh(c));
      }
      // A GRU-style partial read of the state, through a slice.
      const readout = tf.add(tf.matMul(h, wOut), tf.slice(tf.matMul(c, wOut), [0, 0], [batch, 2]));
      return tf.mean(tf.square(tf.sub(tf.add(readout, bOut), targets))) as tf.Scalar;
    });
  const run = train(loss, vars);
  tf.dispose([...vars, sequence, targets]);
  return run;
}

/** A small ConvNet classifier: conv, relu, max pool, conv, average pool, dense, softmax cross-entropy. */
function convRun(): TrainingRun {
  const batch = 4;
  const vars = [weight([3, 3, 1, 4], 30), bias(4), weight([3, 3, 4, 4], 31), bias(4), weight([16, 3], 32), bias(3)];
  const [k1, c1, k2, c2, wd, bd] = vars as [
    tf.Variable,
    tf.Variable,
    tf.Variable,
    tf.Variable,
    tf.Variable,
    tf.Variable,
  ];
  const images = seeded([batch, 8, 8, 1], 33);
  const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 1], "int32"), 3);
  const loss = (): tf.Scalar =>
    tf.tidy(() => {
      const z1 = tf.add(tf.conv2d(images as tf.Tensor4D, k1 as tf.Tensor4D, 1, "same"), c1);
      const a1 = tf.maxPool(tf.relu(z1) as tf.Tensor4D, 2, 2, "valid");
      const z2 = tf.add(tf.conv2d(a1, k2 as tf.Tensor4D, 1, "same"), c2);
      const a2 = tf.avgPool(tf.elu(z2) as tf.Tensor4D, 2, 2, "same");
      const logits = tf.add(tf.matMul(tf.reshape(a2, [batch, 16]), wd), bd);
      return tf.neg(tf.mean(tf.sum(tf.mul(labels, tf.logSoftmax(logits)), 1))) as tf.Scalar;
    });
  const run = train(loss, vars, 3e-2);
  tf.dispose([...vars, images, labels]);
  return run;
}

describe.each(["cpu", "wasm"])("training with the core gradients on %s", (backend) => {
  beforeAll(async () => {
    expect(await tf.setBackend(backend)).toBe(true);
    registerCoreGradients();
  });

  it(`trains a dueling DQN MLP with a smooth-L1 loss for ${STEPS} Adam steps without leaking`, () => {
    expectHealthy(dqnRun());
  });

  it(`trains an LSTM-style cell for ${STEPS} Adam steps without leaking`, () => {
    expectHealthy(recurrentRun());
  });

  // wasm has no Conv2DBackpropFilter kernel yet.
  it.skipIf(backend === "wasm")(`trains a small ConvNet for ${STEPS} Adam steps without leaking`, () => {
    expectHealthy(convRun());
  });
});
