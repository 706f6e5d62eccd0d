import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { HostArray, Rng, TensorDict } from "@tdrl/tensordict";
import { initBackend } from "@tdrl/backend";
import {
  ConvNet,
  copyParams,
  LSTMModule,
  MLP,
  TensorDictModule,
  TensorDictSequential,
  type Model,
} from "@tdrl/modules";
import { maxAbsDiff } from "../test/golden";
import { RecurrentDQNLoss, type NextStepPlan } from "./recurrent-dqn-loss";

// The deduplicated next-step values (a step continuing from the previous one reuses the sequence pass)
// against the naive path (one extra network step for every next observation) on a conv + LSTM network.
const B = 3;
const T = 7;
const S = 6; // frames are S x S x 1
const FRAME = S * S;

/** Runs every step's next observation through a step of its own, as TorchRL-style code would. */
class NaiveRecurrentDQNLoss extends RecurrentDQNLoss {
  protected override nextStepPlan(_main: TensorDict, m: number): NextStepPlan {
    return { successor: new Int32Array(m).fill(-1), tail: Array.from({ length: m }, (_, r) => r) };
  }
}

/** A conv -> LSTM -> MLP value network; `frames` counts the frames its conv trunk sees. */
function makeNet(seed: number): { net: TensorDictSequential; frames: { n: number } } {
  const conv = new ConvNet({
    inChannels: 1,
    numCells: [4],
    kernelSizes: 3,
    strides: 1,
    activation: "relu",
    rng: new Rng(seed),
  });
  const frames = { n: 0 };
  const counted: Model = {
    apply: (x) => {
      frames.n += x.size / FRAME;
      return conv.apply(x);
    },
    parameters: () => conv.parameters(),
  };
  const trunk = new TensorDictModule(counted, { inKeys: ["observation"], outKeys: ["embed"] });
  const lstm = new LSTMModule({
    inputSize: conv.outFeatures(S, S),
    hiddenSize: 8,
    inKey: "embed",
    outKey: "features",
    mode: "sequence",
    rng: new Rng(seed + 1),
  });
  const head = new TensorDictModule(
    new MLP({ inFeatures: 8, outFeatures: 3, numCells: [8], activation: "relu", rng: new Rng(seed + 2) }),
    {
      inKeys: ["features"],
      outKeys: ["action_value"],
    },
  );
  return { net: new TensorDictSequential(trunk, lstm, head), frames };
}

/**
 * Sequence 0: an episode ends (terminated) at step 2 and the next starts at 3, whose first frame equals
 * next_2 bit for bit (so only is_init tells them apart). Sequence 1: truncated at step 4 (next_4 is a fresh
 * frame, still bootstrapped), a new episode from step 5. Sequence 2: one episode from a stored state.
 */
function makeBatch(): TensorDict {
  const rng = new Rng(11);
  const obs = HostArray.zeros("float32", [B, T, S, S, 1]);
  rng.fillNormal(obs.data);
  const next = HostArray.zeros("float32", [B, T, S, S, 1]);
  rng.fillNormal(next.data);
  const isInit = HostArray.zeros("bool", [B, T, 1]);
  const terminated = HostArray.zeros("bool", [B, T, 1]);
  const done = HostArray.zeros("bool", [B, T, 1]);
  isInit.data[0] = 1;
  isInit.data[3] = 1;
  terminated.data[2] = done.data[2] = 1;
  done.data[T + 4] = 1;
  isInit.data[T + 5] = 1;
  for (let b = 0; b < B; b++) {
    for (let t = 0; t + 1 < T; t++) {
      const r = b * T + t;
      if (done.data[r] && r !== 2) continue;
      next.data.set(obs.data.subarray((r + 1) * FRAME, (r + 2) * FRAME), r * FRAME);
    }
  }
  const h = HostArray.zeros("float32", [B, T, 1, 8]);
  const c = HostArray.zeros("float32", [B, T, 1, 8]);
  rng.fillNormal(h.data.subarray(2 * T * 8, 2 * T * 8 + 8));
  rng.fillNormal(c.data.subarray(2 * T * 8, 2 * T * 8 + 8));
  const action = HostArray.zeros("int32", [B, T]);
  rng.fillInt(action.data, 0, 3);
  const reward = HostArray.zeros("float32", [B, T]);
  rng.fillNormal(reward.data);
  return new TensorDict(
    {
      observation: obs,
      is_init: isInit,
      recurrent_state_h: h,
      recurrent_state_c: c,
      action,
      next: { observation: next, reward, terminated, done },
    },
    [B, T],
  );
}

describe("RecurrentDQNLoss deduplicated next steps", () => {
  beforeAll(async () => {
    await initBackend({ prefer: "wasm" });
  });

  for (const [doubleDqn, burnIn] of [
    [true, 0],
    [false, 0],
    [true, 2],
  ] as const) {
    it(`gives the naive path's loss, td_error and gradients (doubleDqn ${doubleDqn}, burnIn ${burnIn})`, () => {
      const { net, frames } = makeNet(0);
      const loss = new RecurrentDQNLoss(net, { doubleDqn, burnIn, gamma: 0.9, lossFunction: "smoothL1" });
      const naive = new NaiveRecurrentDQNLoss(net, { doubleDqn, burnIn, gamma: 0.9, lossFunction: "smoothL1" });
      // Distinct online and target parameters, the same target for both losses.
      copyParams(makeNet(5).net, net);
      copyParams(loss.targetModule(), naive.targetModule());
      const run = (l: RecurrentDQNLoss) => {
        const td = makeBatch();
        frames.n = 0;
        const { value, grads } = tf.variableGrads(
          () => l.forward(td).getTensor("loss") as tf.Scalar,
          l.parameterList(),
        );
        const out = {
          loss: value.dataSync()[0]!,
          grads: Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, g.dataSync()])),
          tdError: td.getHost("td_error").data,
          frames: frames.n,
        };
        tf.dispose([value, grads]);
        return out;
      };
      const before = tf.memory().numTensors;
      const fast = run(loss);
      const slow = run(naive);
      expect(tf.memory().numTensors).toBe(before);
      expect(Math.abs(fast.loss - slow.loss)).toBeLessThan(1e-5);
      expect(maxAbsDiff(fast.tdError, slow.tdError)).toBeLessThan(1e-5);
      for (const [k, g] of Object.entries(slow.grads)) {
        expect(maxAbsDiff(fast.grads[k]!, g), k).toBeLessThan(1e-5);
        expect(Math.max(...Array.from(g, Math.abs)), k).toBeGreaterThan(0);
      }
      // Online (double DQN only) and target each take one more step per next observation that does not
      // continue the sequence: the last steps (3), the episode end at 2 (same frame, new episode) and the
      // truncation at T + 4, where the naive path takes one per step after burn-in.
      const passes = doubleDqn ? 2 : 1;
      expect(fast.frames).toBe(2 * B * T + passes * 5);
      expect(slow.frames).toBe(2 * B * T + passes * B * (T - burnIn));
      loss.dispose();
      naive.dispose();
    });
  }
});
