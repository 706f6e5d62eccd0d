import * as tf from "@tensorflow/tfjs-core";
import { Categorical, OneHot, type TensorDict, checkOptions, type OptionKeys } from "@tdrl/tensordict";
import { discreteActionSpec, type DiscreteActionSpec } from "./action-spec";
import { keyName, readTensors, writeTensors, type NestedKey } from "./keys";
import type { TensorDictModuleBase } from "./tensordict-module";

const Q_VALUE_MODULE_OPTION_KEYS = {
  actionSpace: true,
  spec: true,
  actionValueKey: true,
  actionMaskKey: true,
  actionKey: true,
  chosenActionValueKey: true,
} satisfies OptionKeys<QValueModuleOptions>;

/** How the greedy action is written: an int32 index (`"categorical"`) or a one-hot row (`"one_hot"`). */
export type ActionSpace = "categorical" | "one_hot";

export interface QValueModuleOptions {
  /** Either this or `spec`. */
  actionSpace?: ActionSpace;
  /**
   * A `Categorical` or `OneHot` action spec, or a Composite holding one at `actionKey` (`env.actionSpec`):
   * decides the action encoding (int32 index, or a one-hot row in the spec's dtype) and checks the number of actions.
   */
  spec?: DiscreteActionSpec;
  /** Default "action_value": `[..., numActions]`. */
  actionValueKey?: NestedKey;
  /** Optional bool `[..., numActions]`; masked-out actions are never chosen. */
  actionMaskKey?: NestedKey;
  /** Default "action". */
  actionKey?: NestedKey;
  /** Default "chosen_action_value". */
  chosenActionValueKey?: NestedKey;
}

/** Stands in for masked-out action values: the lowest float32, as TorchRL uses `finfo.min` (not -inf, so products stay finite). */
const MASKED_VALUE = -3.4028234663852886e38;

/**
 * Greedy action selection from Q-values (TorchRL's `QValueModule`): reads `action_value` (and an optional
 * action mask), writes `action` (int32 index, or a one-hot row in the spec's dtype) and `chosen_action_value`
 * `[..., 1]`. The chosen value is a one-hot product, so gradients flow to the Q-network without a gather.
 * `spec` may be `env.actionSpec` as it is (the leaf at the action key is used).
 * Unlike TorchRL, `action_value` is left as it is, also with a mask (TorchRL overwrites it with the masked
 * values): replacing a tensor entry would orphan the Q-network's output tensor, which the caller owns.
 *
 * @example
 * import * as tf from "@tensorflow/tfjs-core";
 * import { TensorDict } from "@tdrl/tensordict";
 * const greedy = new QValueModule({ actionSpace: "categorical" });
 * const td = new TensorDict({ action_value: tf.tensor2d([[1, 3], [2, 0]]) }, [2]);
 * greedy.forward(td).getTensor("action").dataSync(); // Int32Array [1, 0]
 * td.dispose();
 */
export class QValueModule implements TensorDictModuleBase {
  readonly actionSpace: ActionSpace;
  readonly numActions: number | undefined;
  readonly inKeys: readonly NestedKey[];
  readonly outKeys: readonly NestedKey[];
  private readonly oneHotDType: "bool" | "int32" | "float32";

  constructor(options: QValueModuleOptions) {
    checkOptions("QValueModule", options, Q_VALUE_MODULE_OPTION_KEYS);
    const what = "QValueModule";
    const actionKey = options.actionKey ?? "action";
    const spec = options.spec === undefined ? undefined : discreteActionSpec(options.spec, actionKey, what);
    if (spec !== undefined) {
      if (spec instanceof OneHot) {
        this.actionSpace = "one_hot";
        this.numActions = spec.n;
        this.oneHotDType = spec.dtype === "uint8" ? "int32" : spec.dtype;
      } else if (spec instanceof Categorical) {
        this.actionSpace = "categorical";
        this.numActions = spec.n;
        this.oneHotDType = "bool";
      } else {
        throw new Error(`${what}: spec must be a Categorical or OneHot spec, got ${String(spec)}`);
      }
      if (options.actionSpace !== undefined && options.actionSpace !== this.actionSpace) {
        throw new Error(`${what}: actionSpace "${options.actionSpace}" contradicts spec ${String(spec)}`);
      }
    } else {
      const space = options.actionSpace;
      if (space !== "categorical" && space !== "one_hot") {
        throw new Error(
          `${what}: give actionSpace ("categorical" or "one_hot") or a spec; got actionSpace ${JSON.stringify(space)}`,
        );
      }
      this.actionSpace = space;
      this.numActions = undefined;
      this.oneHotDType = "bool";
    }
    const valueKey = options.actionValueKey ?? "action_value";
    this.inKeys = Object.freeze(options.actionMaskKey === undefined ? [valueKey] : [valueKey, options.actionMaskKey]);
    this.outKeys = Object.freeze([actionKey, options.chosenActionValueKey ?? "chosen_action_value"]);
  }

  parameters(): Map<string, tf.Variable> {
    return new Map();
  }

  forward(td: TensorDict): TensorDict {
    const what = "QValueModule";
    const { tensors, release } = readTensors(td, this.inKeys, what);
    let outputs: tf.Tensor[];
    try {
      const values = tensors[0]!;
      const n = values.shape[values.rank - 1];
      if (values.rank === 0 || (this.numActions !== undefined && n !== this.numActions)) {
        throw new Error(
          `${what}: "${keyName(this.inKeys[0]!)}" has shape [${values.shape.join(", ")}]; expected [..., ${this.numActions ?? "numActions"}]`,
        );
      }
      const mask = tensors[1];
      if (
        mask !== undefined &&
        (mask.shape.length !== values.shape.length || mask.shape.some((d, i) => d !== values.shape[i]))
      ) {
        throw new Error(
          `${what}: action mask "${keyName(this.inKeys[1]!)}" has shape [${mask.shape.join(", ")}]; expected the action values' shape [${values.shape.join(", ")}]`,
        );
      }
      outputs = tf.tidy(() => {
        const v =
          mask === undefined ? values : tf.where(tf.cast(mask, "bool"), values, tf.fill(values.shape, MASKED_VALUE));
        const index = tf.argMax(v, -1);
        // tfjs-backend-wasm's OneHot ignores a float dtype and writes int32 bits (1 reads as 1.4e-45): cast instead.
        const hot = tf.cast(tf.oneHot(index, n!), "float32");
        const chosen = tf.sum(tf.mul(hot, v), -1, true);
        const action =
          this.actionSpace === "categorical"
            ? index
            : this.oneHotDType === "float32"
              ? hot
              : tf.cast(hot, this.oneHotDType);
        return [action, chosen];
      });
    } finally {
      release();
    }
    writeTensors(td, this.outKeys, outputs, what);
    return td;
  }
}
