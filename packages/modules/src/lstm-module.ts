import * as tf from "@tensorflow/tfjs-core";
import { Composite, Rng, Unbounded, type TensorDict } from "@tdrl/tensordict";
import { keyName, readTensors, writeTensors, type NestedKey } from "./keys";
import { checkPositiveInt, uniformInit } from "./linear";
import { lstmUnroll, type LstmLayerWeights } from "./lstm-cell";
import { makeVariable } from "./parameters";
import { checkStateShape, readIsInit, recurrentLayout, type RecurrentMode } from "./recurrent-io";
import type { TensorDictModuleBase } from "./tensordict-module";

export interface LSTMModuleOptions {
  inputSize: number;
  hiddenSize: number;
  /** Default 1. */
  numLayers?: number;
  /** The input features: `[...B, inputSize]` in step mode, `[...B, T, inputSize]` in sequence mode. */
  inKey: NestedKey;
  /** Where the last layer's output goes. */
  outKey: NestedKey;
  /** "step" (default): one step per call; "sequence": the last batch dim is time. */
  mode?: RecurrentMode;
  /** Default "recurrent_state_h". */
  hKey?: string;
  /** Default "recurrent_state_c". */
  cKey?: string;
  /** Default "is_init". */
  isInitKey?: NestedKey;
  /** Draws the initial weights, U(-1/sqrt(H), 1/sqrt(H)) as PyTorch. Default `new Rng(0)`. */
  rng?: Rng;
  /** Use this module's variables instead of making new ones (what `withMode` does). */
  shareParamsWith?: LSTMModule;
}

/**
 * A multi-layer LSTM on TensorDicts (TorchRL's `LSTMModule`), with its own cell: PyTorch's gate order
 * (i, f, g, o) and parameters (`weight_ih_l{k}` [4H, I], `weight_hh_l{k}` [4H, H], `bias_ih_l{k}`,
 * `bias_hh_l{k}`), so a PyTorch `nn.LSTM` state dict loads as it is.
 *
 * Keys as TorchRL: reads `[inKey, "recurrent_state_h", "recurrent_state_c", "is_init"]`, writes
 * `[outKey, ["next", "recurrent_state_h"], ["next", "recurrent_state_c"]]`; states are `[..., numLayers,
 * hiddenSize]` per sample. Missing states start at zero; a missing `is_init` means no episode starts.
 *
 * - **step mode**: one step per call on batch `[...B]`; the state is zeroed where `is_init` is set.
 * - **sequence mode**: batch `[...B, T]`; the initial state is the one at step 0, and the state is zeroed
 *   at every step where `is_init` is set, also inside a sequence. Unlike TorchRL (which pads the next
 *   states with zeros), the next states of every step are written.
 *
 * @example
 * import * as tf from "@tensorflow/tfjs-core";
 * import { HostArray, Rng, TensorDict } from "@tdrl/tensordict";
 * const lstm = new LSTMModule({ inputSize: 4, hiddenSize: 8, inKey: "embed", outKey: "features", rng: new Rng(0) });
 * const step = new TensorDict({ embed: HostArray.zeros("float32", [2, 4]), is_init: HostArray.full("bool", [2, 1], true) }, [2]);
 * lstm.forward(step).getTensor(["next", "recurrent_state_h"]).shape; // [2, 1, 8]
 * const train = lstm.withMode("sequence"); // same weights, [B, T] batches
 * step.dispose();
 */
export class LSTMModule implements TensorDictModuleBase {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly mode: RecurrentMode;
  readonly inKeys: readonly NestedKey[];
  readonly outKeys: readonly NestedKey[];
  private readonly options: LSTMModuleOptions;
  private readonly layers: { weightIh: tf.Variable; weightHh: tf.Variable; biasIh: tf.Variable; biasHh: tf.Variable }[];

  constructor(options: LSTMModuleOptions) {
    const what = "LSTMModule";
    this.options = { ...options };
    this.inputSize = checkPositiveInt(options.inputSize, "inputSize", what);
    this.hiddenSize = checkPositiveInt(options.hiddenSize, "hiddenSize", what);
    this.numLayers = checkPositiveInt(options.numLayers ?? 1, "numLayers", what);
    const mode = options.mode ?? "step";
    if (mode !== "step" && mode !== "sequence") throw new Error(`${what}: mode must be "step" or "sequence", got ${JSON.stringify(mode)}`);
    this.mode = mode;
    const h = options.hKey ?? "recurrent_state_h";
    const c = options.cKey ?? "recurrent_state_c";
    this.inKeys = Object.freeze([options.inKey, h, c, options.isInitKey ?? "is_init"]);
    this.outKeys = Object.freeze([options.outKey, ["next", h], ["next", c]]);
    const shared = options.shareParamsWith;
    if (shared !== undefined) {
      if (shared.inputSize !== this.inputSize || shared.hiddenSize !== this.hiddenSize || shared.numLayers !== this.numLayers) {
        throw new Error(
          `${what}: shareParamsWith has inputSize ${shared.inputSize}, hiddenSize ${shared.hiddenSize}, numLayers ${shared.numLayers}; ` +
            `this module has ${this.inputSize}, ${this.hiddenSize}, ${this.numLayers}`,
        );
      }
      this.layers = shared.layers;
    } else {
      const rng = options.rng ?? new Rng(0);
      const H = this.hiddenSize;
      this.layers = [];
      for (let k = 0; k < this.numLayers; k++) {
        const inF = k === 0 ? this.inputSize : H;
        this.layers.push({
          weightIh: makeVariable(uniformInit(rng, 4 * H * inF, H), [4 * H, inF]),
          weightHh: makeVariable(uniformInit(rng, 4 * H * H, H), [4 * H, H]),
          biasIh: makeVariable(uniformInit(rng, 4 * H, H), [4 * H]),
          biasHh: makeVariable(uniformInit(rng, 4 * H, H), [4 * H]),
        });
      }
    }
  }

  /** The same module in another mode, sharing the parameters (TorchRL's `set_recurrent_mode`). */
  withMode(mode: RecurrentMode): LSTMModule {
    return new LSTMModule({ ...this.options, mode, shareParamsWith: this });
  }

  parameters(): Map<string, tf.Variable> {
    const out = new Map<string, tf.Variable>();
    this.layers.forEach((l, k) => {
      out.set(`weight_ih_l${k}`, l.weightIh);
      out.set(`weight_hh_l${k}`, l.weightHh);
      out.set(`bias_ih_l${k}`, l.biasIh);
      out.set(`bias_hh_l${k}`, l.biasHh);
    });
    return out;
  }

  /**
   * The spec of the recurrent state entries an env must carry (`[numLayers, hiddenSize]` each, no batch
   * dims). A stand-in for TorchRL's `make_tensordict_primer()`, which returns a transform: tdrl's transforms
   * package does not exist yet, so this returns only the primer's spec, for a primer transform to use later.
   */
  makeTensorDictPrimer(): Composite<{ [key: string]: Unbounded<"float32"> }> {
    const shape = [this.numLayers, this.hiddenSize];
    return new Composite({ [this.inKeys[1] as string]: new Unbounded({ shape }), [this.inKeys[2] as string]: new Unbounded({ shape }) });
  }

  forward(td: TensorDict): TensorDict {
    const [inKey, hKey, cKey, isInitKey] = this.inKeys as [NestedKey, NestedKey, NestedKey, NestedKey];
    const what = `LSTMModule(${this.mode} mode)`;
    const hasH = td.has(hKey);
    if (hasH !== td.has(cKey)) {
      throw new Error(`${what}: "${keyName(hasH ? hKey : cKey)}" is present but "${keyName(hasH ? cKey : hKey)}" is not; give both recurrent states or neither`);
    }
    const { tensors, release } = readTensors(td, hasH ? [inKey, hKey, cKey] : [inKey], what);
    let outputs: tf.Tensor[];
    try {
      const x = tensors[0]!;
      const { lead, n, t } = recurrentLayout(x, this.mode, this.inputSize, what, inKey);
      const L = this.numLayers;
      const H = this.hiddenSize;
      const stateShape = this.mode === "step" ? [...lead, L, H] : [...lead, t, L, H];
      if (hasH) {
        checkStateShape(tensors[1]!, stateShape, what, hKey);
        checkStateShape(tensors[2]!, stateShape, what, cKey);
      }
      const isInit = readIsInit(td, isInitKey, n, t, what);
      outputs = tf.tidy(() => {
        const first = (s: tf.Tensor): tf.Tensor3D =>
          (this.mode === "step" ? tf.reshape(s, [n, L, H]) : tf.reshape(tf.slice(tf.reshape(s, [n, t, L * H]), [0, 0, 0], [n, 1, L * H]), [n, L, H])) as tf.Tensor3D;
        const h0 = hasH ? first(tensors[1]!) : (tf.zeros([n, L, H]) as tf.Tensor3D);
        const c0 = hasH ? first(tensors[2]!) : (tf.zeros([n, L, H]) as tf.Tensor3D);
        const x3 = tf.reshape(x.dtype === "float32" ? x : tf.cast(x, "float32"), [n, t, this.inputSize]) as tf.Tensor3D;
        const r = lstmUnroll(x3, h0, c0, this.layers as unknown as LstmLayerWeights[], isInit);
        const outShape = this.mode === "step" ? [...lead, H] : [...lead, t, H];
        return [tf.reshape(r.output, outShape), tf.reshape(r.h, stateShape), tf.reshape(r.c, stateShape)];
      });
    } finally {
      release();
    }
    try {
      writeTensors(td, this.outKeys, outputs, what);
    } catch (e) {
      tf.dispose(outputs);
      throw e;
    }
    return td;
  }

  /** Frees the parameters (shared with every `withMode` copy). */
  dispose(): void {
    for (const v of this.parameters().values()) v.dispose();
  }
}
