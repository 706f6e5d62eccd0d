import * as tf from "@tensorflow/tfjs-core";
import { Composite, Rng, Unbounded, type TensorDict } from "@tdrl/tensordict";
import { gruUnroll, type GruLayerWeights } from "./gru-cell";
import { readTensors, writeTensors, type NestedKey } from "./keys";
import { checkPositiveInt, uniformInit } from "./linear";
import { makeVariable } from "./parameters";
import { checkStateShape, readIsInit, recurrentLayout, type RecurrentMode } from "./recurrent-io";
import type { TensorDictModuleBase } from "./tensordict-module";

export interface GRUModuleOptions {
  inputSize: number;
  hiddenSize: number;
  /** Default 1. */
  numLayers?: number;
  /** The input features: `[...B, inputSize]` in step mode, `[...B, T, inputSize]` in sequence mode. */
  inKey: NestedKey;
  outKey: NestedKey;
  /** "step" (default) or "sequence" (the last batch dim is time). */
  mode?: RecurrentMode;
  /** Default "recurrent_state". */
  stateKey?: string;
  /** Default "is_init". */
  isInitKey?: NestedKey;
  /** Draws the initial weights, U(-1/sqrt(H), 1/sqrt(H)) as PyTorch. Default `new Rng(0)`. */
  rng?: Rng;
  /** Use this module's variables instead of making new ones (what `withMode` does). */
  shareParamsWith?: GRUModule;
}

/**
 * A multi-layer GRU on TensorDicts (TorchRL's `GRUModule`): PyTorch's gate order (r, z, n), equations and
 * parameters (`weight_ih_l{k}` [3H, I], `weight_hh_l{k}` [3H, H], `bias_ih_l{k}`, `bias_hh_l{k}`). Reads
 * `[inKey, "recurrent_state", "is_init"]`, writes `[outKey, ["next", "recurrent_state"]]`; the state is
 * `[..., numLayers, hiddenSize]`. Step and sequence modes work as in `LSTMModule`.
 *
 * @example
 * import { HostArray, Rng, TensorDict } from "@tdrl/tensordict";
 * const gru = new GRUModule({ inputSize: 4, hiddenSize: 8, inKey: "embed", outKey: "features", mode: "sequence", rng: new Rng(0) });
 * const td = new TensorDict({ embed: HostArray.zeros("float32", [2, 5, 4]) }, [2, 5]);
 * gru.forward(td).getTensor(["next", "recurrent_state"]).shape; // [2, 5, 1, 8]
 * td.dispose();
 */
export class GRUModule implements TensorDictModuleBase {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly mode: RecurrentMode;
  readonly inKeys: readonly NestedKey[];
  readonly outKeys: readonly NestedKey[];
  private readonly options: GRUModuleOptions;
  private readonly layers: { weightIh: tf.Variable; weightHh: tf.Variable; biasIh: tf.Variable; biasHh: tf.Variable }[];

  constructor(options: GRUModuleOptions) {
    const what = "GRUModule";
    this.options = { ...options };
    this.inputSize = checkPositiveInt(options.inputSize, "inputSize", what);
    this.hiddenSize = checkPositiveInt(options.hiddenSize, "hiddenSize", what);
    this.numLayers = checkPositiveInt(options.numLayers ?? 1, "numLayers", what);
    const mode = options.mode ?? "step";
    if (mode !== "step" && mode !== "sequence") throw new Error(`${what}: mode must be "step" or "sequence", got ${JSON.stringify(mode)}`);
    this.mode = mode;
    const state = options.stateKey ?? "recurrent_state";
    this.inKeys = Object.freeze([options.inKey, state, options.isInitKey ?? "is_init"]);
    this.outKeys = Object.freeze([options.outKey, ["next", state]]);
    const shared = options.shareParamsWith;
    if (shared !== undefined) {
      if (shared.inputSize !== this.inputSize || shared.hiddenSize !== this.hiddenSize || shared.numLayers !== this.numLayers) {
        throw new Error(`${what}: shareParamsWith has a different inputSize, hiddenSize or numLayers`);
      }
      this.layers = shared.layers;
    } else {
      const rng = options.rng ?? new Rng(0);
      const H = this.hiddenSize;
      this.layers = [];
      for (let k = 0; k < this.numLayers; k++) {
        const inF = k === 0 ? this.inputSize : H;
        this.layers.push({
          weightIh: makeVariable(uniformInit(rng, 3 * H * inF, H), [3 * H, inF]),
          weightHh: makeVariable(uniformInit(rng, 3 * H * H, H), [3 * H, H]),
          biasIh: makeVariable(uniformInit(rng, 3 * H, H), [3 * H]),
          biasHh: makeVariable(uniformInit(rng, 3 * H, H), [3 * H]),
        });
      }
    }
  }

  /** The same module in another mode, sharing the parameters. */
  withMode(mode: RecurrentMode): GRUModule {
    return new GRUModule({ ...this.options, mode, shareParamsWith: this });
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

  /** The spec of the recurrent state entry (`[numLayers, hiddenSize]`); see `LSTMModule.makeTensorDictPrimer`. */
  makeTensorDictPrimer(): Composite<{ [key: string]: Unbounded<"float32"> }> {
    return new Composite({ [this.inKeys[1] as string]: new Unbounded({ shape: [this.numLayers, this.hiddenSize] }) });
  }

  forward(td: TensorDict): TensorDict {
    const [inKey, stateKey, isInitKey] = this.inKeys as [NestedKey, NestedKey, NestedKey];
    const what = `GRUModule(${this.mode} mode)`;
    const hasState = td.has(stateKey);
    const { tensors, release } = readTensors(td, hasState ? [inKey, stateKey] : [inKey], what);
    let outputs: tf.Tensor[];
    try {
      const x = tensors[0]!;
      const { lead, n, t } = recurrentLayout(x, this.mode, this.inputSize, what, inKey);
      const L = this.numLayers;
      const H = this.hiddenSize;
      const stateShape = this.mode === "step" ? [...lead, L, H] : [...lead, t, L, H];
      if (hasState) checkStateShape(tensors[1]!, stateShape, what, stateKey);
      const isInit = readIsInit(td, isInitKey, n, t, what);
      outputs = tf.tidy(() => {
        const h0 = hasState
          ? ((this.mode === "step"
              ? tf.reshape(tensors[1]!, [n, L, H])
              : tf.reshape(tf.slice(tf.reshape(tensors[1]!, [n, t, L * H]), [0, 0, 0], [n, 1, L * H]), [n, L, H])) as tf.Tensor3D)
          : (tf.zeros([n, L, H]) as tf.Tensor3D);
        const x3 = tf.reshape(x.dtype === "float32" ? x : tf.cast(x, "float32"), [n, t, this.inputSize]) as tf.Tensor3D;
        const r = gruUnroll(x3, h0, this.layers as unknown as GruLayerWeights[], isInit);
        return [tf.reshape(r.output, this.mode === "step" ? [...lead, H] : [...lead, t, H]), tf.reshape(r.h, stateShape)];
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
