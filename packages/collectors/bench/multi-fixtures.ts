// Policy factories the multi-worker benchmarks load in worker threads (and call in the main thread for the
// in-process baselines): the flagship's acting network, with the parameter names of the learner's
// (losses/bench/flagship-case.ts: Nature CNN -> LSTM 128 -> MLP [64] head), so the learner's weights load into it.
import * as tf from "@tensorflow/tfjs-core";
import { Rng } from "@tdrl/tensordict";
import { LSTMModule, MLP, QValueModule, TensorDictModule, TensorDictSequential, natureCnn } from "@tdrl/modules";
import type { PolicyFactory } from "../src/collector-worker-protocol";

/** Greedy Q-policy on 84x84 grey pixels (uint8, scaled to [0, 1]); the LSTM in step mode carries its state. */
export const makeFlagshipActor: PolicyFactory<{ seed?: number } | undefined> = (_index, args) => {
  const seed = args?.seed ?? 2;
  const cnn = natureCnn({ inChannels: 1, rng: new Rng(seed) });
  const torso = new TensorDictModule(
    {
      parameters: () => cnn.parameters(),
      apply: (pixels: tf.Tensor) => cnn.apply(tf.div(tf.cast(pixels, "float32"), 255)),
    },
    { inKeys: ["pixels"], outKeys: ["embed"] },
  );
  const lstm = new LSTMModule({
    inputSize: 3136,
    hiddenSize: 128,
    inKey: "embed",
    outKey: "features",
    rng: new Rng(seed + 1),
  });
  const head = new TensorDictModule(
    new MLP({ inFeatures: 128, outFeatures: 2, numCells: [64], activation: "relu", rng: new Rng(seed + 2) }),
    {
      inKeys: ["features"],
      outKeys: ["action_value"],
    },
  );
  return new TensorDictSequential(torso, lstm, head, new QValueModule({ actionSpace: "categorical" }), {
    selectOutKeys: ["action", "action_value", ["next", "recurrent_state_h"], ["next", "recurrent_state_c"]],
  });
};
