import * as tf from "@tensorflow/tfjs-core";
import { Rng } from "@tdrl/tensordict";
import { initBackend } from "@tdrl/backend";
import { beforeAll, describe, expect, it } from "vitest";
import { maxAbsDiff } from "../test/golden";
import { ConvNet, natureCnn } from "./conv-net";

beforeAll(async () => {
  await initBackend({ prefer: "wasm" });
});

describe("ConvNet", () => {
  it("handles leading batch dims, padding, strides and both aggregators", () => {
    const net = new ConvNet({
      inChannels: 2,
      numCells: [3, 5],
      kernelSizes: [3, 2],
      strides: [2, 1],
      paddings: [1, 0],
      rng: new Rng(0),
    });
    expect(net.outFeatures(9, 7)).toBe(4 * 3 * 5); // 9x7 -> (pad 1, k3, s2) 5x4 -> (k2) 4x3
    const x = tf.randomUniform([2, 3, 9, 7, 2], -1, 1, "float32", 1);
    const y = net.apply(x);
    expect(y.shape).toEqual([2, 3, 60]);
    // Leading dims are folded into the conv batch: the same result as one sample at a time.
    const one = net.apply(tf.slice(x, [1, 2, 0, 0, 0], [1, 1, 9, 7, 2]));
    const fromBatch = tf.slice(y, [1, 2, 0], [1, 1, 60]);
    expect(maxAbsDiff(one.dataSync(), fromBatch.dataSync())).toBeLessThan(1e-6);
    const pooled = new ConvNet({ inChannels: 2, numCells: [4], aggregator: "globalAvgPool" });
    expect(pooled.apply(x).shape).toEqual([2, 3, 4]);
    expect([...net.parameters()].map(([n, v]) => [n, v.shape])).toEqual([
      ["0.weight", [3, 3, 2, 3]],
      ["0.bias", [3]],
      ["1.weight", [2, 2, 3, 5]],
      ["1.bias", [5]],
    ]);
    tf.dispose([x, y, one, fromBatch]);
    net.dispose();
    pooled.dispose();
  });

  it("matches a direct conv2d and trains without leaks (gradients through padding on wasm)", () => {
    const net = new ConvNet({
      inChannels: 1,
      numCells: [2],
      kernelSizes: 3,
      paddings: 1,
      activation: "identity",
      rng: new Rng(3),
    });
    const x = tf.randomUniform([4, 5, 5, 1], -1, 1, "float32", 2);
    const [w, b] = [...net.parameters().values()] as [tf.Variable, tf.Variable];
    const expected = tf.tidy(() =>
      tf.reshape(
        tf.add(
          tf.conv2d(
            tf.pad(x, [
              [0, 0],
              [1, 1],
              [1, 1],
              [0, 0],
            ]) as tf.Tensor4D,
            w as tf.Tensor4D,
            1,
            "valid",
          ),
          b,
        ),
        [4, -1],
      ),
    );
    const got = net.apply(x);
    expect(maxAbsDiff(got.dataSync(), expected.dataSync())).toBeLessThan(1e-5);
    tf.dispose([got, expected]);
    const opt = tf.train.adam(1e-2);
    const step = () => {
      const loss = opt.minimize(() => tf.mean(tf.square(net.apply(x))) as tf.Scalar, true)!;
      const v = loss.dataSync()[0]!;
      loss.dispose();
      return v;
    };
    const first = step();
    const before = tf.memory().numTensors;
    let last = first;
    for (let i = 0; i < 50; i++) last = step();
    expect(tf.memory().numTensors).toBe(before);
    expect(last).toBeLessThan(first);
    opt.dispose();
    x.dispose();
    net.dispose();
  });

  it("natureCnn is the DQN torso", () => {
    const torso = natureCnn({ inChannels: 4, rng: new Rng(0) });
    expect(torso.outFeatures(84, 84)).toBe(3136);
    expect([...torso.parameters().values()].map((v) => v.shape)).toEqual([
      [8, 8, 4, 32],
      [32],
      [4, 4, 32, 64],
      [64],
      [3, 3, 64, 64],
      [64],
    ]);
    const y = torso.apply(tf.zeros([2, 84, 84, 4]));
    expect(y.shape).toEqual([2, 3136]);
    y.dispose();
    expect(() => torso.apply(tf.zeros([2, 84, 84, 3]))).toThrow(
      "ConvNet: input shape [2, 84, 84, 3] must be [..., H, W, 4]",
    );
    expect(() => torso.outFeatures(20, 20)).toThrow("ConvNet: an input of 20x20 is too small");
    torso.dispose();
  });
});
