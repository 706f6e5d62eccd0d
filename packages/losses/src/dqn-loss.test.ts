import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { HostArray, Rng, TensorDict } from "@tdrl/tensordict";
import { initBackend } from "@tdrl/backend";
import { MLP, TensorDictModule } from "@tdrl/modules";
import { clipGradNorm } from "./clip-grad-norm";
import { DQNLoss } from "./dqn-loss";
import { SoftUpdate } from "./soft-update";
import { TDLambdaEstimator } from "./value-estimators";
import { flat, loadGolden, maxAbsDiff, type LinearGolden } from "../test/golden";

const golden = loadGolden().dqn_loss;

function loadInto(params: Map<string, tf.Variable>, layers: LinearGolden[]): void {
  layers.forEach((l, i) => {
    params.get(`${2 * i}.weight`)!.assign(tf.tensor(flat(l.weight), [l.weight.length, l.weight[0]!.length]));
    params.get(`${2 * i}.bias`)!.assign(tf.tensor1d(l.bias));
  });
}

function goldenNet(layers: LinearGolden[]): TensorDictModule {
  const mlp = new MLP({ inFeatures: 4, outFeatures: 3, numCells: [16], activation: "relu", rng: new Rng(0) });
  tf.tidy(() => loadInto(mlp.parameters(), layers));
  return new TensorDictModule(mlp, { inKeys: ["observation"], outKeys: ["action_value"] });
}

function goldenBatch(): TensorDict {
  const n = golden.action.length;
  return new TensorDict(
    {
      observation: HostArray.from("float32", [n, 4], flat(golden.obs)),
      action: HostArray.from("int32", [n], golden.action),
      next: {
        observation: HostArray.from("float32", [n, 4], flat(golden.next_obs)),
        reward: HostArray.from("float32", [n, 1], golden.reward),
        terminated: HostArray.from("bool", [n, 1], golden.terminated),
        truncated: HostArray.from("bool", [n, 1], golden.truncated),
        done: HostArray.from(
          "bool",
          [n, 1],
          golden.terminated.map((t, i) => t || golden.truncated[i]!),
        ),
      },
    },
    [n],
  );
}

/** A DQN loss whose online net is `qnet` and whose target copy holds `target_net`. */
function goldenLoss(doubleDqn: boolean, lossFunction: "l2" | "smoothL1"): DQNLoss {
  const qnet = goldenNet(golden.target_net);
  const loss = new DQNLoss(qnet, { gamma: golden.gamma, doubleDqn, lossFunction });
  tf.tidy(() => loadInto(qnet.parameters(), golden.qnet));
  return loss;
}

describe("DQNLoss", () => {
  beforeAll(async () => {
    await initBackend({ prefer: "wasm" });
  });

  for (const c of golden.cases) {
    it(`matches PyTorch: ${c.loss_function}, doubleDqn ${c.double_dqn}`, () => {
      const loss = goldenLoss(c.double_dqn, c.loss_function === "l2" ? "l2" : "smoothL1");
      const td = goldenBatch();
      const { value, grads } = tf.variableGrads(
        () => loss.forward(td).getTensor("loss") as tf.Scalar,
        loss.parameterList(),
      );
      const diffs: Record<string, number> = { loss: Math.abs(value.dataSync()[0]! - c.loss) };
      diffs.td_error = maxAbsDiff(td.getHost("td_error").data, c.td_error);
      const names = [...loss.parameters().entries()];
      c.grads.forEach((g, i) => {
        diffs[`grad ${2 * i}.weight`] = maxAbsDiff(grads[names[2 * i]![1].name]!.dataSync(), flat(g.weight));
        diffs[`grad ${2 * i}.bias`] = maxAbsDiff(grads[names[2 * i + 1]![1].name]!.dataSync(), g.bias);
      });
      console.log(`golden ${c.loss_function} double=${c.double_dqn}`, JSON.stringify(diffs));
      for (const d of Object.values(diffs)) expect(d).toBeLessThan(1e-5);
      tf.dispose([value, ...Object.values(grads)]);
      loss.dispose();
    });
  }
});

function mlpNet(seed: number): TensorDictModule {
  return new TensorDictModule(
    new MLP({ inFeatures: 4, outFeatures: 3, numCells: [16], activation: "relu", rng: new Rng(seed) }),
    {
      inKeys: ["observation"],
      outKeys: ["action_value"],
    },
  );
}

describe("DQNLoss behaviour", () => {
  beforeAll(async () => {
    await initBackend({ prefer: "wasm" });
  });

  it("trains with any tfjs optimizer, updates the target softly, and leaks no tensors", () => {
    const loss = new DQNLoss(mlpNet(0), { lossFunction: "huber", doubleDqn: true });
    const soft = new SoftUpdate(loss, { eps: 0.9 });
    const opt: tf.Optimizer = tf.train.adam(1e-2); // the base type takes variableGrads' NamedTensorMap
    const td = goldenBatch();
    const targetBefore = [...loss.targetParameters().values()].map((v) => [...v.dataSync()]);
    const onlineBefore = loss.parameterList().map((v) => [...v.dataSync()]);
    const step = (): number => {
      const { value, grads } = tf.variableGrads(
        () => loss.forward(td).getTensor("loss") as tf.Scalar,
        loss.parameterList(),
      );
      const { grads: clipped } = clipGradNorm(grads, 10);
      opt.applyGradients(clipped);
      const v = value.dataSync()[0]!;
      tf.dispose([value, grads, clipped]);
      soft.step();
      return v;
    };
    const first = step();
    step();
    const counts: number[] = [];
    let last = first;
    for (let i = 0; i < 30; i++) {
      last = step();
      counts.push(tf.memory().numTensors);
    }
    expect(new Set(counts).size).toBe(1);
    expect(last).toBeLessThan(first);
    // Both sets moved, and the target is still a separate set of buffers.
    const targetAfter = [...loss.targetParameters().values()].map((v) => [...v.dataSync()]);
    expect(targetAfter).not.toEqual(targetBefore);
    expect(loss.parameterList().map((v) => [...v.dataSync()])).not.toEqual(onlineBefore);
    expect(targetAfter).not.toEqual(loss.parameterList().map((v) => [...v.dataSync()]));
    loss.dispose();
    opt.dispose();
  });

  it("changes neither the online nor the target parameters while computing a loss", () => {
    const loss = new DQNLoss(mlpNet(0));
    const td = goldenBatch();
    // Make the target clearly different from the online net.
    tf.tidy(() => {
      for (const v of loss.targetParameters().values()) v.assign(tf.mul(v, 2));
    });
    const target = [...loss.targetParameters().values()].map((v) => [...v.dataSync()]);
    const online = loss.parameterList().map((v) => [...v.dataSync()]);
    const { value, grads } = tf.variableGrads(
      () => loss.forward(td).getTensor("loss") as tf.Scalar,
      loss.parameterList(),
    );
    expect([...loss.targetParameters().values()].map((v) => [...v.dataSync()])).toEqual(target);
    expect(loss.parameterList().map((v) => [...v.dataSync()])).toEqual(online);
    expect(Object.keys(grads).length).toBe(4);
    tf.dispose([value, grads]);
    loss.dispose();
  });
});

describe("DQNLoss options", () => {
  beforeAll(async () => {
    await initBackend({ prefer: "wasm" });
  });

  const run = (loss: DQNLoss, td: TensorDict): { value: number; grads: number[][] } => {
    const { value, grads } = tf.variableGrads(
      () => loss.forward(td).getTensor("loss") as tf.Scalar,
      loss.parameterList(),
    );
    const out = { value: value.dataSync()[0]!, grads: loss.parameterList().map((v) => [...grads[v.name]!.dataSync()]) };
    tf.dispose([value, grads]);
    return out;
  };

  it("without delayValue uses the online net as target, still as a semi-gradient", () => {
    const net = mlpNet(3);
    const delayed = new DQNLoss(net); // its target copy equals the online net right now
    const direct = new DQNLoss(net, { delayValue: false });
    const a = run(delayed, goldenBatch());
    const b = run(direct, goldenBatch());
    expect(b.value).toBeCloseTo(a.value, 6);
    b.grads.forEach((g, i) => expect(maxAbsDiff(g, a.grads[i]!)).toBeLessThan(1e-6));
    expect(direct.targetParameters().get("0.weight")).toBe(net.parameters().get("0.weight"));
    delayed.dispose();
  });

  it("multiplies per-sample losses by priority_weight and supports sum / none reductions", () => {
    const net = mlpNet(4);
    const td = goldenBatch();
    const none = new DQNLoss(net, { reduction: "none" });
    const perSample = none.forward(td);
    const ps = [...perSample.getTensor("loss").dataSync()];
    expect(perSample.getTensor("loss").shape).toEqual([8]);
    perSample.dispose();
    const w = [0, 1, 2, 0.5, 1, 1, 3, 0];
    td.set("priority_weight", HostArray.from("float32", [8, 1], w));
    const sum = new DQNLoss(net, { reduction: "sum" });
    const out = sum.forward(td);
    expect(out.getTensor("loss").dataSync()[0]).toBeCloseTo(
      ps.reduce((acc, l, i) => acc + l * w[i]!, 0),
      5,
    );
    out.dispose();
    const mean = new DQNLoss(net).forward(td);
    expect(mean.getTensor("loss").dataSync()[0]).toBeCloseTo(ps.reduce((acc, l, i) => acc + l * w[i]!, 0) / 8, 5);
    mean.dispose();
    [none, sum].forEach((l) => l.dispose());
  });

  it("writes td_error = |target - Q(s, a)| and bootstraps truncated steps (terminated only masks)", () => {
    const net = goldenNet(golden.qnet);
    const loss = new DQNLoss(net, { gamma: golden.gamma, delayValue: false });
    const td = goldenBatch();
    loss.forward(td).dispose();
    const q = tf.tidy(
      () =>
        (
          net
            .forward(new TensorDict({ observation: td.getHost("observation") }, [8]))
            .getTensor("action_value") as tf.Tensor
        ).arraySync() as number[][],
    );
    const qn = tf.tidy(
      () =>
        (
          net
            .forward(new TensorDict({ observation: td.getHost(["next", "observation"]) }, [8]))
            .getTensor("action_value") as tf.Tensor
        ).arraySync() as number[][],
    );
    const expected = golden.action.map((a, i) => {
      const bootstrap = golden.terminated[i] ? 0 : golden.gamma * Math.max(...qn[i]!);
      return Math.abs(golden.reward[i]! + bootstrap - q[i]![a]!);
    });
    expect(golden.truncated[3]).toBe(true); // a truncated, not terminated, step: it must bootstrap
    expect(maxAbsDiff(td.getHost("td_error").data, expected)).toBeLessThan(1e-5);
    expect(td.getHost("td_error").shape).toEqual([8]);
  });

  it("accepts one-hot actions and [B, T] batches", () => {
    const net = mlpNet(5);
    const loss = new DQNLoss(net);
    const td = goldenBatch();
    const ref = loss.forward(td);
    const oneHot = HostArray.zeros("int32", [8, 3]);
    golden.action.forEach((a, i) => (oneHot.data[i * 3 + a] = 1));
    const tdHot = goldenBatch();
    tdHot.set("action", oneHot);
    const hot = loss.forward(tdHot);
    expect(hot.getTensor("loss").dataSync()[0]).toBeCloseTo(ref.getTensor("loss").dataSync()[0]!, 6);
    const seq = loss.forward(goldenBatch().reshape([2, 4]));
    expect(seq.getTensor("loss").dataSync()[0]).toBeCloseTo(ref.getTensor("loss").dataSync()[0]!, 6);
    [ref, hot, seq].forEach((t) => t.dispose());
    loss.dispose();
  });

  it("errors name the loss, the key and the value", () => {
    const loss = new DQNLoss(mlpNet(6));
    const td = goldenBatch();
    td.set("action", HostArray.from("int32", [8], [0, 1, 2, 3, 0, 0, 0, 0]));
    expect(() => loss.forward(td)).toThrow('DQNLoss: "action"[3] is 3; actions must be integers in [0, 3)');
    const noTerm = goldenBatch();
    noTerm.delete(["next", "terminated"]);
    expect(() => loss.forward(noTerm)).toThrow('DQNLoss: key "next.terminated" is missing from the TensorDict');
    const badReward = goldenBatch();
    badReward.set(["next", "reward"], HostArray.zeros("float32", [8, 2]));
    expect(() => loss.forward(badReward)).toThrow(
      'DQNLoss: key "next.reward" has shape [8, 2]; expected [8] or [8, 1]',
    );
    expect(() => new DQNLoss(mlpNet(0), { lossFunction: "l1" as never })).toThrow(
      'DQNLoss: lossFunction must be "l2", "smoothL1" or "huber", got "l1"',
    );
    expect(() => new DQNLoss(mlpNet(0), { gamma: 1.5 })).toThrow("DQNLoss: gamma must be in [0, 1], got 1.5");
    loss.dispose();
  });

  it("refuses bad options before allocating the target copy: no tensors left behind", () => {
    const net = mlpNet(0);
    const before = tf.memory().numTensors;
    expect(() => new DQNLoss(net, { gamma: 1.5 })).toThrow("DQNLoss: gamma must be in [0, 1], got 1.5");
    expect(() => new DQNLoss(net, { lossFunction: "l3" as never })).toThrow(
      'DQNLoss: lossFunction must be "l2", "smoothL1" or "huber", got "l3"',
    );
    expect(() => new DQNLoss(net, { delta: -1 })).toThrow("DQNLoss: delta must be > 0, got -1");
    expect(() => new DQNLoss(net, { reduction: "max" as never })).toThrow(
      'DQNLoss: reduction must be "mean", "sum" or "none", got "max"',
    );
    expect(() => new DQNLoss(net, { double_dqn: true } as never)).toThrow(
      'DQNLoss: unknown option "double_dqn" (known: lossFunction, delta, delayValue, doubleDqn',
    );
    expect(() => new DQNLoss(net, { double_dqn: true } as never)).toThrow("did you mean doubleDqn?");
    expect(tf.memory().numTensors).toBe(before);
  });

  it("refuses negative, NaN and infinite priority weights, naming the sample, and leaks nothing", () => {
    const loss = new DQNLoss(mlpNet(6));
    const before = tf.memory().numTensors;
    for (const [bad, shown] of [
      [-0.5, "-0.5"],
      [Number.NaN, "NaN"],
      [Number.POSITIVE_INFINITY, "Infinity"],
    ] as const) {
      const td = goldenBatch();
      const w = new Float32Array(8).fill(1);
      w[5] = bad;
      td.set("priority_weight", new HostArray("float32", [8], w));
      expect(() => loss.forward(td)).toThrow(
        `DQNLoss: "priority_weight"[5] is ${shown}; importance weights must be finite and >= 0`,
      );
      expect(td.has("td_error")).toBe(false);
    }
    expect(tf.memory().numTensors).toBe(before);
    const ok = goldenBatch();
    ok.set("priority_weight", HostArray.full("float32", [8], 0));
    loss.forward(ok).dispose();
    loss.dispose();
  });

  it("names the full path and the batch's keys when an input of the network is missing under next", () => {
    const loss = new DQNLoss(mlpNet(6));
    const td = goldenBatch();
    td.delete(["next", "observation"]);
    expect(() => loss.forward(td)).toThrow(
      'DQNLoss: the batch has no "next.observation", an input of the value network (the batch has observation, action, next.reward, next.terminated',
    );
    loss.dispose();
  });
});

describe("DQNLoss with a multi-step estimator", () => {
  beforeAll(async () => {
    await initBackend({ prefer: "wasm" });
  });

  it("uses the last batch dim as time and reads next.done", () => {
    const net = goldenNet(golden.qnet);
    const estimator = new TDLambdaEstimator({ gamma: golden.gamma, lambda: 0.7 });
    const loss = new DQNLoss(net, { valueEstimator: estimator, delayValue: false });
    expect(loss.gamma).toBe(golden.gamma);
    const td = goldenBatch().reshape([2, 4]);
    loss.forward(td).dispose();
    const values = (obs: HostArray): number[][] =>
      tf.tidy(
        () =>
          net
            .forward(new TensorDict({ observation: obs.reshape([8, 4]) }, [8]))
            .getTensor("action_value")
            .arraySync() as number[][],
      );
    const q = values(td.getHost("observation"));
    const qn = values(td.getHost(["next", "observation"]));
    const targets = estimator.returns({
      reward: golden.reward,
      nextValue: qn.map((row) => Math.max(...row)),
      terminated: golden.terminated.map(Number),
      done: golden.terminated.map((t, i) => Number(t || golden.truncated[i]!)),
      steps: 4,
    });
    const expected = golden.action.map((a, i) => Math.abs(targets[i]! - q[i]![a]!));
    expect(td.getHost("td_error").shape).toEqual([2, 4]);
    expect(maxAbsDiff(td.getHost("td_error").data, expected)).toBeLessThan(1e-5);
    expect(() => new DQNLoss(net, { valueEstimator: estimator, gamma: 0.5 })).toThrow(
      "DQNLoss: gamma 0.5 contradicts the value estimator's gamma 0.9 (TDLambdaEstimator); give one",
    );
  });
});
