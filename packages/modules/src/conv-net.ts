import * as tf from "@tensorflow/tfjs-core";
import { checkOptions, type OptionKeys, Rng } from "@tdrl/tensordict";
import { biasAdd } from "./bias-add";
import { convBiasRelu } from "./conv-bias-relu";
import { spaceToDepthConv2d, useSpaceToDepth } from "./space-to-depth-conv";
import { resolveActivation, type Activation } from "./activation";
import { checkPositiveInt, uniformInit } from "./linear";
import { makeVariable } from "./parameters";
import type { Model } from "./tensordict-module";

const CONV_NET_OPTION_KEYS = {
  inChannels: true,
  numCells: true,
  kernelSizes: true,
  strides: true,
  paddings: true,
  activation: true,
  aggregator: true,
  rng: true,
} satisfies OptionKeys<ConvNetOptions>;
const NATURE_CNN_OPTION_KEYS = { inChannels: true, activation: true, rng: true } satisfies OptionKeys<NatureCnnOptions>;

export interface ConvNetOptions {
  /** Channels of the input (the last dim of NHWC). */
  inChannels: number;
  /** Output channels of each conv layer, e.g. `[32, 64, 64]`. */
  numCells: readonly number[];
  /** One size for all layers or one per layer. Default 3. */
  kernelSizes?: number | readonly number[];
  /** Default 1. */
  strides?: number | readonly number[];
  /** Zero padding on each side of H and W, as PyTorch's `padding=int`. Default 0. */
  paddings?: number | readonly number[];
  /** Applied after every conv layer. Default "elu" (TorchRL's default). */
  activation?: Activation;
  /** "flatten" (default) gives `[..., H' * W' * C']` in HWC order; "globalAvgPool" gives `[..., C']`. */
  aggregator?: "flatten" | "globalAvgPool";
  rng?: Rng;
}

interface ConvLayer {
  filter: tf.Variable;
  bias: tf.Variable;
  stride: number;
  pad: number;
}

/**
 * A stack of 2-D convolutions on NHWC images with any number of leading batch dims (TorchRL's `ConvNet`,
 * which is NCHW). Filters are stored in tfjs's `[kh, kw, in, out]` layout (transpose PyTorch's
 * `[out, in, kh, kw]` with `[2, 3, 1, 0]` to load one) and initialised as PyTorch does,
 * U(-1/sqrt(fanIn), 1/sqrt(fanIn)) with fanIn = in * kh * kw. Parameters: `"<layer>.weight"`, `"<layer>.bias"`.
 *
 * @example
 * import * as tf from "@tensorflow/tfjs-core";
 * import { Rng } from "@tdrl/tensordict";
 * const net = new ConvNet({ inChannels: 3, numCells: [16, 32], kernelSizes: 3, strides: [2, 1], aggregator: "globalAvgPool", rng: new Rng(0) });
 * net.apply(tf.zeros([4, 2, 32, 32, 3])).shape; // [4, 2, 32]
 */
export class ConvNet implements Model {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly aggregator: "flatten" | "globalAvgPool";
  private readonly layers: ConvLayer[] = [];
  private readonly act: (x: tf.Tensor) => tf.Tensor;
  /** ReLU layers after the first run as one fused op (see `convBiasRelu`). */
  private readonly relu: boolean;

  constructor(options: ConvNetOptions) {
    checkOptions("ConvNet", options, CONV_NET_OPTION_KEYS);
    const what = "ConvNet";
    this.inChannels = checkPositiveInt(options.inChannels, "inChannels", what);
    const n = options.numCells.length;
    if (n === 0) throw new Error(`${what}: numCells is empty; give the output channels of each layer`);
    const perLayer = (v: number | readonly number[] | undefined, dflt: number, name: string, min: number): number[] => {
      const arr =
        v === undefined ? Array<number>(n).fill(dflt) : typeof v === "number" ? Array<number>(n).fill(v) : [...v];
      if (arr.length !== n) throw new Error(`${what}: ${name} has ${arr.length} entries for ${n} layers (numCells)`);
      arr.forEach((x, i) => {
        if (!(Number.isSafeInteger(x) && x >= min))
          throw new Error(`${what}: ${name}[${i}] must be an integer >= ${min}, got ${String(x)}`);
      });
      return arr;
    };
    const kernels = perLayer(options.kernelSizes, 3, "kernelSizes", 1);
    const strides = perLayer(options.strides, 1, "strides", 1);
    const pads = perLayer(options.paddings, 0, "paddings", 0);
    const aggregator = options.aggregator ?? "flatten";
    if (aggregator !== "flatten" && aggregator !== "globalAvgPool") {
      throw new Error(`${what}: aggregator must be "flatten" or "globalAvgPool", got ${JSON.stringify(aggregator)}`);
    }
    this.aggregator = aggregator;
    this.act = resolveActivation(options.activation ?? "elu", what);
    this.relu = options.activation === "relu";
    const rng = options.rng ?? new Rng(0);
    let cin = this.inChannels;
    for (let i = 0; i < n; i++) {
      const cout = checkPositiveInt(options.numCells[i], `numCells[${i}]`, what);
      const k = kernels[i]!;
      const fanIn = cin * k * k;
      this.layers.push({
        filter: makeVariable(uniformInit(rng, k * k * cin * cout, fanIn), [k, k, cin, cout]),
        bias: makeVariable(uniformInit(rng, cout, fanIn), [cout]),
        stride: strides[i]!,
        pad: pads[i]!,
      });
      cin = cout;
    }
    this.outChannels = cin;
  }

  parameters(): Map<string, tf.Variable> {
    const out = new Map<string, tf.Variable>();
    this.layers.forEach((l, i) => {
      out.set(`${i}.weight`, l.filter);
      out.set(`${i}.bias`, l.bias);
    });
    return out;
  }

  /** The output feature size for an `[height, width]` input (for sizing the MLP that follows). */
  outFeatures(height: number, width: number): number {
    let h = height;
    let w = width;
    for (const l of this.layers) {
      const k = l.filter.shape[0]!;
      h = Math.floor((h + 2 * l.pad - k) / l.stride) + 1;
      w = Math.floor((w + 2 * l.pad - k) / l.stride) + 1;
      if (h < 1 || w < 1)
        throw new Error(
          `ConvNet: an input of ${height}x${width} is too small for the layers (it shrinks to ${h}x${w})`,
        );
    }
    return this.aggregator === "flatten" ? h * w * this.outChannels : this.outChannels;
  }

  apply(x: tf.Tensor): tf.Tensor {
    if (x.rank < 3 || x.shape[x.rank - 1] !== this.inChannels) {
      throw new Error(
        `ConvNet: input shape [${x.shape.join(", ")}] must be [..., H, W, ${this.inChannels}] (NHWC, inChannels = ${this.inChannels})`,
      );
    }
    const lead = x.shape.slice(0, -3);
    const [height, width] = x.shape.slice(-3, -1) as [number, number];
    this.outFeatures(height, width); // throws early with a readable message
    return tf.tidy(() => {
      let h = tf.reshape(x, [-1, height, width, this.inChannels]) as tf.Tensor4D;
      if (h.dtype !== "float32") h = tf.cast(h, "float32");
      this.layers.forEach((l, i) => {
        const filter = l.filter as tf.Tensor4D;
        const bias = l.bias as tf.Tensor1D;
        const pad = l.pad === 0 ? "valid" : l.pad;
        if (i > 0 && this.relu) {
          h = convBiasRelu(h, filter, bias, l.stride, pad);
          return;
        }
        h = useSpaceToDepth(h.shape[3], filter.shape[0], l.stride, l.pad)
          ? spaceToDepthConv2d(h, filter, l.stride)
          : tf.conv2d(h, filter, l.stride, pad);
        h = this.act(biasAdd(h, bias)) as tf.Tensor4D;
      });
      const [n, oh, ow, c] = h.shape;
      const out = this.aggregator === "flatten" ? tf.reshape(h, [n, oh * ow * c]) : tf.mean(h, [1, 2]);
      return tf.reshape(out, [...lead, out.shape[1]!]);
    });
  }

  dispose(): void {
    for (const v of this.parameters().values()) v.dispose();
  }
}

export interface NatureCnnOptions {
  /** Default 4 (stacked grayscale frames). */
  inChannels?: number;
  /** Default "relu", as in the DQN paper. */
  activation?: Activation;
  rng?: Rng;
}

/**
 * The DQN "Nature" convolutional torso: 32 8x8 stride 4, 64 4x4 stride 2, 64 3x3 stride 1, ReLU, flattened
 * (3136 features for 84x84 input).
 *
 * @example
 * const torso = natureCnn({ inChannels: 4 });
 * torso.outFeatures(84, 84); // 3136
 */
export function natureCnn(options: NatureCnnOptions = {}): ConvNet {
  checkOptions("natureCnn", options, NATURE_CNN_OPTION_KEYS);
  return new ConvNet({
    inChannels: options.inChannels ?? 4,
    numCells: [32, 64, 64],
    kernelSizes: [8, 4, 3],
    strides: [4, 2, 1],
    paddings: 0,
    activation: options.activation ?? "relu",
    aggregator: "flatten",
    ...(options.rng === undefined ? {} : { rng: options.rng }),
  });
}
