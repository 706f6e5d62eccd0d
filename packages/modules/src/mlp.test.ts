import * as tf from "@tensorflow/tfjs-core";
import { HostArray, Rng, TensorDict } from "@tdrl/tensordict";
import { initBackend } from "@tdrl/backend";
import { beforeAll, describe, expect, it } from "vitest";
import { MLP } from "./mlp";
import { TensorDictModule } from "./tensordict-module";

beforeAll(async () => {
  await initBackend({ prefer: "wasm" });
});

describe("MLP", () => {
  it("has PyTorch layout, names and init bounds, reproducible from the Rng", () => {
    const a = new MLP({ inFeatures: 16, outFeatures: 3, numCells: [32, 8], rng: new Rng(7) });
    const b = new MLP({ inFeatures: 16, outFeatures: 3, numCells: [32, 8], rng: new Rng(7) });
    const shapes = [...a.parameters()].map(([n, v]) => [n, v.shape]);
    expect(shapes).toEqual([
      ["0.weight", [32, 16]],
      ["0.bias", [32]],
      ["2.weight", [8, 32]],
      ["2.bias", [8]],
      ["4.weight", [3, 8]],
      ["4.bias", [3]],
    ]);
    for (const [name, v] of a.parameters()) {
      const fanIn = name.startsWith("0") ? 16 : name.startsWith("2") ? 32 : 8;
      const data = v.dataSync();
      const bound = 1 / Math.sqrt(fanIn);
      expect(Math.max(...Array.from(data, Math.abs))).toBeLessThanOrEqual(bound);
      if (data.length >= 24) expect(Math.max(...Array.from(data, Math.abs))).toBeGreaterThan(0.7 * bound); // uses the whole range
      expect(Array.from(data)).toEqual(Array.from(b.parameters().get(name)!.dataSync()));
    }
    expect(new MLP({ inFeatures: 2, outFeatures: 1, numCells: 5, depth: 2 }).numCells).toEqual([5, 5]);
    a.dispose();
    b.dispose();
  });

  it("computes x W^T + b with activations between layers, over any leading dims", () => {
    const m = new MLP({ inFeatures: 2, outFeatures: 1, numCells: [2], activation: "relu", rng: new Rng(0) });
    const p = m.parameters();
    tf.tidy(() => {
      p.get("0.weight")!.assign(
        tf.tensor2d([
          [1, -1],
          [2, 0],
        ]),
      );
      p.get("0.bias")!.assign(tf.tensor1d([0, -5]));
      p.get("2.weight")!.assign(tf.tensor2d([[1, 10]]));
      p.get("2.bias")!.assign(tf.tensor1d([0.5]));
    });
    // x = [3, 1]: hidden relu([2, 1]) = [2, 1]; out = 2 + 10 + 0.5
    const y = m.apply(tf.tensor3d([[[3, 1]], [[1, 3]]]));
    expect(y.shape).toEqual([2, 1, 1]);
    expect(Array.from(y.dataSync())).toEqual([12.5, 0.5]);
    y.dispose();
    const last = new MLP({ inFeatures: 2, outFeatures: 2, numCells: [], activation: "relu", activateLast: true });
    const z = last.apply(tf.tensor2d([[-100, -100]]));
    expect(Array.from(z.dataSync())).toEqual([0, 0]);
    z.dispose();
    expect(() => m.apply(tf.zeros([4, 3]))).toThrow("MLP: input shape [4, 3] must end with inFeatures (2)");
    expect(() => new MLP({ inFeatures: 2, outFeatures: 1, numCells: [0] })).toThrow(
      "MLP: numCells[0] must be a positive integer, got 0",
    );
    m.dispose();
    last.dispose();
  });

  it("leaks no tensors over 200 DQN-style forward + backward + Adam steps", () => {
    const mlp = new MLP({ inFeatures: 4, outFeatures: 2, numCells: [32, 32], activation: "relu", rng: new Rng(1) });
    const qnet = new TensorDictModule(mlp, { inKeys: ["observation"], outKeys: ["action_value"] });
    const rng = new Rng(2);
    const obs = HostArray.zeros("float32", [16, 4]);
    rng.fillNormal(obs.data);
    const target = tf.tensor2d(
      Array.from({ length: 32 }, (_, i) => (i % 3) - 1),
      [16, 2],
    );
    const opt = tf.train.adam(1e-2);
    const step = () => {
      const td = new TensorDict({ observation: obs }, [16]);
      const loss = opt.minimize(() => {
        qnet.forward(td);
        return tf.losses.meanSquaredError(target, td.getTensor("action_value")) as tf.Scalar;
      }, true);
      const v = loss!.dataSync()[0]!;
      loss!.dispose();
      td.dispose();
      return v;
    };
    const first = step();
    const before = tf.memory().numTensors;
    let last = first;
    for (let i = 0; i < 200; i++) last = step();
    expect(tf.memory().numTensors).toBe(before);
    expect(last).toBeLessThan(first / 2);
    opt.dispose();
    target.dispose();
    mlp.dispose();
  });
});
