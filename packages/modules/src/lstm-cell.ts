import * as tf from "@tensorflow/tfjs-core";
import { hostMatMul, sigmoid } from "./host-math";
import { lstmRecurrenceFused, useLstmSequenceKernel, type LstmRecurrence } from "./lstm-sequence-kernel";
import { matMulWT } from "./mat-mul-wt";

/** One LSTM layer's parameters in PyTorch's layout: gates stacked (i, f, g, o) along the first dim. */
export interface LstmLayerWeights {
  weightIh: tf.Tensor2D; // [4H, I]
  weightHh: tf.Tensor2D; // [4H, H]
  biasIh: tf.Tensor1D; // [4H]
  biasHh: tf.Tensor1D; // [4H]
}

export interface LstmUnrollResult {
  /** Last layer's hidden state at every step: [N, T, H]. */
  output: tf.Tensor3D;
  /** Every layer's state after every step: [N, T, L, H]. */
  h: tf.Tensor4D;
  c: tf.Tensor4D;
}

/**
 * Runs a stacked LSTM over `x` [N, T, I] from states `h0`, `c0` [N, L, H]. `isInit` ([N, T] row-major,
 * host values) zeroes every layer's state before the steps where an episode starts. Each layer projects its whole input sequence in one
 * matMul over [N * T, I]; only the recurrence runs per step (`lstmRecurrenceFused` on wasm, else
 * `lstmRecurrence`; `recurrence: "per-step"` forces the latter). Call inside `tf.tidy`.
 */
export function lstmUnroll(
  x: tf.Tensor3D,
  h0: tf.Tensor3D,
  c0: tf.Tensor3D,
  layers: readonly LstmLayerWeights[],
  isInit: ArrayLike<number> | null,
  recurrence: LstmRecurrence = "auto",
): LstmUnrollResult {
  const [n, t] = x.shape;
  const numLayers = layers.length;
  const h0s = numLayers === 1 ? [tf.reshape(h0, [n, -1]) as tf.Tensor2D] : (tf.unstack(h0, 1) as tf.Tensor2D[]);
  const c0s = numLayers === 1 ? [tf.reshape(c0, [n, -1]) as tf.Tensor2D] : (tf.unstack(c0, 1) as tf.Tensor2D[]);
  let input: tf.Tensor3D = x;
  const hLayers: tf.Tensor3D[] = [];
  const cLayers: tf.Tensor3D[] = [];
  layers.forEach((w, k) => {
    const hidden = w.weightHh.shape[1];
    const inFeatures = input.shape[2];
    const bias = tf.add(w.biasIh, w.biasHh);
    const proj2d = tf.add(matMulWT(tf.reshape(input, [n * t, inFeatures]) as tf.Tensor2D, w.weightIh), bias);
    // On wasm the fused kernel runs all steps in one call each way; elsewhere the per-step path.
    const recur = useLstmSequenceKernel(recurrence) ? lstmRecurrenceFused : lstmRecurrence;
    const hc = recur(tf.reshape(proj2d, [n, t, 4 * hidden]) as tf.Tensor3D, h0s[k]!, c0s[k]!, w.weightHh, isInit);
    const [hSeq, cSeq] = tf.split(hc, 2, 2) as [tf.Tensor3D, tf.Tensor3D];
    hLayers.push(hSeq);
    cLayers.push(cSeq);
    input = hSeq;
  });
  const stackLayers = (seqs: tf.Tensor3D[]): tf.Tensor4D =>
    (seqs.length === 1 ? tf.expandDims(seqs[0]!, 2) : tf.stack(seqs, 2)) as tf.Tensor4D;
  return { output: input, h: stackLayers(hLayers), c: stackLayers(cLayers) };
}

/**
 * The recurrent part of one LSTM layer as a single differentiable op: from the input projections `proj`
 * [N, T, 4H] (bias included), `h0`, `c0` [N, H] and `weightHh` [4H, H], returns `[h | c]` after every
 * step, [N, T, 2H]; the state is zeroed before step t of sample n where `isInit[n * T + t]` is set.
 *
 * Why it is written this way: at RL sizes (a few sequences, H ~ 128) the cost is per-op dispatch, not
 * arithmetic. On wasm a slice, split or unstack of a small tensor costs 10-50x an elementwise op, and
 * tfjs's tape adds a [4H, H] weight gradient plus an accumulation at every step. So each step runs one
 * backend matMul (h @ W_hh^T forward, dgates @ W_hh backward) and does the gate arithmetic on host
 * Float32Arrays (a few thousand values), and the backward pass is hand-written backpropagation through
 * time that computes dW_hh for the whole sequence in ONE matMul over [N * T, 4H]. Gate order and math
 * are PyTorch's; the golden tests check outputs and every gradient against PyTorch.
 */
export function lstmRecurrence(
  proj: tf.Tensor3D,
  h0: tf.Tensor2D,
  c0: tf.Tensor2D,
  weightHh: tf.Tensor2D,
  isInit: ArrayLike<number> | null,
): tf.Tensor3D {
  const [N, T, G] = proj.shape;
  const H = G / 4;
  const NH = N * H;
  const resetAt = (n: number, s: number) => isInit !== null && isInit[n * T + s] !== 0;
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [p, hInit, cInit, w] = args as tf.Tensor[];
    const P = p!.dataSync() as Float32Array;
    const h = Float32Array.from(hInit!.dataSync() as Float32Array);
    const c = Float32Array.from(cInit!.dataSync() as Float32Array);
    // Saved per step, layout [s][n][j]: the (masked) previous state and the gate activations.
    const HP = new Float32Array(T * NH);
    const CP = new Float32Array(T * NH);
    const AI = new Float32Array(T * NH);
    const AF = new Float32Array(T * NH);
    const AG = new Float32Array(T * NH);
    const AO = new Float32Array(T * NH);
    const TC = new Float32Array(T * NH);
    const out = new Float32Array(N * T * 2 * H);
    const wT = tf.transpose(w!) as tf.Tensor2D;
    for (let s = 0; s < T; s++) {
      for (let n = 0; n < N; n++) {
        if (resetAt(n, s)) {
          h.fill(0, n * H, (n + 1) * H);
          c.fill(0, n * H, (n + 1) * H);
        }
      }
      HP.set(h, s * NH);
      CP.set(c, s * NH);
      const rec = hostMatMul(h, [N, H], wT);
      for (let n = 0; n < N; n++) {
        const pb = (n * T + s) * G;
        const rb = n * G;
        const ob = (n * T + s) * 2 * H;
        for (let j = 0; j < H; j++) {
          const i = sigmoid(P[pb + j]! + rec[rb + j]!);
          const fg = sigmoid(P[pb + H + j]! + rec[rb + H + j]!);
          const g = Math.tanh(P[pb + 2 * H + j]! + rec[rb + 2 * H + j]!);
          const o = sigmoid(P[pb + 3 * H + j]! + rec[rb + 3 * H + j]!);
          const k = n * H + j;
          const cn = fg * c[k]! + i * g;
          const tc = Math.tanh(cn);
          const hn = o * tc;
          const sk = s * NH + k;
          AI[sk] = i;
          AF[sk] = fg;
          AG[sk] = g;
          AO[sk] = o;
          TC[sk] = tc;
          c[k] = cn;
          h[k] = hn;
          out[ob + j] = hn;
          out[ob + H + j] = cn;
        }
      }
    }
    wT.dispose();
    return {
      value: tf.tensor3d(out, [N, T, 2 * H]),
      gradFunc: (dy: tf.Tensor) => {
        const D = dy.dataSync() as Float32Array;
        const dh = new Float32Array(NH);
        const dc = new Float32Array(NH);
        const dGall = new Float32Array(N * T * G); // rows (n, s), as proj
        const hPrevAll = new Float32Array(N * T * H); // rows (n, s)
        const dGstep = new Float32Array(N * G);
        for (let s = T - 1; s >= 0; s--) {
          for (let n = 0; n < N; n++) {
            const db = (n * T + s) * 2 * H;
            const gb = (n * T + s) * G;
            for (let j = 0; j < H; j++) {
              const k = n * H + j;
              const sk = s * NH + k;
              const i = AI[sk]!;
              const fg = AF[sk]!;
              const g = AG[sk]!;
              const o = AO[sk]!;
              const tc = TC[sk]!;
              const dhv = D[db + j]! + dh[k]!;
              const dcv = D[db + H + j]! + dc[k]! + dhv * o * (1 - tc * tc);
              const di = dcv * g * i * (1 - i);
              const df = dcv * CP[sk]! * fg * (1 - fg);
              const dg = dcv * i * (1 - g * g);
              const dO = dhv * tc * o * (1 - o);
              const rb = n * G;
              dGstep[rb + j] = di;
              dGstep[rb + H + j] = df;
              dGstep[rb + 2 * H + j] = dg;
              dGstep[rb + 3 * H + j] = dO;
              dGall[gb + j] = di;
              dGall[gb + H + j] = df;
              dGall[gb + 2 * H + j] = dg;
              dGall[gb + 3 * H + j] = dO;
              hPrevAll[(n * T + s) * H + j] = HP[sk]!;
              dc[k] = dcv * fg;
            }
          }
          dh.set(hostMatMul(dGstep, [N, G], weightHh));
          for (let n = 0; n < N; n++) {
            if (resetAt(n, s)) {
              dh.fill(0, n * H, (n + 1) * H);
              dc.fill(0, n * H, (n + 1) * H);
            }
          }
        }
        const dW = tf.tidy(() =>
          tf.matMul(tf.tensor2d(dGall, [N * T, G]), tf.tensor2d(hPrevAll, [N * T, H]), true, false),
        );
        return [tf.tensor3d(dGall, [N, T, G]), tf.tensor2d(dh, [N, H]), tf.tensor2d(dc, [N, H]), dW];
      },
    };
  });
  return f(proj, h0, c0, weightHh) as tf.Tensor3D;
}
