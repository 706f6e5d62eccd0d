import * as tf from "@tensorflow/tfjs-core";
import { hostMatMul, sigmoid } from "./host-math";
import { matMulWT } from "./mat-mul-wt";

/** One GRU layer's parameters in PyTorch's layout: gates stacked (r, z, n) along the first dim. */
export interface GruLayerWeights {
  weightIh: tf.Tensor2D; // [3H, I]
  weightHh: tf.Tensor2D; // [3H, H]
  biasIh: tf.Tensor1D; // [3H]
  biasHh: tf.Tensor1D; // [3H]
}

/**
 * Runs a stacked GRU over `x` [N, T, I] from `h0` [N, L, H], zeroing every layer's state before the steps
 * where `isInit` ([N, T], host values) is set. Returns the last layer's output [N, T, H] and every layer's
 * state after every step [N, T, L, H]. Call inside `tf.tidy`.
 */
export function gruUnroll(
  x: tf.Tensor3D,
  h0: tf.Tensor3D,
  layers: readonly GruLayerWeights[],
  isInit: ArrayLike<number> | null,
): { output: tf.Tensor3D; h: tf.Tensor4D } {
  const [n, t] = x.shape;
  const h0s = layers.length === 1 ? [tf.reshape(h0, [n, -1]) as tf.Tensor2D] : (tf.unstack(h0, 1) as tf.Tensor2D[]);
  let input: tf.Tensor3D = x;
  const hLayers: tf.Tensor3D[] = [];
  layers.forEach((w, k) => {
    const hidden = w.weightHh.shape[1];
    const inFeatures = input.shape[2];
    const proj = tf.add(matMulWT(tf.reshape(input, [n * t, inFeatures]) as tf.Tensor2D, w.weightIh), w.biasIh);
    input = gruRecurrence(tf.reshape(proj, [n, t, 3 * hidden]) as tf.Tensor3D, h0s[k]!, w.weightHh, w.biasHh, isInit);
    hLayers.push(input);
  });
  const h = (hLayers.length === 1 ? tf.expandDims(hLayers[0]!, 2) : tf.stack(hLayers, 2)) as tf.Tensor4D;
  return { output: input, h };
}

/**
 * The recurrent part of one GRU layer (PyTorch's equations: n = tanh(x W_in^T + b_in + r * (h W_hn^T +
 * b_hn)), h' = (1 - z) * n + z * h) as one differentiable op, built like `lstmRecurrence`: one backend
 * matMul per step, gate arithmetic on the host, hand-written backpropagation through time with dW_hh
 * for the whole sequence in one matMul. `proj` [N, T, 3H] holds x W_ih^T + b_ih; returns h [N, T, H].
 */
export function gruRecurrence(
  proj: tf.Tensor3D,
  h0: tf.Tensor2D,
  weightHh: tf.Tensor2D,
  biasHh: tf.Tensor1D,
  isInit: ArrayLike<number> | null,
): tf.Tensor3D {
  const [N, T, G] = proj.shape;
  const H = G / 3;
  const NH = N * H;
  const resetAt = (n: number, s: number) => isInit !== null && isInit[n * T + s] !== 0;
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [p, hInit, w, b] = args as tf.Tensor[];
    const P = p!.dataSync() as Float32Array;
    const bh = b!.dataSync() as Float32Array;
    const h = Float32Array.from(hInit!.dataSync() as Float32Array);
    const HP = new Float32Array(T * NH);
    const AR = new Float32Array(T * NH);
    const AZ = new Float32Array(T * NH);
    const AN = new Float32Array(T * NH);
    const RN = new Float32Array(T * NH);
    const out = new Float32Array(N * T * H);
    const wT = tf.transpose(w!) as tf.Tensor2D;
    for (let s = 0; s < T; s++) {
      for (let n = 0; n < N; n++) if (resetAt(n, s)) h.fill(0, n * H, (n + 1) * H);
      HP.set(h, s * NH);
      const rec = hostMatMul(h, [N, H], wT);
      for (let n = 0; n < N; n++) {
        const pb = (n * T + s) * G;
        const rb = n * G;
        for (let j = 0; j < H; j++) {
          const r = sigmoid(P[pb + j]! + rec[rb + j]! + bh[j]!);
          const z = sigmoid(P[pb + H + j]! + rec[rb + H + j]! + bh[H + j]!);
          const rn = rec[rb + 2 * H + j]! + bh[2 * H + j]!;
          const nn = Math.tanh(P[pb + 2 * H + j]! + r * rn);
          const k = n * H + j;
          const sk = s * NH + k;
          const hn = (1 - z) * nn + z * h[k]!;
          AR[sk] = r;
          AZ[sk] = z;
          AN[sk] = nn;
          RN[sk] = rn;
          h[k] = hn;
          out[(n * T + s) * H + j] = hn;
        }
      }
    }
    wT.dispose();
    return {
      value: tf.tensor3d(out, [N, T, H]),
      gradFunc: (dy: tf.Tensor) => {
        const D = dy.dataSync() as Float32Array;
        const dh = new Float32Array(NH);
        const dPall = new Float32Array(N * T * G);
        const dRall = new Float32Array(N * T * G);
        const hPrevAll = new Float32Array(N * T * H);
        const dRstep = new Float32Array(N * G);
        const dbh = new Float64Array(G);
        for (let s = T - 1; s >= 0; s--) {
          for (let n = 0; n < N; n++) {
            const row = n * T + s;
            for (let j = 0; j < H; j++) {
              const k = n * H + j;
              const sk = s * NH + k;
              const r = AR[sk]!;
              const z = AZ[sk]!;
              const nn = AN[sk]!;
              const hp = HP[sk]!;
              const dhv = D[row * H + j]! + dh[k]!;
              const dan = dhv * (1 - z) * (1 - nn * nn);
              const daz = dhv * (hp - nn) * z * (1 - z);
              const dar = dan * RN[sk]! * r * (1 - r);
              const dRn = dan * r;
              dPall[row * G + j] = dar;
              dPall[row * G + H + j] = daz;
              dPall[row * G + 2 * H + j] = dan;
              dRall[row * G + j] = dar;
              dRall[row * G + H + j] = daz;
              dRall[row * G + 2 * H + j] = dRn;
              dRstep[n * G + j] = dar;
              dRstep[n * G + H + j] = daz;
              dRstep[n * G + 2 * H + j] = dRn;
              dbh[j] = dbh[j]! + dar;
              dbh[H + j] = dbh[H + j]! + daz;
              dbh[2 * H + j] = dbh[2 * H + j]! + dRn;
              hPrevAll[row * H + j] = hp;
              dh[k] = dhv * z; // the direct path h -> h'
            }
          }
          const viaGates = hostMatMul(dRstep, [N, G], weightHh);
          for (let k = 0; k < NH; k++) dh[k] = dh[k]! + viaGates[k]!;
          for (let n = 0; n < N; n++) if (resetAt(n, s)) dh.fill(0, n * H, (n + 1) * H);
        }
        const dW = tf.tidy(() =>
          tf.matMul(tf.tensor2d(dRall, [N * T, G]), tf.tensor2d(hPrevAll, [N * T, H]), true, false),
        );
        return [tf.tensor3d(dPall, [N, T, G]), tf.tensor2d(dh, [N, H]), dW, tf.tensor1d(Float32Array.from(dbh))];
      },
    };
  });
  return f(proj, h0, weightHh, biasHh) as tf.Tensor3D;
}
