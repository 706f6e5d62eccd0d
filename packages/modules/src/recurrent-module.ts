import * as tf from "@tensorflow/tfjs-core";
import { Composite, Rng, Unbounded, type OptionKeys, type TensorDict } from "@tdrl/tensordict";
import { forwardTensors, keyName, type NestedKey } from "./keys";
import { checkPositiveInt, uniformInit } from "./linear";
import { makeVariable } from "./parameters";
import { checkStateShape, readIsInit, recurrentLayout, type RecurrentMode } from "./recurrent-io";
import type { TensorDictModuleBase } from "./tensordict-module";

/** The options every recurrent module takes; each module adds the keys of its states. */
export interface RecurrentModuleOptions<M extends RecurrentModule> {
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
  /** Default "is_init". */
  isInitKey?: NestedKey;
  /** Draws the initial weights, U(-1/sqrt(H), 1/sqrt(H)) as PyTorch. Default `new Rng(0)`. */
  rng?: Rng;
  /** Use this module's variables instead of making new ones (what `withMode` does). */
  shareParamsWith?: M;
}

/** The option keys every recurrent module takes; each module adds the keys of its states to these. */
export const RECURRENT_MODULE_OPTION_KEYS = {
  inputSize: true,
  hiddenSize: true,
  numLayers: true,
  inKey: true,
  outKey: true,
  mode: true,
  isInitKey: true,
  rng: true,
  shareParamsWith: true,
} satisfies OptionKeys<RecurrentModuleOptions<RecurrentModule>>;

/** One layer's parameters in PyTorch's layout, the gates stacked along the first dim: `[G*H, I]`, `[G*H, H]`, `[G*H]`, `[G*H]`. */
export interface RecurrentLayerVariables {
  weightIh: tf.Variable;
  weightHh: tf.Variable;
  biasIh: tf.Variable;
  biasHh: tf.Variable;
}

/** What a module's cell gives back: the last layer's output `[N, T, H]` and each state after every step `[N, T, L, H]`, in `stateKeys` order. */
export interface RecurrentUnrollResult {
  output: tf.Tensor3D;
  states: tf.Tensor[];
}

/**
 * What `LSTMModule` and `GRUModule` share: the sizes and mode, the keys (`[inKey, ...states, isInitKey]` in,
 * `[outKey, ...["next", state]]` out), PyTorch's multi-layer parameters, the step/sequence input layout
 * and the state handling around the cell. A subclass names its states and gate count and runs its cell.
 */
export abstract class RecurrentModule implements TensorDictModuleBase {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly mode: RecurrentMode;
  readonly inKeys: readonly NestedKey[];
  readonly outKeys: readonly NestedKey[];
  protected readonly layers: readonly RecurrentLayerVariables[];
  private readonly moduleName: string;
  private readonly stateKeys: readonly string[];

  /**
   * @param moduleName Names the module in errors ("LSTMModule").
   * @param gates How many gates each layer stacks in its weights (4 for LSTM, 3 for GRU).
   * @param stateKeys The state entries, in the order the cell takes and returns them.
   */
  protected constructor(
    moduleName: string,
    gates: number,
    stateKeys: readonly string[],
    options: RecurrentModuleOptions<RecurrentModule>,
  ) {
    const what = moduleName;
    this.moduleName = moduleName;
    this.inputSize = checkPositiveInt(options.inputSize, "inputSize", what);
    this.hiddenSize = checkPositiveInt(options.hiddenSize, "hiddenSize", what);
    this.numLayers = checkPositiveInt(options.numLayers ?? 1, "numLayers", what);
    const mode = options.mode ?? "step";
    if (mode !== "step" && mode !== "sequence")
      throw new Error(`${what}: mode must be "step" or "sequence", got ${JSON.stringify(mode)}`);
    this.mode = mode;
    this.stateKeys = Object.freeze([...stateKeys]);
    this.inKeys = Object.freeze([options.inKey, ...stateKeys, options.isInitKey ?? "is_init"]);
    this.outKeys = Object.freeze([options.outKey, ...stateKeys.map((k) => ["next", k])]);
    const shared = options.shareParamsWith;
    if (shared !== undefined) {
      if (
        shared.inputSize !== this.inputSize ||
        shared.hiddenSize !== this.hiddenSize ||
        shared.numLayers !== this.numLayers
      ) {
        throw new Error(`${what}: ${this.sizeMismatch(shared)}`);
      }
      this.layers = shared.layers;
    } else {
      const rng = options.rng ?? new Rng(0);
      const H = this.hiddenSize;
      const G = gates * H;
      const layers: RecurrentLayerVariables[] = [];
      for (let k = 0; k < this.numLayers; k++) {
        const inF = k === 0 ? this.inputSize : H;
        layers.push({
          weightIh: makeVariable(uniformInit(rng, G * inF, H), [G, inF]),
          weightHh: makeVariable(uniformInit(rng, G * H, H), [G, H]),
          biasIh: makeVariable(uniformInit(rng, G, H), [G]),
          biasHh: makeVariable(uniformInit(rng, G, H), [G]),
        });
      }
      this.layers = layers;
    }
  }

  /** Why `shareParamsWith` was refused (its sizes differ from this module's); runs in the constructor. */
  protected sizeMismatch(shared: RecurrentModule): string {
    return (
      `shareParamsWith has inputSize ${shared.inputSize}, hiddenSize ${shared.hiddenSize}, numLayers ${shared.numLayers}; ` +
      `this module has ${this.inputSize}, ${this.hiddenSize}, ${this.numLayers}`
    );
  }

  /** Runs the cell over `x` [N, T, I] from the initial states [N, L, H] (in `stateKeys` order). Called inside `tf.tidy`. */
  protected abstract unroll(
    x: tf.Tensor3D,
    states: tf.Tensor3D[],
    isInit: ArrayLike<number> | null,
  ): RecurrentUnrollResult;

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
   * The recurrent states this module reads and writes, as specs (TorchRL's `make_tensordict_primer()`
   * describes the same): a batch-less Composite of `[numLayers, hiddenSize]` float32 entries, one per state
   * key. `TensorDictPrimer.fromModule(module)` (`@tdrl/transforms`) builds the env transform that adds them,
   * zero at every reset, so this package needs no transforms dependency.
   */
  recurrentStateSpecs(): Composite {
    const shape = [this.numLayers, this.hiddenSize];
    return new Composite(Object.fromEntries(this.stateKeys.map((key) => [key, new Unbounded({ shape })])));
  }

  forward(td: TensorDict): TensorDict {
    const inKey = this.inKeys[0]!;
    const isInitKey = this.inKeys[this.inKeys.length - 1]!;
    const stateKeys = this.stateKeys;
    const what = `${this.moduleName}(${this.mode} mode)`;
    const present = stateKeys.filter((key) => td.has(key));
    const hasState = present.length > 0;
    if (hasState && present.length < stateKeys.length) {
      // Only reachable with two or more states (LSTM's h and c).
      const missing = stateKeys.find((key) => !td.has(key))!;
      throw new Error(
        `${what}: "${keyName(present[0]!)}" is present but "${keyName(missing)}" is not; give both recurrent states or neither`,
      );
    }
    if (this.mode === "sequence" && td.batchDims < 2) {
      throw new Error(
        `${what}: the batch size [${td.batchSize.join(", ")}] has ${td.batchDims} dim${td.batchDims === 1 ? "" : "s"}; sequence mode needs [..., B, T] (the last dim is time). For one sequence, reshape to [1, T]`,
      );
    }
    return forwardTensors(td, hasState ? [inKey, ...stateKeys] : [inKey], this.outKeys, what, (tensors) => {
      const x = tensors[0]!;
      const { lead, n, t } = recurrentLayout(x, this.mode, this.inputSize, what, inKey);
      const L = this.numLayers;
      const H = this.hiddenSize;
      const stateShape = this.mode === "step" ? [...lead, L, H] : [...lead, t, L, H];
      if (hasState) stateKeys.forEach((key, i) => checkStateShape(tensors[1 + i]!, stateShape, what, key));
      const isInit = readIsInit(td, isInitKey, n, t, what, this.mode === "sequence");
      return tf.tidy(() => {
        // The state at the first step: the given one in step mode, the one at step 0 in sequence mode.
        const first = (s: tf.Tensor): tf.Tensor3D =>
          (this.mode === "step"
            ? tf.reshape(s, [n, L, H])
            : tf.reshape(tf.slice(tf.reshape(s, [n, t, L * H]), [0, 0, 0], [n, 1, L * H]), [n, L, H])) as tf.Tensor3D;
        const states0 = stateKeys.map((_, i) =>
          hasState ? first(tensors[1 + i]!) : (tf.zeros([n, L, H]) as tf.Tensor3D),
        );
        const x3 = tf.reshape(x.dtype === "float32" ? x : tf.cast(x, "float32"), [n, t, this.inputSize]) as tf.Tensor3D;
        const r = this.unroll(x3, states0, isInit);
        const outShape = this.mode === "step" ? [...lead, H] : [...lead, t, H];
        return [tf.reshape(r.output, outShape), ...r.states.map((s) => tf.reshape(s, stateShape))];
      });
    });
  }

  /** Frees the parameters (shared with every `withMode` copy). */
  dispose(): void {
    for (const v of this.parameters().values()) v.dispose();
  }
}
