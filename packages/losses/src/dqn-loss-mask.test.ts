import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { HostArray, Rng, TensorDict } from "@tdrl/tensordict";
import { initBackend } from "@tdrl/backend";
import { MLP, TensorDictModule, type NestedKey } from "@tdrl/modules";
import { DQNLoss } from "./dqn-loss";
import { TDLambdaEstimator } from "./value-estimators";

const F = 3;
const A = 2;
const N = 6;
const GAMMA = 0.9;
const MASK = [1, 1, 0, 1, 0, 1];

/** A linear Q-network (no hidden layer), so the loss and its gradients can be written out by hand. */
function linearNet(): TensorDictModule {
  return new TensorDictModule(new MLP({ inFeatures: F, outFeatures: A, numCells: [], rng: new Rng(3) }), {
    inKeys: ["observation"],
    outKeys: ["action_value"],
  });
}

function batch(maskKey: NestedKey | null): {
  td: TensorDict;
  obs: number[][];
  nextObs: number[][];
  action: number[];
  reward: number[];
  terminated: number[];
} {
  const rng = new Rng(11);
  // Padded samples hold garbage: huge observations and an action out of range.
  const obs = Array.from({ length: N }, (_, i) => Array.from({ length: F }, () => (MASK[i] ? rng.normal() : 1e4)));
  const nextObs = Array.from({ length: N }, (_, i) => Array.from({ length: F }, () => (MASK[i] ? rng.normal() : -1e4)));
  const action = [0, 1, 7, 1, -3, 0];
  const reward = [1, -0.5, 100, 0.25, 100, 2];
  const terminated = [0, 0, 0, 1, 0, 0];
  const src: Record<string, unknown> = {
    observation: HostArray.from("float32", [N, F], obs.flat()),
    action: HostArray.from("int32", [N], action),
    next: {
      observation: HostArray.from("float32", [N, F], nextObs.flat()),
      reward: HostArray.from("float32", [N, 1], reward),
      terminated: HostArray.from("bool", [N, 1], terminated),
    },
  };
  const td = new TensorDict(src as never, [N]);
  if (maskKey !== null) td.set(maskKey, HostArray.from("bool", [N], MASK));
  return { td, obs, nextObs, action, reward, terminated };
}

/** The masked l2 DQN loss, td_error and gradients, in float64 from the network's weights. */
function byHand(
  net: TensorDictModule,
  b: ReturnType<typeof batch>,
): { loss: number; tdError: number[]; dW: number[][]; db: number[] } {
  const params = [...net.parameters().values()];
  const w = params[0]!.arraySync() as number[][]; // [out, in]
  const bias = params[1]!.arraySync() as number[];
  const q = (x: number[]): number[] => w.map((row, a) => row.reduce((s, wj, j) => s + wj * x[j]!, bias[a]!));
  const valid = MASK.reduce((s, m) => s + m, 0);
  const dW = w.map((row) => row.map(() => 0));
  const db = bias.map(() => 0);
  const tdError: number[] = [];
  let loss = 0;
  for (let i = 0; i < N; i++) {
    if (!MASK[i]) {
      tdError.push(0);
      continue;
    }
    const y = b.reward[i]! + GAMMA * (1 - b.terminated[i]!) * Math.max(...q(b.nextObs[i]!));
    const qa = q(b.obs[i]!)[b.action[i]!]!;
    loss += (qa - y) ** 2 / valid;
    tdError.push(Math.abs(y - qa));
    const g = (2 * (qa - y)) / valid;
    for (let j = 0; j < F; j++) dW[b.action[i]!]![j]! += g * b.obs[i]![j]!;
    db[b.action[i]!]! += g;
  }
  return { loss, tdError, dW, db };
}

function expectClose(actual: ArrayLike<number>, expected: number[], tol = 1e-4): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++)
    expect(Math.abs(actual[i]! - expected[i]!)).toBeLessThan(tol * Math.max(1, Math.abs(expected[i]!)));
}

describe("DQNLoss with a padding mask", () => {
  beforeAll(async () => {
    await initBackend({ prefer: "wasm" });
  });

  for (const key of ["mask", ["collector", "mask"]] as const) {
    it(`leaves masked samples out of the loss, its gradients and td_error (key ${JSON.stringify(key)}), as computed by hand`, () => {
      const net = linearNet();
      const loss = new DQNLoss(net, { gamma: GAMMA });
      const b = batch(key as NestedKey);
      const ref = byHand(net, b);
      const before = tf.memory().numTensors;
      const { value, grads } = tf.variableGrads(
        () => loss.forward(b.td).getTensor("loss") as tf.Scalar,
        loss.parameterList(),
      );
      const names = loss.parameterList().map((v) => v.name);
      expectClose(value.dataSync(), [ref.loss]);
      expectClose(grads[names[0]!]!.dataSync(), ref.dW.flat());
      expectClose(grads[names[1]!]!.dataSync(), ref.db);
      expectClose(b.td.getHost("td_error").data, ref.tdError);
      tf.dispose([value, grads]);
      expect(tf.memory().numTensors).toBe(before);
      loss.dispose();
    });
  }

  it("reduction none gives 0 on masked samples; sum adds the valid ones; a given maskKey is the only one read", () => {
    const net = linearNet();
    const b = batch("mask");
    const ref = byHand(net, b);
    const valid = MASK.reduce((s, m) => s + m, 0);
    const none = new DQNLoss(net, { gamma: GAMMA, reduction: "none" });
    const perSample = none.forward(b.td);
    const expected = ref.tdError.map((e) => e * e);
    expectClose(perSample.getTensor("loss").dataSync(), expected);
    perSample.dispose();
    const sum = new DQNLoss(net, { gamma: GAMMA, reduction: "sum" }).forward(b.td);
    expectClose(sum.getTensor("loss").dataSync(), [ref.loss * valid]);
    sum.dispose();
    const custom = batch(["extra", "valid"]);
    const out = new DQNLoss(net, { gamma: GAMMA, maskKey: ["extra", "valid"] }).forward(custom.td);
    expectClose(out.getTensor("loss").dataSync(), [ref.loss]);
    out.dispose();
    // With another key named, "mask" is not read: the garbage action 7 is then an error.
    expect(() => new DQNLoss(net, { gamma: GAMMA, maskKey: "valid" }).forward(batch("mask").td)).toThrow(
      'DQNLoss: "action"[2] is 7; actions must be integers in [0, 2)',
    );
  });

  it("an all-masked batch has loss 0 and zero gradients", () => {
    const net = linearNet();
    const loss = new DQNLoss(net, { gamma: GAMMA });
    const b = batch(null);
    b.td.set("mask", HostArray.zeros("bool", [N]));
    b.td.set("action", HostArray.zeros("int32", [N]));
    const { value, grads } = tf.variableGrads(
      () => loss.forward(b.td).getTensor("loss") as tf.Scalar,
      loss.parameterList(),
    );
    expect(value.dataSync()[0]).toBe(0);
    for (const g of Object.values(grads)) expect([...g.dataSync()].every((x) => x === 0)).toBe(true);
    expect([...b.td.getHost("td_error").data]).toEqual(new Array(N).fill(0));
    tf.dispose([value, grads]);
    loss.dispose();
  });

  it("multi-step returns stop at the last valid step of a row, as if the padding were cut off", () => {
    // Rows of 4 steps, the second padded after 2: its TD(lambda) returns must equal those of the 2-step row alone.
    const net = linearNet();
    const est = new TDLambdaEstimator({ gamma: GAMMA, lambda: 0.8 });
    const rng = new Rng(5);
    const obs = HostArray.from(
      "float32",
      [2, 4, F],
      Array.from({ length: 8 * F }, () => rng.normal()),
    );
    const nextObs = HostArray.from(
      "float32",
      [2, 4, F],
      Array.from({ length: 8 * F }, () => rng.normal()),
    );
    const reward = HostArray.from("float32", [2, 4], [1, 0, 2, 1, 0.5, -1, 50, 50]);
    const padded = new TensorDict(
      {
        observation: obs,
        action: HostArray.from("int32", [2, 4], [0, 1, 1, 0, 1, 0, 0, 0]),
        mask: HostArray.from("bool", [2, 4], [1, 1, 1, 1, 1, 1, 0, 0]),
        next: {
          observation: nextObs,
          reward,
          terminated: HostArray.zeros("bool", [2, 4]),
          done: HostArray.zeros("bool", [2, 4]),
        },
      },
      [2, 4],
    );
    new DQNLoss(net, { valueEstimator: est }).forward(padded).dispose();
    const row = padded.index(1, { stop: 2 }).reshape([1, 2]);
    row.delete("mask");
    new DQNLoss(net, { valueEstimator: est }).forward(row).dispose();
    expectClose(padded.getHost("td_error").data.subarray(4, 6), [...row.getHost("td_error").data]);
    expect([...padded.getHost("td_error").data.subarray(6)]).toEqual([0, 0]);
  });
});
