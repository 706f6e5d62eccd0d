// Loss factories the DataParallelLearner tests load in a worker thread (a worker imports a module; it
// cannot receive a closure), plus the main thread's side of the same set-up. No vitest here: workers load it.
import * as tf from "@tensorflow/tfjs-core";
import { HostArray, Rng, TensorDict } from "@tdrl/tensordict";
import { LazyTensorStorage, SliceSampler, TensorDictReplayBuffer } from "@tdrl/buffers";
import { RecurrentDQNLoss } from "@tdrl/losses";
import { LSTMModule, MLP, TensorDictModule, TensorDictSequential } from "@tdrl/modules";
import type { LossFactory } from "../src/data-parallel-protocol";
import type { DqnLearnerOptions } from "../src/dqn-learner";
import { TargetSync } from "../src/target-sync";

export interface SmallLossArgs {
  hidden: number;
  seed: number;
  burnIn: number;
}

/** An LSTM + linear head on 3 features, double DQN with burn-in. */
export function smallRecurrentLoss({ hidden, seed, burnIn }: SmallLossArgs): RecurrentDQNLoss {
  const lstm = new LSTMModule({
    inputSize: 3,
    hiddenSize: hidden,
    inKey: "observation",
    outKey: "features",
    mode: "sequence",
    rng: new Rng(seed),
  });
  const head = new TensorDictModule(
    new MLP({ inFeatures: hidden, outFeatures: 2, numCells: [], rng: new Rng(seed + 1) }),
    {
      inKeys: ["features"],
      outKeys: ["action_value"],
    },
  );
  return new RecurrentDQNLoss(new TensorDictSequential(lstm, head), { burnIn, doubleDqn: true, gamma: 0.9 });
}

export const makeSmallLoss: LossFactory<SmallLossArgs> = (args) => smallRecurrentLoss(args);

export const makeThrowingLoss: LossFactory<undefined> = () => {
  throw new Error("no loss today");
};

/** Ends the worker thread while it builds the loss. */
export const makeExitingLoss: LossFactory<undefined> = () => {
  process.exit(3);
};

/** The same network, whose forward throws (in the worker only: the main thread builds its loss itself). */
export const makeFailingForwardLoss: LossFactory<SmallLossArgs> = (args) => {
  const loss = smallRecurrentLoss(args);
  loss.forward = function failingForward(): TensorDict {
    throw new Error("boom in the worker's forward");
  };
  return loss;
};

/**
 * A learner's parts over a buffer of 256 random steps (episodes of 5 to 40 steps), sampled as `numSlices`
 * slices of 10: the same seed gives the same weights, data and batches.
 */
export function smallSetup(args: SmallLossArgs, numSlices = 6): DqnLearnerOptions & { dispose(): void } {
  const loss = smallRecurrentLoss(args);
  const rng = new Rng(100 + args.seed);
  const n = 256;
  const obs = new Float32Array(n * 3).map(() => rng.normal());
  const done = HostArray.zeros("bool", [n, 1]);
  const isInit = HostArray.zeros("bool", [n, 1]);
  for (let i = 0, left = 0; i < n; i++) {
    if (left === 0) {
      isInit.data[i] = 1;
      left = rng.int(5, 40);
    }
    left--;
    if (left === 0) done.data[i] = 1;
  }
  const nextObs = new Float32Array(n * 3).map(() => rng.normal());
  const buffer = new TensorDictReplayBuffer({
    storage: new LazyTensorStorage(n),
    sampler: new SliceSampler({ sliceLen: 10, rng: new Rng(7) }),
    batchSize: numSlices * 10,
  });
  buffer.extend(
    new TensorDict(
      {
        observation: new HostArray("float32", [n, 3], obs),
        is_init: isInit,
        action: HostArray.from(
          "int32",
          [n],
          Array.from({ length: n }, () => rng.int(0, 2)),
        ),
        next: {
          observation: new HostArray("float32", [n, 3], nextObs),
          reward: HostArray.from(
            "float32",
            [n],
            Array.from({ length: n }, () => rng.uniform()),
          ),
          done,
          terminated: done,
        },
      },
      [n],
    ),
  );
  const optimizer = tf.train.adam(1e-2);
  return {
    loss,
    buffer,
    optimizer,
    targetSync: new TargetSync(loss, { kind: "soft", tau: 0.1 }),
    gradClip: 10,
    nStep: 1,
    gamma: 0.9,
    obsKeys: ["observation"],
    prioritized: false,
    dispose: () => {
      loss.dispose();
      for (const v of loss.parameters().values()) v.dispose();
      optimizer.dispose();
    },
  };
}
