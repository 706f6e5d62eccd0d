import * as tf from "@tensorflow/tfjs-core";
import type { TensorDict } from "@tdrl/tensordict";
import { forwardTensors, keyName, type NestedKey } from "./keys";
import type { HasParameters } from "./parameters";
import { checkOptions, type OptionKeys } from "@tdrl/tensordict";

const TENSOR_DICT_MODULE_OPTION_KEYS = {
  inKeys: true,
  outKeys: true,
  name: true,
} satisfies OptionKeys<TensorDictModuleOptions>;

/**
 * What every tdrl module is: it reads `inKeys` of a TensorDict, writes `outKeys` into the same TensorDict
 * and returns it (as TorchRL's `TensorDictModuleBase`). Outputs are tensors owned by the TensorDict: the
 * caller disposes them (`td.dispose()`, or by running the forward pass inside `tf.tidy`). A tensor leaf an
 * out key writes over is freed by the module, unless the record still holds it under another key.
 */
export interface TensorDictModuleBase extends HasParameters {
  readonly inKeys: readonly NestedKey[];
  readonly outKeys: readonly NestedKey[];
  forward(td: TensorDict): TensorDict;
}

/** A tensor-to-tensor model with parameters (`MLP`, `ConvNet`, `DuelingHead`, or your own). */
export interface Model extends HasParameters {
  apply(...inputs: tf.Tensor[]): tf.Tensor | tf.Tensor[];
}

/** A plain tensor function, for parameter-free modules. */
export type TensorFn = (...inputs: tf.Tensor[]) => tf.Tensor | tf.Tensor[];

export interface TensorDictModuleOptions {
  inKeys: readonly NestedKey[];
  outKeys: readonly NestedKey[];
  /** Used in error messages. Default "TensorDictModule". */
  name?: string;
}

/**
 * Wraps a model or a tensor function so that it reads and writes TensorDict keys (TorchRL's
 * `TensorDictModule`): the inputs at `inKeys` are passed positionally, the outputs are written at `outKeys`.
 * Host-array inputs are moved to the backend in one `toTensors` call and freed after the call.
 *
 * @example
 * import * as tf from "@tensorflow/tfjs-core";
 * import { HostArray, Rng, TensorDict } from "@tdrl/tensordict";
 * const qnet = new TensorDictModule(new MLP({ inFeatures: 4, outFeatures: 2, numCells: [16], rng: new Rng(0) }), {
 *   inKeys: ["observation"],
 *   outKeys: ["action_value"],
 * });
 * const td = new TensorDict({ observation: HostArray.zeros("float32", [8, 4]) }, [8]);
 * qnet.forward(td).getTensor("action_value").shape; // [8, 2]
 * td.dispose();
 */
export class TensorDictModule implements TensorDictModuleBase {
  readonly inKeys: readonly NestedKey[];
  readonly outKeys: readonly NestedKey[];
  readonly name: string;
  private readonly fn: TensorFn;
  private readonly model: Model | undefined;

  constructor(fnOrModel: TensorFn | Model, options: TensorDictModuleOptions) {
    checkOptions("TensorDictModule", options, TENSOR_DICT_MODULE_OPTION_KEYS);
    this.name = options.name ?? "TensorDictModule";
    if (options.inKeys.length === 0) throw new Error(`${this.name}: inKeys is empty`);
    if (options.outKeys.length === 0) throw new Error(`${this.name}: outKeys is empty`);
    this.inKeys = Object.freeze([...options.inKeys]);
    this.outKeys = Object.freeze([...options.outKeys]);
    if (typeof fnOrModel === "function") {
      this.fn = fnOrModel;
      this.model = undefined;
    } else {
      this.model = fnOrModel;
      this.fn = (...inputs) => fnOrModel.apply(...inputs);
    }
  }

  parameters(): Map<string, tf.Variable> {
    return this.model?.parameters() ?? new Map();
  }

  forward(td: TensorDict): TensorDict {
    const what = `${this.name}(${this.inKeys.map(keyName).join(", ")} -> ${this.outKeys.map(keyName).join(", ")})`;
    return forwardTensors(td, this.inKeys, this.outKeys, what, (tensors) =>
      tf.tidy(() => {
        const out = this.fn(...tensors);
        return Array.isArray(out) ? out : [out as tf.Tensor];
      }),
    );
  }
}
