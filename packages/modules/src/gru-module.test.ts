import * as tf from "@tensorflow/tfjs-core";
import { HostArray, Rng, TensorDict } from "@tdrl/tensordict";
import { initBackend } from "@tdrl/backend";
import { beforeAll, describe, expect, it } from "vitest";
import { maxAbsDiff } from "../test/golden";
import { GRUModule } from "./gru-module";

beforeAll(async () => {
  await initBackend({ prefer: "wasm" });
});

/** PyTorch's GRU equations on the tape, with state resets: the reference for the hand-written backward pass. */
function referenceGru(m: GRUModule, x: tf.Tensor3D, isInit: number[]): tf.Tensor {
  const [n, t] = x.shape;
  const H = m.hiddenSize;
  const p = m.parameters();
  let input: tf.Tensor = x;
  for (let k = 0; k < m.numLayers; k++) {
    const [wi, wh, bi, bh] = ["weight_ih", "weight_hh", "bias_ih", "bias_hh"].map(
      (name) => p.get(`${name}_l${k}`)!,
    ) as tf.Tensor2D[];
    let h: tf.Tensor = tf.zeros([n, H]);
    const hs: tf.Tensor[] = [];
    for (let s = 0; s < t; s++) {
      h = tf.mul(
        h,
        tf.tensor2d(
          Array.from({ length: n }, (_, b) => (isInit[b * t + s] ? 0 : 1)),
          [n, 1],
        ),
      );
      const xs = tf.reshape(tf.slice(input, [0, s, 0], [n, 1, input.shape[2]!]), [n, input.shape[2]!]);
      const [xr, xz, xn] = tf.split(tf.add(tf.matMul(xs, wi!, false, true), bi!), 3, 1);
      const [hr, hz, hn] = tf.split(tf.add(tf.matMul(h, wh!, false, true), bh!), 3, 1);
      const r = tf.sigmoid(tf.add(xr!, hr!));
      const z = tf.sigmoid(tf.add(xz!, hz!));
      const nn = tf.tanh(tf.add(xn!, tf.mul(r, hn!)));
      h = tf.add(tf.mul(tf.sub(1, z), nn), tf.mul(z, h));
      hs.push(h);
    }
    input = tf.stack(hs, 1);
  }
  return input;
}

describe("GRUModule", () => {
  it("matches PyTorch's GRU equations, values and every gradient, through resets and stacked layers", () => {
    const m = new GRUModule({
      inputSize: 3,
      hiddenSize: 5,
      numLayers: 2,
      inKey: "x",
      outKey: "y",
      mode: "sequence",
      rng: new Rng(4),
    });
    expect([...m.parameters()].map(([k, v]) => [k, v.shape]).slice(0, 4)).toEqual([
      ["weight_ih_l0", [15, 3]],
      ["weight_hh_l0", [15, 5]],
      ["bias_ih_l0", [15]],
      ["bias_hh_l0", [15]],
    ]);
    const n = 3;
    const t = 7;
    const x = tf.randomNormal([n, t, 3], 0, 1, "float32", 3) as tf.Tensor3D;
    const wOut = tf.randomNormal([n, t, 5], 0, 1, "float32", 4);
    const isInit = Array.from({ length: n * t }, (_, i) => (i % t === 0 || i === 10 || i === 17 || i === 18 ? 1 : 0));
    const vars = [...m.parameters().values()];
    const ours = tf.variableGrads(() => {
      const td = new TensorDict({ x, is_init: HostArray.from("bool", [n, t, 1], isInit) }, [n, t]);
      m.forward(td);
      return tf.sum(tf.mul(td.getTensor("y"), wOut)) as tf.Scalar;
    }, vars);
    const ref = tf.variableGrads(() => tf.sum(tf.mul(referenceGru(m, x, isInit), wOut)) as tf.Scalar, vars);
    expect(Math.abs(ours.value.dataSync()[0]! - ref.value.dataSync()[0]!)).toBeLessThan(1e-5);
    for (const v of vars)
      expect(maxAbsDiff(ours.grads[v.name]!.dataSync(), ref.grads[v.name]!.dataSync()), v.name).toBeLessThan(1e-5);
    tf.dispose([x, wOut, ours.value, ref.value, ...Object.values(ours.grads), ...Object.values(ref.grads)]);
    m.dispose();
  });

  it("gives the same outputs step by step as over the sequence, and leaks nothing while training", () => {
    const seq = new GRUModule({
      inputSize: 2,
      hiddenSize: 4,
      inKey: "x",
      outKey: "y",
      mode: "sequence",
      rng: new Rng(1),
    });
    const step = seq.withMode("step");
    const n = 2;
    const t = 5;
    const xs = HostArray.zeros("float32", [n, t, 2]);
    new Rng(3).fillNormal(xs.data);
    const isInit = HostArray.from("bool", [n, t, 1], [1, 0, 0, 1, 0, 1, 0, 0, 0, 0]);
    const td = new TensorDict({ x: xs, is_init: isInit }, [n, t]);
    seq.forward(td);
    const expected = td.getTensor("y").dataSync();
    let state = HostArray.zeros("float32", [n, 1, 4]) as HostArray<"float32">;
    for (let s = 0; s < t; s++) {
      const x = HostArray.zeros("float32", [n, 2]);
      const init = HostArray.zeros("bool", [n, 1]);
      for (let b = 0; b < n; b++) {
        x.data.set(xs.data.subarray((b * t + s) * 2, (b * t + s + 1) * 2), b * 2);
        init.data[b] = isInit.data[b * t + s]!;
      }
      const one = new TensorDict({ x, recurrent_state: state, is_init: init }, [n]);
      step.forward(one);
      const host = one.toHost();
      one.dispose();
      for (let b = 0; b < n; b++)
        for (let j = 0; j < 4; j++)
          expect(host.getHost("y").data[b * 4 + j]).toBeCloseTo(expected[(b * t + s) * 4 + j]!, 6);
      state = host.getHost(["next", "recurrent_state"]) as HostArray<"float32">;
    }
    td.dispose();
    const opt = tf.train.adam(1e-2);
    const train = () => {
      const batch = new TensorDict({ x: xs, is_init: isInit }, [n, t]);
      const loss = opt.minimize(
        () => {
          seq.forward(batch);
          return tf.mean(tf.square(tf.sub(batch.getTensor("y"), 0.5))) as tf.Scalar;
        },
        true,
        [...seq.parameters().values()],
      )!;
      const v = loss.dataSync()[0]!;
      loss.dispose();
      batch.dispose();
      return v;
    };
    const first = train();
    const before = tf.memory().numTensors;
    let last = first;
    for (let i = 0; i < 200; i++) last = train();
    expect(tf.memory().numTensors).toBe(before);
    expect(last).toBeLessThan(first);
    expect(seq.recurrentStateSpecs().keys()).toEqual(["recurrent_state"]);
    opt.dispose();
    seq.dispose();
  });
});
