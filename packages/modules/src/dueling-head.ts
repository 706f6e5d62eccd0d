import * as tf from "@tensorflow/tfjs-core";
import { checkOptions, type OptionKeys, Rng } from "@tdrl/tensordict";
import type { Activation } from "./activation";
import { checkPositiveInt } from "./linear";
import { MLP } from "./mlp";
import { collectParameters } from "./parameters";
import type { Model } from "./tensordict-module";

const DUELING_HEAD_OPTION_KEYS = {
  inFeatures: true,
  numActions: true,
  numCells: true,
  activation: true,
  rng: true,
} satisfies OptionKeys<DuelingHeadOptions>;

export interface DuelingHeadOptions {
  inFeatures: number;
  numActions: number;
  /** Hidden widths of each stream. Default `[]` (one linear layer per stream). */
  numCells?: readonly number[];
  /** Default "relu". */
  activation?: Activation;
  rng?: Rng;
}

/**
 * The dueling Q-value head (Wang et al. 2016; TorchRL's `DuelingCnnDQNet` head): a value stream V(s) and an
 * advantage stream A(s, a) combined as `Q = V + A - mean_a A`. Parameters: `"value.*"`, `"advantage.*"`.
 *
 * @example
 * import * as tf from "@tensorflow/tfjs-core";
 * import { Rng } from "@tdrl/tensordict";
 * const head = new DuelingHead({ inFeatures: 64, numActions: 6, numCells: [128], rng: new Rng(0) });
 * head.apply(tf.zeros([32, 64])).shape; // [32, 6]
 */
export class DuelingHead implements Model {
  readonly numActions: number;
  readonly value: MLP;
  readonly advantage: MLP;

  constructor(options: DuelingHeadOptions) {
    checkOptions("DuelingHead", options, DUELING_HEAD_OPTION_KEYS);
    const inFeatures = checkPositiveInt(options.inFeatures, "inFeatures", "DuelingHead");
    this.numActions = checkPositiveInt(options.numActions, "numActions", "DuelingHead");
    const rng = options.rng ?? new Rng(0);
    const common = { inFeatures, numCells: options.numCells ?? [], activation: options.activation ?? "relu", rng };
    this.value = new MLP({ ...common, outFeatures: 1 });
    this.advantage = new MLP({ ...common, outFeatures: this.numActions });
  }

  parameters(): Map<string, tf.Variable> {
    const out = new Map<string, tf.Variable>();
    collectParameters(out, "value", this.value, "DuelingHead");
    collectParameters(out, "advantage", this.advantage, "DuelingHead");
    return out;
  }

  apply(features: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const a = this.advantage.apply(features);
      return tf.add(this.value.apply(features), tf.sub(a, tf.mean(a, -1, true)));
    });
  }

  dispose(): void {
    this.value.dispose();
    this.advantage.dispose();
  }
}
