// The fixed flagship benchmark case, shared by `run.ts` and `profile.ts`: Nature CNN on 84x84x1 -> LSTM 128
// (sequence mode) -> MLP head, [4, 50] slices, double DQN, Adam, SoftUpdate.
import * as tf from "@tensorflow/tfjs-core";
import { HostArray, Rng, TensorDict } from "@tdrl/tensordict";
import { LSTMModule, MLP, natureCnn, TensorDictModule, TensorDictSequential } from "@tdrl/modules";
import { RecurrentDQNLoss, SoftUpdate } from "../src/index";

export interface FlagshipCase {
  loss: RecurrentDQNLoss;
  optimizer: tf.Optimizer;
  updater: SoftUpdate;
  batch: () => TensorDict;
  dispose: () => void;
}

/** Builds the case; `rng` draws the batch (the networks have fixed seeds). */
export function flagshipCase(rng: Rng): FlagshipCase {
  const B = 4;
  const T = 50;
  const frame = 84 * 84;
  // The ConvNet folds any leading dims into the batch, so it reads [B, T, 84, 84, 1] directly.
  const cnn = new TensorDictModule(natureCnn({ inChannels: 1, rng: new Rng(2) }), {
    inKeys: ["observation"],
    outKeys: ["embed"],
  });
  const lstm = new LSTMModule({
    inputSize: 3136,
    hiddenSize: 128,
    inKey: "embed",
    outKey: "features",
    mode: "sequence",
    rng: new Rng(3),
  });
  const head = new TensorDictModule(
    new MLP({ inFeatures: 128, outFeatures: 2, numCells: [64], activation: "relu", rng: new Rng(4) }),
    {
      inKeys: ["features"],
      outKeys: ["action_value"],
    },
  );
  const net = new TensorDictSequential(cnn, lstm, head);
  const loss = new RecurrentDQNLoss(net, { doubleDqn: true, gamma: 0.99 });
  const updater = new SoftUpdate(loss, { tau: 0.05 });
  const optimizer: tf.Optimizer = tf.train.adam(1e-3);

  const obs = HostArray.zeros("float32", [B, T, 84, 84, 1]);
  rng.fillUniform(obs.data);
  // next.observation is the following frame inside an episode, a fresh one where the episode ends.
  const nextObs = HostArray.zeros("float32", [B, T, 84, 84, 1]);
  rng.fillUniform(nextObs.data);
  const isInit = HostArray.zeros("bool", [B, T, 1]);
  const terminated = HostArray.zeros("bool", [B, T]);
  const done = HostArray.zeros("bool", [B, T]);
  for (let b = 0; b < B; b++) isInit.data[b * T] = 1;
  // Sequence 1: an episode ends (terminated) at step 19 and the next one starts at step 20.
  isInit.data[T + 20] = 1;
  terminated.data[T + 19] = 1;
  done.data[T + 19] = 1;
  // Sequence 3 ends in a truncation: done but not terminated, so it still bootstraps.
  done.data[3 * T + T - 1] = 1;
  for (let b = 0; b < B; b++) {
    for (let t = 0; t + 1 < T; t++) {
      if (done.data[b * T + t]) continue;
      nextObs.data.set(obs.data.subarray((b * T + t + 1) * frame, (b * T + t + 2) * frame), (b * T + t) * frame);
    }
  }
  const action = HostArray.zeros("int32", [B, T]);
  rng.fillInt(action.data, 0, 2);
  const reward = HostArray.zeros("float32", [B, T]);
  rng.fillNormal(reward.data);
  const batch = () =>
    new TensorDict(
      { observation: obs, is_init: isInit, action, next: { observation: nextObs, reward, terminated, done } },
      [B, T],
    );
  return {
    loss,
    optimizer,
    updater,
    batch,
    dispose: () => {
      optimizer.dispose();
      loss.dispose();
      net.parameters().forEach((v) => v.dispose());
    },
  };
}
