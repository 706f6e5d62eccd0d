import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { Rng } from "@tdrl/tensordict";
import { initBackend } from "@tdrl/backend";
import { makeVariable, MLP, TensorDictModule } from "@tdrl/modules";
import { DQNLoss } from "./dqn-loss";
import { loadGolden, maxAbsDiff } from "../test/golden";
import { HardUpdate } from "./hard-update";
import { SoftUpdate } from "./soft-update";

function vectorNet(values: number[]): TensorDictModule {
  const v = makeVariable(Float32Array.from(values), [values.length]);
  return new TensorDictModule(
    { parameters: () => new Map([["bias", v]]), apply: (x: tf.Tensor) => tf.add(x, v) },
    { inKeys: ["observation"], outKeys: ["action_value"] },
  );
}

function mlpNet(seed: number): TensorDictModule {
  return new TensorDictModule(new MLP({ inFeatures: 3, outFeatures: 2, numCells: [4], rng: new Rng(seed) }), {
    inKeys: ["observation"],
    outKeys: ["action_value"],
  });
}

const host = (v: tf.Variable): Float32Array => v.dataSync() as Float32Array;

describe("SoftUpdate", () => {
  beforeAll(async () => {
    await initBackend({ prefer: "cpu" });
  });

  it("matches PyTorch's soft update (golden)", () => {
    const g = loadGolden().soft_update;
    const net = vectorNet(g.target);
    const loss = new DQNLoss(net);
    tf.tidy(() => net.parameters().get("bias")!.assign(tf.tensor1d(g.online)));
    new SoftUpdate(loss, { eps: g.eps }).step();
    const diff = maxAbsDiff(host(loss.targetParameters().get("bias")!), g.after_one_update);
    console.log("golden soft_update max abs diff", diff);
    expect(diff).toBeLessThan(1e-6);
    expect(maxAbsDiff(host(net.parameters().get("bias")!), g.online)).toBe(0);
    loss.dispose();
  });

  it("tau is 1 - eps", () => {
    const net = vectorNet([0, 0]);
    const loss = new DQNLoss(net);
    tf.tidy(() =>
      net
        .parameters()
        .get("bias")!
        .assign(tf.tensor1d([1, 2])),
    );
    const u = new SoftUpdate(loss, { tau: 0.25 });
    expect(u.eps).toBe(0.75);
    u.step();
    expect([...host(loss.targetParameters().get("bias")!)]).toEqual([0.25, 0.5]);
    loss.dispose();
  });

  it("wants exactly one of eps and tau, in [0, 1], and a target", () => {
    const loss = new DQNLoss(vectorNet([0]));
    expect(() => new SoftUpdate(loss, { eps: 0.9, tau: 0.1 } as never)).toThrow(
      "SoftUpdate(DQNLoss): give exactly one of eps and tau, got eps 0.9 and tau 0.1",
    );
    expect(() => new SoftUpdate(loss, {} as never)).toThrow("give exactly one of eps and tau, got neither");
    expect(() => new SoftUpdate(loss, { tau: 1.5 })).toThrow("SoftUpdate(DQNLoss): tau 1.5 is outside [0, 1]");
    expect(() => new SoftUpdate(new DQNLoss(vectorNet([0]), { delayValue: false }), { eps: 0.9 })).toThrow(
      "delayValue false",
    );
    loss.dispose();
  });
});

describe("HardUpdate", () => {
  beforeAll(async () => {
    await initBackend({ prefer: "cpu" });
  });

  it("copies exactly every interval updates", () => {
    const net = vectorNet([0]);
    const loss = new DQNLoss(net);
    const u = new HardUpdate(loss, { interval: 3 });
    const copied: boolean[] = [];
    const targets: number[] = [];
    for (let i = 1; i <= 7; i++) {
      tf.tidy(() =>
        net
          .parameters()
          .get("bias")!
          .assign(tf.tensor1d([i])),
      );
      copied.push(u.step());
      targets.push(host(loss.targetParameters().get("bias")!)[0]!);
    }
    expect(copied).toEqual([false, false, true, false, false, true, false]);
    expect(targets).toEqual([0, 0, 3, 3, 3, 6, 6]);
    expect(u.steps).toBe(7);
    loss.dispose();
  });

  it("copies every parameter of a real network and leaks nothing", () => {
    const net = mlpNet(0);
    const loss = new DQNLoss(net);
    const other = mlpNet(1);
    const u = new HardUpdate(loss, { interval: 1 });
    for (const [name, v] of other.parameters()) net.parameters().get(name)!.assign(v);
    const before = tf.memory().numTensors;
    u.step();
    expect(tf.memory().numTensors).toBe(before);
    for (const [name, v] of other.parameters())
      expect(maxAbsDiff(host(loss.targetParameters().get(name)!), host(v))).toBe(0);
    loss.dispose();
  });

  it("state() / loadState(): a resumed updater copies on the same updates as the saved one", () => {
    const loss = new DQNLoss(vectorNet([0]));
    const u = new HardUpdate(loss, { interval: 3 });
    u.step();
    u.step();
    const resumed = new HardUpdate(loss, { interval: 3 });
    resumed.loadState(JSON.parse(JSON.stringify(u.state())));
    expect(resumed.steps).toBe(2);
    expect(resumed.step()).toBe(true); // the 3rd update, as u's would be
    expect(() => resumed.loadState({ steps: -1 })).toThrow(
      'HardUpdate(DQNLoss).loadState(): "steps" must be a non-negative integer, got -1',
    );
    expect(() => resumed.loadState(null as never)).toThrow("got undefined");
    expect(resumed.steps).toBe(3);
    loss.dispose();
  });

  it("rejects a bad interval, naming the loss and the value", () => {
    const loss = new DQNLoss(vectorNet([0]));
    expect(() => new HardUpdate(loss, { interval: 0 })).toThrow(
      "HardUpdate(DQNLoss): interval must be a positive integer, got 0",
    );
    expect(() => new HardUpdate(loss, { interval: 2.5 })).toThrow("got 2.5");
    loss.dispose();
  });
});
