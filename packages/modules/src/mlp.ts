import * as tf from "@tensorflow/tfjs-core";
import { checkOptions, type OptionKeys, Rng } from "@tdrl/tensordict";
import { resolveActivation, type Activation } from "./activation";
import { checkPositiveInt, linear2d, makeLinear, type LinearParams } from "./linear";
import type { Model } from "./tensordict-module";

const MLP_OPTION_KEYS = {
  inFeatures: true,
  outFeatures: true,
  numCells: true,
  depth: true,
  activation: true,
  activateLast: true,
  rng: true,
} satisfies OptionKeys<MLPOptions>;

export interface MLPOptions {
  inFeatures: number;
  outFeatures: number;
  /** Hidden layer widths, e.g. `[256, 256]`; `[]` makes a single linear layer. A number means `depth` layers of that width. */
  numCells?: number | readonly number[];
  /** With a numeric `numCells`: how many hidden layers. Default 3 (TorchRL's default). */
  depth?: number;
  /** Default "tanh" (TorchRL's default). */
  activation?: Activation;
  /** Apply the activation after the last layer too. Default false. */
  activateLast?: boolean;
  /** Draws the initial weights. Default `new Rng(0)`, so two MLPs made without one start equal. */
  rng?: Rng;
}

/**
 * A multi-layer perceptron (TorchRL's `MLP`) with PyTorch's layout and init: weights `[out, in]` and
 * biases drawn from U(-1/sqrt(fanIn), 1/sqrt(fanIn)) with the given `Rng`. Parameters are named as
 * TorchRL's `nn.Sequential` names them (`"0.weight"`, `"0.bias"`, `"2.weight"`, ..., activations in
 * between), so a PyTorch state dict loads unchanged. Any leading batch dims are accepted.
 *
 * @example
 * import * as tf from "@tensorflow/tfjs-core";
 * import { Rng } from "@tdrl/tensordict";
 * const mlp = new MLP({ inFeatures: 4, outFeatures: 2, numCells: [64, 64], activation: "relu", rng: new Rng(0) });
 * const q = mlp.apply(tf.zeros([5, 4])); // [5, 2]
 * [...mlp.parameters().keys()]; // ["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"]
 */
export class MLP implements Model {
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly numCells: readonly number[];
  private readonly layers: LinearParams[] = [];
  private readonly act: (x: tf.Tensor) => tf.Tensor;
  private readonly activateLast: boolean;

  constructor(options: MLPOptions) {
    checkOptions("MLP", options, MLP_OPTION_KEYS);
    const what = "MLP";
    this.inFeatures = checkPositiveInt(options.inFeatures, "inFeatures", what);
    this.outFeatures = checkPositiveInt(options.outFeatures, "outFeatures", what);
    const cells = options.numCells ?? 32;
    if (typeof cells === "number") {
      const depth = options.depth ?? 3;
      if (!(Number.isSafeInteger(depth) && depth >= 0))
        throw new Error(`${what}: depth must be a non-negative integer, got ${String(depth)}`);
      this.numCells = Array.from({ length: depth }, () => checkPositiveInt(cells, "numCells", what));
    } else {
      this.numCells = cells.map((c, i) => checkPositiveInt(c, `numCells[${i}]`, what));
    }
    this.act = resolveActivation(options.activation ?? "tanh", what);
    this.activateLast = options.activateLast ?? false;
    const rng = options.rng ?? new Rng(0);
    const widths = [this.inFeatures, ...this.numCells, this.outFeatures];
    for (let i = 0; i + 1 < widths.length; i++) this.layers.push(makeLinear(rng, widths[i]!, widths[i + 1]!));
  }

  parameters(): Map<string, tf.Variable> {
    const out = new Map<string, tf.Variable>();
    this.layers.forEach((l, i) => {
      out.set(`${2 * i}.weight`, l.weight);
      out.set(`${2 * i}.bias`, l.bias);
    });
    return out;
  }

  apply(x: tf.Tensor): tf.Tensor {
    const last = x.shape[x.rank - 1];
    if (x.rank === 0 || last !== this.inFeatures) {
      throw new Error(`MLP: input shape [${x.shape.join(", ")}] must end with inFeatures (${this.inFeatures})`);
    }
    return tf.tidy(() => {
      const lead = x.shape.slice(0, -1);
      let h = (x.rank === 2 ? x : tf.reshape(x, [-1, this.inFeatures])) as tf.Tensor2D;
      if (h.dtype !== "float32") h = tf.cast(h, "float32");
      this.layers.forEach((layer, i) => {
        h = linear2d(h, layer);
        if (i < this.layers.length - 1 || this.activateLast) h = this.act(h) as tf.Tensor2D;
      });
      return x.rank === 2 ? h : tf.reshape(h, [...lead, this.outFeatures]);
    });
  }

  /** Frees the parameters. */
  dispose(): void {
    for (const v of this.parameters().values()) v.dispose();
  }
}
