import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { Rng } from "@tdrl/tensordict";
import { initBackend } from "@tdrl/backend";
import { biasAdd } from "./bias-add";
import { convBiasRelu } from "./conv-bias-relu";

function relError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    m = Math.max(m, Math.abs(a[i]! - b[i]!));
    s = Math.max(s, Math.abs(b[i]!));
  }
  return m / s;
}

describe("convBiasRelu and biasAdd", () => {
  beforeAll(async () => {
    await initBackend({ prefer: "wasm" });
  });

  // [x shape, filter shape, stride, pad]: the Nature CNN's 2nd and 3rd layers (small batch), and padding.
  for (const [xs, fs, stride, pad] of [
    [[3, 20, 20, 32], [4, 4, 32, 64], 2, "valid"],
    [[3, 9, 9, 64], [3, 3, 64, 64], 1, "valid"],
    [[2, 7, 6, 3], [3, 3, 3, 5], 2, 1],
  ] as const) {
    it(`equals relu(conv2d + bias) and its gradients for x [${xs.join(", ")}], filter [${fs.join(", ")}], stride ${stride}, pad ${pad}`, () => {
      const rng = new Rng(fs[0] + xs[1]);
      const make = (shape: readonly number[]) =>
        tf.tensor(rng.fillNormal(new Float32Array(shape.reduce((p, d) => p * d, 1))), [...shape]);
      const x = make(xs) as tf.Tensor4D;
      const f = make(fs) as tf.Tensor4D;
      const b = make([fs[3]]) as tf.Tensor1D;
      const before = tf.memory().numTensors;
      const plain = (a: tf.Tensor, w: tf.Tensor, c: tf.Tensor) =>
        tf.relu(tf.add(tf.conv2d(a as tf.Tensor4D, w as tf.Tensor4D, stride, pad), c));
      const fused = (a: tf.Tensor, w: tf.Tensor, c: tf.Tensor) =>
        convBiasRelu(a as tf.Tensor4D, w as tf.Tensor4D, c as tf.Tensor1D, stride, pad);
      const viaBiasAdd = (a: tf.Tensor, w: tf.Tensor, c: tf.Tensor) =>
        tf.relu(biasAdd(tf.conv2d(a as tf.Tensor4D, w as tf.Tensor4D, stride, pad), c as tf.Tensor1D));
      const yRef = tf.tidy(() => plain(x, f, b));
      const dy = make(yRef.shape);
      const gradsOf = (fn: typeof plain) =>
        tf.grads((a: tf.Tensor, w: tf.Tensor, c: tf.Tensor) => tf.sum(tf.mul(fn(a, w, c), dy)))([x, f, b]);
      const ref = gradsOf(plain);
      for (const fn of [fused, viaBiasAdd]) {
        const y = tf.tidy(() => fn(x, f, b));
        expect(y.shape).toEqual(yRef.shape);
        expect(relError(y.dataSync(), yRef.dataSync())).toBeLessThan(1e-5);
        const got = gradsOf(fn);
        got.forEach((g, i) => expect(relError(g.dataSync(), ref[i]!.dataSync()), `gradient ${i}`).toBeLessThan(1e-5));
        tf.dispose([y, got]);
      }
      tf.dispose([yRef, dy, ref]);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([x, f, b]);
    });
  }
});
