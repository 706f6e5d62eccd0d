import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { HostArray, Rng, TensorDict } from "@tdrl/tensordict";
import { initBackend } from "@tdrl/backend";
import { copyParams, GRUModule, LSTMModule, MLP, TensorDictModule, TensorDictSequential } from "@tdrl/modules";
import { maxAbsDiff } from "../test/golden";
import { RecurrentDQNLoss } from "./recurrent-dqn-loss";

const B = 2;
const T = 6;
const F = 3;
const H = 8;
const A = 2;
const GAMMA = 0.9;

function makeNet(seed: number): TensorDictSequential {
  const lstm = new LSTMModule({
    inputSize: F,
    hiddenSize: H,
    inKey: "observation",
    outKey: "features",
    mode: "sequence",
    rng: new Rng(seed),
  });
  const head = new TensorDictModule(
    new MLP({ inFeatures: H, outFeatures: A, numCells: [8], activation: "relu", rng: new Rng(seed + 1) }),
    {
      inKeys: ["features"],
      outKeys: ["action_value"],
    },
  );
  return new TensorDictSequential(lstm, head);
}

// Sequence 0: an episode for steps 0-2 (truncated at 2, so it bootstraps from a terminal observation with the
// carried state), then a new episode from step 3. Sequence 1 starts mid-episode from a stored state and
// terminates at step 4; step 5 starts nothing (a fresh episode would set is_init there).
function makeBatch(): { td: TensorDict; obs: number[][][]; nextObs: number[][][]; h0: number[]; c0: number[] } {
  const rng = new Rng(7);
  const obs = Array.from({ length: B }, () =>
    Array.from({ length: T }, () => Array.from({ length: F }, () => rng.normal() * 2)),
  );
  const episodeEnd = [[2], [4]];
  const nextObs = obs.map((seq, b) =>
    seq.map((_, t) =>
      t + 1 < T && !episodeEnd[b]!.includes(t) ? [...seq[t + 1]!] : Array.from({ length: F }, () => rng.normal() * 2),
    ),
  );
  // After step 4 of sequence 1 (terminated) a new episode starts at step 5.
  const isInit = [
    [1, 0, 0, 1, 0, 0],
    [0, 0, 0, 0, 0, 1],
  ];
  const terminated = [
    [0, 0, 0, 0, 0, 0],
    [0, 0, 0, 0, 1, 0],
  ];
  const truncated = [
    [0, 0, 1, 0, 0, 0],
    [0, 0, 0, 0, 0, 0],
  ];
  const h0 = Array.from({ length: H }, () => rng.normal() * 0.5);
  const c0 = Array.from({ length: H }, () => rng.normal() * 0.5);
  const state = (s: number[]): HostArray<"float32"> => {
    const arr = HostArray.zeros("float32", [B, T, 1, H]);
    arr.data.set(s, 1 * T * H); // sequence 1, step 0 (sequence 0 starts an episode: zero state)
    return arr;
  };
  const td = new TensorDict(
    {
      observation: HostArray.from("float32", [B, T, F], obs.flat(2)),
      is_init: HostArray.from("bool", [B, T, 1], isInit.flat()),
      recurrent_state_h: state(h0),
      recurrent_state_c: state(c0),
      action: HostArray.from("int32", [B, T], [0, 1, 1, 0, 1, 0, 1, 1, 0, 0, 1, 0]),
      next: {
        observation: HostArray.from("float32", [B, T, F], nextObs.flat(2)),
        reward: HostArray.from("float32", [B, T, 1], [1, 0.5, -1, 2, 0, 1, 0.3, -0.2, 1, 0.7, 2, -1]),
        terminated: HostArray.from("bool", [B, T, 1], terminated.flat()),
        done: HostArray.from(
          "bool",
          [B, T, 1],
          terminated.flat().map((x, i) => x || truncated.flat()[i]!),
        ),
      },
    },
    [B, T],
  );
  return { td, obs, nextObs, h0, c0 };
}

/** Q-values after the last of `steps` observations, run from `start` (or zeros, reset at step 0). */
function lastQ(net: TensorDictSequential, steps: number[][], start: { h: number[]; c: number[] } | null): number[] {
  return tf.tidy(() => {
    const L = steps.length;
    const isInit = HostArray.zeros("bool", [1, L, 1]);
    const src: Record<string, HostArray> = {
      observation: HostArray.from("float32", [1, L, F], steps.flat()),
      is_init: isInit,
    };
    if (start === null) isInit.data[0] = 1;
    else {
      src.recurrent_state_h = HostArray.zeros("float32", [1, L, 1, H]);
      src.recurrent_state_c = HostArray.zeros("float32", [1, L, 1, H]);
      src.recurrent_state_h.data.set(start.h);
      src.recurrent_state_c.data.set(start.c);
    }
    const td = new TensorDict(src, [1, L]);
    net.forward(td);
    const q = td.getTensor("action_value").arraySync() as number[][][];
    return q[0]![L - 1]!;
  });
}

describe("RecurrentDQNLoss", () => {
  beforeAll(async () => {
    await initBackend({ prefer: "wasm" });
  });

  function setup(burnIn = 0): { loss: RecurrentDQNLoss; online: TensorDictSequential; target: TensorDictSequential } {
    const online = makeNet(0);
    const loss = new RecurrentDQNLoss(online, { gamma: GAMMA, burnIn });
    // Make the online parameters differ from the target copy, so a swapped pass would show.
    const other = makeNet(10);
    copyParams(other, online);
    const target = makeNet(20);
    copyParams(loss.targetModule(), target);
    return { loss, online, target };
  }

  /** td_error expected from per-episode reference runs; `leak` keeps the state across the episode start at step 3 of sequence 0. */
  function expectedTdError(
    batch: ReturnType<typeof makeBatch>,
    online: TensorDictSequential,
    target: TensorDictSequential,
    leak = false,
  ): number[] {
    const { td, obs, nextObs, h0, c0 } = batch;
    const reward = td.getHost(["next", "reward"]).data;
    const term = td.getHost(["next", "terminated"]).data;
    const action = td.getHost("action").data;
    const out: number[] = [];
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T; t++) {
        const isInit = td.getHost("is_init").data;
        let s = t;
        while (s > 0 && !(isInit[b * T + s] && !(leak && b === 0 && s === 3))) s--;
        const start =
          isInit[b * T + s] && !(leak && b === 0 && s === 3)
            ? null
            : { h: b === 1 ? h0 : new Array<number>(H).fill(0), c: b === 1 ? c0 : new Array<number>(H).fill(0) };
        const past = obs[b]!.slice(s, t + 1);
        const q = lastQ(online, past, start)[action[b * T + t]!]!;
        const v = Math.max(...lastQ(target, [...past, nextObs[b]![t]!], start));
        const i = b * T + t;
        out.push(Math.abs(reward[i]! + (term[i] ? 0 : GAMMA * v) - q));
      }
    }
    return out;
  }

  it("resets the target pass at episode starts inside a sequence (no hidden-state leak)", () => {
    const { loss, online, target } = setup();
    const batch = makeBatch();
    loss.forward(batch.td).dispose();
    const got = batch.td.getHost("td_error").data;
    const right = expectedTdError(batch, online, target);
    const leaky = expectedTdError(batch, online, target, true);
    console.log(
      "recurrent td_error vs reference",
      maxAbsDiff(got, right),
      "leak would differ by",
      maxAbsDiff(leaky, right),
    );
    expect(maxAbsDiff(leaky, right)).toBeGreaterThan(1e-3); // the sequence is built so that a leak shows
    expect(maxAbsDiff(got, right)).toBeLessThan(1e-5);
    expect(batch.td.getHost("td_error").shape).toEqual([B, T]);
    loss.dispose();
  });

  it("double DQN picks the next action with the online network's own carried state", () => {
    const online = makeNet(0);
    const loss = new RecurrentDQNLoss(online, { gamma: GAMMA, doubleDqn: true, delayValue: false });
    const batch = makeBatch();
    loss.forward(batch.td).dispose();
    // Without a target copy, double DQN equals plain DQN (the argmax of the same values).
    const plain = new RecurrentDQNLoss(online, { gamma: GAMMA, delayValue: false });
    const batch2 = makeBatch();
    plain.forward(batch2.td).dispose();
    expect(maxAbsDiff(batch.td.getHost("td_error").data, batch2.td.getHost("td_error").data)).toBeLessThan(1e-6);
  });

  it("burn-in warms up the states, leaves those steps out of the loss and gives them td_error 0", () => {
    const k = 2;
    const { loss, online, target } = setup(k);
    const batch = makeBatch();
    const out = loss.forward(batch.td);
    const got = batch.td.getHost("td_error").data;
    const right = expectedTdError(batch, online, target);
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T; t++) {
        if (t < k) expect(got[b * T + t]).toBe(0);
        else expect(Math.abs(got[b * T + t]! - right[b * T + t]!)).toBeLessThan(1e-5);
      }
    }
    const mse = right.filter((_, i) => i % T >= k).reduce((acc, e) => acc + e * e, 0) / (B * (T - k));
    expect(out.getTensor("loss").dataSync()[0]).toBeCloseTo(mse, 5);
    out.dispose();
    loss.dispose();
  });

  it("trains with tf.variableGrads and leaks no tensors", () => {
    const { loss } = setup(1);
    const opt: tf.Optimizer = tf.train.adam(1e-2);
    const batch = makeBatch();
    const counts: number[] = [];
    for (let i = 0; i < 8; i++) {
      const { value, grads } = tf.variableGrads(
        () => loss.forward(batch.td).getTensor("loss") as tf.Scalar,
        loss.parameterList(),
      );
      expect(Object.keys(grads).length).toBe(loss.parameterList().length);
      opt.applyGradients(grads);
      tf.dispose([value, grads]);
      if (i >= 2) counts.push(tf.memory().numTensors);
    }
    expect(new Set(counts).size).toBe(1);
    loss.dispose();
    opt.dispose();
  });

  it("carries a GRU's single state key the same way", () => {
    const gru = new GRUModule({
      inputSize: F,
      hiddenSize: H,
      inKey: "observation",
      outKey: "features",
      mode: "sequence",
      rng: new Rng(3),
    });
    const head = new TensorDictModule(new MLP({ inFeatures: H, outFeatures: A, numCells: [], rng: new Rng(4) }), {
      inKeys: ["features"],
      outKeys: ["action_value"],
    });
    const loss = new RecurrentDQNLoss(new TensorDictSequential(gru, head), { burnIn: 1 });
    const td = makeBatch().td.exclude("recurrent_state_h", "recurrent_state_c");
    const out = loss.forward(td);
    expect(Number.isFinite(out.getTensor("loss").dataSync()[0])).toBe(true);
    expect(td.getHost("td_error").shape).toEqual([B, T]);
    out.dispose();
    loss.dispose();
  });

  it("errors name the loss and the value", () => {
    const net = makeNet(0);
    expect(
      () =>
        new RecurrentDQNLoss(
          new TensorDictModule(new MLP({ inFeatures: 3, outFeatures: 2 }), {
            inKeys: ["observation"],
            outKeys: ["action_value"],
          }),
        ),
    ).toThrow(
      'RecurrentDQNLoss: the value network writes no "next.<state>" key that it also reads (out keys: action_value); it is not recurrent',
    );
    expect(() => new RecurrentDQNLoss(net, { burnIn: -1 })).toThrow(
      "RecurrentDQNLoss: burnIn must be a non-negative integer, got -1",
    );
    expect(() => new RecurrentDQNLoss(net, { burnIn: 6 }).forward(makeBatch().td)).toThrow(
      "RecurrentDQNLoss: sequences of 6 steps leave nothing after burnIn 6",
    );
    expect(() => new RecurrentDQNLoss(net).forward(makeBatch().td.index(0, 0))).toThrow(
      "RecurrentDQNLoss: batch size [] must be [B, T] (sequences) or [N]",
    );
  });

  it("refuses a batch without is_init or with a float is_init (the hidden state would never be reset), leaking nothing", () => {
    const loss = new RecurrentDQNLoss(makeNet(0));
    const before = tf.memory().numTensors;
    const missing = makeBatch().td.exclude("is_init");
    expect(() => loss.forward(missing)).toThrow('"is_init" is missing');
    const float = makeBatch().td;
    float.set("is_init", HostArray.zeros("float32", float.getHost("is_init").shape));
    expect(() => loss.forward(float)).toThrow('"is_init" has dtype float32; it must be bool');
    expect(tf.memory().numTensors).toBe(before);
  });
});
