import * as tf from "@tensorflow/tfjs-core";
import { LSTM_SEQUENCE_WASM_BASE64 } from "./lstm-sequence-wasm";

/** The part of the WebAssembly JS API used here (the package compiles without the DOM lib). */
interface WebAssemblyApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}

/** What assembly/lstm-sequence.ts exports (pointers are byte offsets into `memory`). */
interface LstmKernelExports {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  heapBase(): number;
  transpose(src: number, dst: number, rows: number, cols: number): void;
  lstmForward(
    N: number,
    T: number,
    H: number,
    proj: number,
    h: number,
    c: number,
    wt: number,
    reset: number,
    out: number,
    save: number,
    pre: number,
  ): void;
  lstmBackward(
    N: number,
    T: number,
    H: number,
    dy: number,
    w: number,
    reset: number,
    save: number,
    dproj: number,
    hprev: number,
    dh: number,
    dc: number,
  ): void;
}

let instance: LstmKernelExports | null | undefined;

/** The kernel's instance, made on first use; null where WebAssembly SIMD is missing or compiling is refused. */
function lstmKernel(): LstmKernelExports | null {
  if (instance !== undefined) return instance;
  instance = null;
  try {
    const wasm = (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly;
    if (wasm !== undefined && typeof atob === "function") {
      const bytes = Uint8Array.from(atob(LSTM_SEQUENCE_WASM_BASE64), (ch) => ch.charCodeAt(0));
      // validate() is false without SIMD (older browsers): the per-step path serves them.
      if (wasm.validate(bytes)) instance = new wasm.Instance(new wasm.Module(bytes), {}).exports as LstmKernelExports;
    }
  } catch {
    instance = null; // e.g. a page's CSP without 'wasm-unsafe-eval'
  }
  return instance;
}

/**
 * Which path runs an LSTM's recurrence: `"auto"` is the fused kernel where it pays (the wasm backend, where
 * the per-step alternative is dispatch-bound, with WebAssembly SIMD) and the per-step path elsewhere (cpu,
 * webgl, tfjs-node); `"per-step"` is always the per-step path (`lstmRecurrence`), for before/after
 * measurements or to repeat arithmetic of before the kernel.
 */
export type LstmRecurrence = "auto" | "per-step";

/** Whether `lstmUnroll` runs its recurrence in the fused kernel, for the choice `recurrence`. */
export function useLstmSequenceKernel(recurrence: LstmRecurrence = "auto"): boolean {
  if (recurrence === "per-step" || tf.getBackend() !== "wasm") return false;
  return lstmKernel() !== null;
}

/** Lays out `sizes` (bytes) one after another from the heap base, 16-byte aligned; grows memory to fit. */
function layout(k: LstmKernelExports, sizes: number[]): number[] {
  let at = (k.heapBase() + 15) & ~15;
  const offsets = sizes.map((size) => {
    const o = at;
    at += (size + 15) & ~15;
    return o;
  });
  const missing = at - k.memory.buffer.byteLength;
  if (missing > 0) k.memory.grow(Math.ceil(missing / 65536));
  return offsets;
}

/**
 * Writes `src`, `rows` rows of `blocks` blocks of `h` values, at byte offset `at` with every block padded
 * to `hp` values by zeros (the kernel's SIMD lanes want a hidden size that is a multiple of 4).
 */
function writePadded(
  mem: Float32Array,
  at: number,
  src: Float32Array,
  rows: number,
  blocks: number,
  h: number,
  hp: number,
) {
  const o = at / 4;
  if (h === hp) {
    mem.set(src, o);
    return;
  }
  mem.fill(0, o, o + rows * blocks * hp);
  for (let r = 0; r < rows * blocks; r++) mem.set(src.subarray(r * h, (r + 1) * h), o + r * hp);
}

/** The inverse of `writePadded`: reads `rows` x `blocks` blocks of `hp` values, keeping the first `h` of each. */
function readPadded(mem: Float32Array, at: number, rows: number, blocks: number, h: number, hp: number): Float32Array {
  const o = at / 4;
  if (h === hp) return mem.slice(o, o + rows * blocks * h);
  const out = new Float32Array(rows * blocks * h);
  for (let r = 0; r < rows * blocks; r++) out.set(mem.subarray(o + r * hp, o + r * hp + h), r * h);
  return out;
}

/** W_hh [4H, H] padded to [4Hp, Hp]: the padded units get zero weights in and out. */
function writeWeightPadded(mem: Float32Array, at: number, w: Float32Array, h: number, hp: number) {
  if (h === hp) {
    mem.set(w, at / 4);
    return;
  }
  const o = at / 4;
  mem.fill(0, o, o + 4 * hp * hp);
  for (let q = 0; q < 4; q++)
    for (let j = 0; j < h; j++) mem.set(w.subarray((q * h + j) * h, (q * h + j + 1) * h), o + (q * hp + j) * hp);
}

/**
 * W_hh padded to [4Hp, Hp] (what the backward pass reads) and transposed to [Hp, 4Hp] (the forward's), per
 * weight buffer: a tensor's values never change under one dataId (an optimizer's assign gives the variable
 * a new one), so acting steps and the passes between two updates skip the download and the transpose.
 */
const weightCache = new WeakMap<object, { w: Float32Array; wt: Float32Array }>();

function paddedWeights(k: LstmKernelExports, weight: tf.Tensor, h: number, hp: number) {
  const { dataId } = weight as unknown as { dataId: object };
  const hit = weightCache.get(dataId);
  if (hit !== undefined) return hit;
  const n = 4 * hp * hp;
  const [pW, pWT] = layout(k, [n * 4, n * 4]);
  const mem = new Float32Array(k.memory.buffer);
  writeWeightPadded(mem, pW!, weight.dataSync() as Float32Array, h, hp);
  k.transpose(pW!, pWT!, 4 * hp, hp);
  const entry = { w: mem.slice(pW! / 4, pW! / 4 + n), wt: mem.slice(pWT! / 4, pWT! / 4 + n) };
  weightCache.set(dataId, entry);
  return entry;
}

/**
 * The recurrence of one LSTM layer in the fused WebAssembly kernel: the same op, arguments and result as
 * `lstmRecurrence` (proj [N, T, 4H] with the biases in, h0 and c0 [N, H], weightHh [4H, H]; returns h | c
 * after every step, [N, T, 2H]; the state is zeroed before step t of sample n where `isInit[n * T + t]` is
 * set), differentiable in all four inputs through `tf.customGrad`.
 *
 * Why: `lstmRecurrence` dispatches a backend matMul per step and direction and does the gates in JS; here
 * all T steps run in one call each way (the h W_hh^T products, gates and state updates in SIMD), and the
 * backward pass walks the steps in reverse from activations the forward saved. dW_hh, one product over
 * all N * T steps, stays a backend matMul. A hidden size that is not a multiple of 4 is padded with units
 * whose weights are zero (they stay at h = c = 0 and receive no gradient).
 */
export function lstmRecurrenceFused(
  proj: tf.Tensor3D,
  h0: tf.Tensor2D,
  c0: tf.Tensor2D,
  weightHh: tf.Tensor2D,
  isInit: ArrayLike<number> | null,
): tf.Tensor3D {
  const k = lstmKernel();
  if (k === null) throw new Error("lstmRecurrenceFused: WebAssembly SIMD is not available here");
  const [N, T, G] = proj.shape;
  const H = G / 4;
  const Hp = (H + 3) & ~3;
  const Gp = 4 * Hp;
  const NT = N * T;
  const reset = new Uint8Array(NT);
  if (isInit !== null) for (let i = 0; i < NT; i++) reset[i] = isInit[i] !== 0 ? 1 : 0;
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [p, hInit, cInit, w] = args as tf.Tensor[];
    const weights = paddedWeights(k, w!, H, Hp);
    const [pP, pH, pC, pWT, pOut, pSave, pPre, pReset] = layout(k, [
      NT * Gp * 4,
      N * Hp * 4,
      N * Hp * 4,
      Gp * Hp * 4,
      NT * 2 * Hp * 4,
      NT * 7 * Hp * 4,
      N * Gp * 4,
      NT,
    ]);
    const mem = new Float32Array(k.memory.buffer);
    writePadded(mem, pP!, p!.dataSync() as Float32Array, NT, 4, H, Hp);
    writePadded(mem, pH!, hInit!.dataSync() as Float32Array, N, 1, H, Hp);
    writePadded(mem, pC!, cInit!.dataSync() as Float32Array, N, 1, H, Hp);
    mem.set(weights.wt, pWT! / 4);
    new Uint8Array(k.memory.buffer).set(reset, pReset);
    k.lstmForward(N, T, Hp, pP!, pH!, pC!, pWT!, pReset!, pOut!, pSave!, pPre!);
    const out = readPadded(mem, pOut!, NT, 2, H, Hp);
    // The backward pass needs these after other calls have reused the kernel's memory.
    const save = mem.slice(pSave! / 4, pSave! / 4 + NT * 7 * Hp);
    return {
      value: tf.tensor3d(out, [N, T, 2 * H]),
      gradFunc: (dy: tf.Tensor) => {
        const [bDy, bW, bSave, bDproj, bHprev, bDh, bDc, bReset] = layout(k, [
          NT * 2 * Hp * 4,
          Gp * Hp * 4,
          NT * 7 * Hp * 4,
          NT * Gp * 4,
          NT * Hp * 4,
          N * Hp * 4,
          N * Hp * 4,
          NT,
        ]);
        const m = new Float32Array(k.memory.buffer);
        writePadded(m, bDy!, dy.dataSync() as Float32Array, NT, 2, H, Hp);
        m.set(weights.w, bW! / 4);
        m.set(save, bSave! / 4);
        m.fill(0, bDh! / 4, bDh! / 4 + N * Hp);
        m.fill(0, bDc! / 4, bDc! / 4 + N * Hp);
        new Uint8Array(k.memory.buffer).set(reset, bReset);
        k.lstmBackward(N, T, Hp, bDy!, bW!, bReset!, bSave!, bDproj!, bHprev!, bDh!, bDc!);
        const dproj = readPadded(m, bDproj!, NT, 4, H, Hp);
        const hprev = readPadded(m, bHprev!, NT, 1, H, Hp);
        const dh0 = readPadded(m, bDh!, N, 1, H, Hp);
        const dc0 = readPadded(m, bDc!, N, 1, H, Hp);
        const dW = tf.tidy(() => tf.matMul(tf.tensor2d(dproj, [NT, G]), tf.tensor2d(hprev, [NT, H]), true, false));
        return [tf.tensor3d(dproj, [N, T, G]), tf.tensor2d(dh0, [N, H]), tf.tensor2d(dc0, [N, H]), dW];
      },
    };
  });
  return f(proj, h0, c0, weightHh) as tf.Tensor3D;
}
