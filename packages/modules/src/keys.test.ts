import * as tf from "@tensorflow/tfjs-core";
import { Categorical, HostArray, Rng, TensorDict } from "@tdrl/tensordict";
import { initBackend } from "@tdrl/backend";
import { beforeAll, describe, expect, it } from "vitest";
import { EGreedyModule } from "./e-greedy-module";
import { LSTMModule } from "./lstm-module";
import { MLP } from "./mlp";
import { TensorDictModule } from "./tensordict-module";
import { TensorDictSequential } from "./tensordict-sequential";

beforeAll(async () => {
  await initBackend({ prefer: "cpu" });
});

// The ownership rule (tensordict README): a tensor leaf a module writes over is freed by the module,
// unless the TensorDict still holds it under another key or the module wrote it back.
describe("modules free the tensor leaves they write over", () => {
  it("LSTMModule with inKey == outKey, step mode: numTensors flat over many calls on one record", () => {
    const lstm = new LSTMModule({ inputSize: 3, hiddenSize: 3, inKey: "embed", outKey: "embed", rng: new Rng(0) });
    const td = new TensorDict({ embed: tf.ones([2, 3]), is_init: HostArray.full("bool", [2, 1], true) }, [2]);
    lstm.forward(td); // first call adds the two next states
    const before = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) lstm.forward(td);
    expect(tf.memory().numTensors).toBe(before);
    expect(td.getTensor("embed").shape).toEqual([2, 3]);
    td.dispose();
    lstm.dispose();
  });

  it("LSTMModule with inKey == outKey, sequence mode, fed by a module writing the key: flat per fresh record", () => {
    const embed = new TensorDictModule(new MLP({ inFeatures: 4, outFeatures: 3, numCells: [], rng: new Rng(1) }), {
      inKeys: ["observation"],
      outKeys: ["embed"],
    });
    const lstm = new LSTMModule({
      inputSize: 3,
      hiddenSize: 3,
      inKey: "embed",
      outKey: "embed",
      mode: "sequence",
      rng: new Rng(0),
    });
    const head = new TensorDictModule(new MLP({ inFeatures: 3, outFeatures: 2, numCells: [], rng: new Rng(2) }), {
      inKeys: ["embed"],
      outKeys: ["action_value"],
    });
    const policy = new TensorDictSequential(embed, lstm, head);
    const run = () => {
      const td = new TensorDict(
        { observation: HostArray.zeros("float32", [2, 5, 4]), is_init: HostArray.zeros("bool", [2, 5, 1]) },
        [2, 5],
      );
      policy.forward(td).dispose();
    };
    run();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 10; i++) run();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("a plain TensorDictModule whose out key names an existing tensor leaf frees the old leaf", () => {
    const double = new TensorDictModule((x) => tf.mul(x, 2), { inKeys: ["x"], outKeys: ["x"] });
    const td = new TensorDict({ x: tf.tensor1d([1, 2]) }, [2]);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) double.forward(td);
    expect(tf.memory().numTensors).toBe(before);
    expect(Array.from(td.getTensor("x").dataSync())).toEqual([32, 64]);
    td.dispose();
  });

  it("does not free a tensor still held under another key, nor one the module writes back", () => {
    const shared = tf.tensor1d([1, 2]);
    const td = new TensorDict({ x: shared, copy: shared }, [2]);
    new TensorDictModule((x) => tf.neg(x), { inKeys: ["x"], outKeys: ["x"] }).forward(td);
    expect(shared.isDisposed).toBe(false);
    expect(Array.from(td.getTensor("copy").dataSync())).toEqual([1, 2]);
    // An identity function returns the very tensor it read: writing it back must not free it.
    const y = tf.tensor1d([3, 4]);
    const same = new TensorDict({ y }, [2]);
    new TensorDictModule((t) => t, { inKeys: ["y"], outKeys: ["y"] }).forward(same);
    expect(y.isDisposed).toBe(false);
    // A module writing one tensor under two keys, then a sequence dropping one of them: the other stays alive.
    const both = new TensorDict({ a: tf.tensor1d([5, 6]) }, [2]);
    const twice = new TensorDictModule((t) => tf.neg(t), { inKeys: ["a"], outKeys: ["b"] });
    const alias: TensorDictModule = new TensorDictModule((t) => t, { inKeys: ["b"], outKeys: ["c"] });
    new TensorDictSequential(twice, alias, { selectOutKeys: ["c"] }).forward(both);
    expect(Array.from(both.getTensor("c").dataSync())).toEqual([-5, -6]);
    tf.dispose([shared, y]);
    td.dispose();
    both.dispose();
  });

  it("a refused write puts back what the earlier out keys held and frees nothing of the record", () => {
    const m = new TensorDictModule((x) => [tf.neg(x), tf.zeros([3])], { inKeys: ["x"], outKeys: ["x", "bad"] });
    const x = tf.tensor1d([1, 2]);
    const td = new TensorDict({ x }, [2]);
    const before = tf.memory().numTensors;
    expect(() => m.forward(td)).toThrow(/cannot write out key "bad"/);
    expect(td.getTensor("x")).toBe(x);
    expect(x.isDisposed).toBe(false);
    expect(td.has("bad")).toBe(false);
    expect(tf.memory().numTensors).toBe(before);
    td.dispose();
  });

  it("EGreedyModule on a tensor action stored under two keys keeps the other key's tensor", () => {
    const a = tf.tensor1d([0, 1, 0], "int32");
    const td = new TensorDict({ action: a, greedy_action: a }, [3]);
    new EGreedyModule({ spec: new Categorical({ n: 2 }), epsInit: 1, epsEnd: 1, rng: new Rng(0) }).forward(
      td,
      "random",
    );
    expect(a.isDisposed).toBe(false);
    td.dispose();
  });

  it("gradients through an LSTMModule with inKey == outKey equal those with distinct keys", () => {
    const make = (outKey: string) => {
      const embed = new TensorDictModule(new MLP({ inFeatures: 4, outFeatures: 3, numCells: [], rng: new Rng(1) }), {
        inKeys: ["observation"],
        outKeys: ["embed"],
      });
      const lstm = new LSTMModule({
        inputSize: 3,
        hiddenSize: 3,
        inKey: "embed",
        outKey,
        mode: "sequence",
        rng: new Rng(0),
      });
      const head = new TensorDictModule(new MLP({ inFeatures: 3, outFeatures: 2, numCells: [], rng: new Rng(2) }), {
        inKeys: [outKey],
        outKeys: ["action_value"],
      });
      return new TensorDictSequential(embed, lstm, head);
    };
    const grads = (outKey: string): number[][] => {
      const policy = make(outKey);
      const obs = HostArray.from(
        "float32",
        [2, 3, 4],
        Array.from({ length: 24 }, (_, i) => Math.sin(i)),
      );
      const { value, grads: g } = tf.variableGrads(() => {
        const td = policy.forward(
          new TensorDict({ observation: obs, is_init: HostArray.zeros("bool", [2, 3, 1]) }, [2, 3]),
        );
        return tf.sum(td.getTensor("action_value")) as tf.Scalar;
      }, [...policy.parameters().values()]);
      const out = [...policy.parameters().values()].map((v) => Array.from(g[v.name]!.dataSync()));
      tf.dispose([value, ...Object.values(g)]);
      return out;
    };
    const distinct = grads("features");
    const before = tf.memory().numTensors;
    const same = grads("embed");
    expect(same.length).toBe(distinct.length);
    same.forEach((g, i) => g.forEach((v, j) => expect(v).toBeCloseTo(distinct[i]![j]!, 6)));
    // Only the new module's parameters remain (its three modules' variables).
    expect(tf.memory().numTensors - before).toBe(distinct.length);
  });
});
