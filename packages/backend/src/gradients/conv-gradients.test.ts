import * as tf from "@tensorflow/tfjs-core";
import { CONV_GRADIENTS } from "./conv-gradients";
import { gradientSuite } from "../../test/gradient-test-suite";
import type { GradientCase, InputSpec } from "../../test/numeric-gradient-check";

type Pad = "valid" | "same" | number | tf.backend_util.ExplicitPadding;
type Activation = "linear" | "relu" | "relu6" | "elu" | "sigmoid" | "leakyrelu" | "prelu";

interface ConvExtra {
  readonly rounding: "floor" | "ceil";
  readonly nchw: boolean;
  readonly dilations: number | [number, number];
}

function conv(
  name: string,
  x: number[],
  filter: number[],
  strides: number,
  pad: Pad,
  extra: Partial<ConvExtra> = {},
): GradientCase {
  return {
    name: `Conv2D ${name}`,
    kernel: tf.Conv2D,
    inputs: [{ shape: x }, { shape: filter }],
    f: (input, w) =>
      tf.conv2d(
        input as tf.Tensor4D,
        w as tf.Tensor4D,
        strides,
        pad,
        extra.nchw === true ? "NCHW" : "NHWC",
        extra.dilations ?? 1,
        extra.rounding,
      ),
  };
}

interface FusedOptions {
  readonly kernel: typeof tf.FusedConv2D | typeof tf.FusedDepthwiseConv2D;
  readonly activation: Activation;
  readonly bias: boolean;
  readonly prelu?: boolean;
  readonly alpha?: number;
  readonly strides?: number;
  readonly pad?: Pad;
  readonly dilations?: number;
}

/** A fused convolution run through engine().runKernel, with optional inputs left out of the map, not undefined. */
function fused({
  kernel,
  activation,
  bias,
  prelu = false,
  alpha,
  strides = 1,
  pad = "valid",
  dilations = 1,
}: FusedOptions): GradientCase {
  const depthwise = kernel === tf.FusedDepthwiseConv2D;
  const outChannels = depthwise ? 4 : 3;
  const inputs: InputSpec[] = [{ shape: [1, 4, 4, 2] }, { shape: depthwise ? [2, 2, 2, 2] : [2, 2, 2, 3] }];
  if (bias) inputs.push({ shape: [outChannels], lo: -0.5, hi: 0.5 });
  if (prelu) inputs.push({ shape: [outChannels], lo: 0.1, hi: 0.6 });
  const tags = [
    activation,
    bias ? "+ bias" : "",
    prelu ? "+ prelu weights" : "",
    alpha === undefined ? "" : `alpha=${alpha}`,
    `strides=${strides}`,
    `pad=${JSON.stringify(pad)}`,
    dilations === 1 ? "" : `dilations=${dilations}`,
  ];
  return {
    name: `${kernel} ${tags.filter((t) => t !== "").join(" ")}`,
    kernel,
    inputs,
    f: (x, filter, ...rest) => {
      const named: tf.NamedTensorMap = { x, filter };
      const [first, second] = rest;
      if (bias && first !== undefined) named.bias = first;
      const weights = bias ? second : first;
      if (prelu && weights !== undefined) named.preluActivationWeights = weights;
      const attrs: tf.NamedAttrMap = { strides, pad, dataFormat: "NHWC", dilations, activation };
      if (alpha !== undefined) attrs.leakyreluAlpha = alpha;
      return tf.engine().runKernel<tf.Tensor>(kernel, named, attrs);
    },
  };
}

function depthwise(name: string, strides: number, pad: Pad, dilations = 1): GradientCase {
  return {
    name: `DepthwiseConv2dNative ${name}`,
    kernel: tf.DepthwiseConv2dNative,
    inputs: [{ shape: [1, 5, 5, 2] }, { shape: [3, 3, 2, 2] }],
    f: (x, w) => tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, strides, pad, "NHWC", dilations),
  };
}

function transpose(
  name: string,
  x: number[],
  filter: number[],
  outShape: [number, number, number, number],
  strides: number,
  pad: "valid" | "same",
): GradientCase {
  return {
    name: `Conv2DBackpropInput (conv2dTranspose) ${name}`,
    kernel: tf.Conv2DBackpropInput,
    inputs: [{ shape: x }, { shape: filter }],
    f: (input, w) => tf.conv2dTranspose(input as tf.Tensor4D, w as tf.Tensor4D, outShape, strides, pad),
  };
}

const cases: GradientCase[] = [
  conv("3x3 stride 1 valid", [1, 5, 5, 2], [3, 3, 2, 3], 1, "valid"),
  conv("3x3 stride 2 same, batch 2", [2, 5, 5, 2], [3, 3, 2, 2], 2, "same"),
  conv("2x2 stride 2 same on an even size", [1, 4, 4, 1], [2, 2, 1, 2], 2, "same"),
  conv("numeric pad 1 stride 2", [1, 5, 5, 1], [3, 3, 1, 2], 2, 1),
  conv("numeric pad 1 stride 2 rounding ceil", [1, 6, 6, 1], [3, 3, 1, 2], 2, 1, { rounding: "ceil" }),
  conv("explicit padding", [1, 4, 4, 2], [2, 3, 2, 2], 1, [
    [0, 0],
    [1, 0],
    [0, 2],
    [0, 0],
  ]),
  conv("rank-3 input", [4, 4, 2], [3, 3, 2, 2], 1, "same"),
  conv("NCHW", [1, 2, 5, 5], [3, 3, 2, 3], 1, "valid", { nchw: true }),
  conv("dilation 2 valid", [1, 6, 6, 2], [2, 3, 2, 2], 1, "valid", { dilations: 2 }),
  conv("dilation [2, 1] same", [1, 5, 5, 1], [3, 2, 1, 2], 1, "same", { dilations: [2, 1] }),
  fused({ kernel: tf.FusedConv2D, activation: "linear", bias: false }),
  fused({ kernel: tf.FusedConv2D, activation: "relu", bias: true, strides: 2, pad: "same" }),
  fused({ kernel: tf.FusedConv2D, activation: "relu6", bias: true }),
  fused({ kernel: tf.FusedConv2D, activation: "elu", bias: true }),
  fused({ kernel: tf.FusedConv2D, activation: "sigmoid", bias: true }),
  fused({ kernel: tf.FusedConv2D, activation: "leakyrelu", bias: true, alpha: -0.3 }),
  fused({ kernel: tf.FusedConv2D, activation: "prelu", bias: true, prelu: true }),
  fused({ kernel: tf.FusedConv2D, activation: "prelu", bias: false, prelu: true, pad: "same" }),
  transpose("stride 1 valid", [1, 3, 3, 3], [3, 3, 2, 3], [1, 5, 5, 2], 1, "valid"),
  transpose("stride 2 same", [1, 3, 3, 2], [3, 3, 1, 2], [1, 6, 6, 1], 2, "same"),
  depthwise("stride 1 valid", 1, "valid"),
  depthwise("stride 2 same", 2, "same"),
  depthwise("dilation 2", 1, "valid", 2),
  depthwise("dilation 2 same", 1, "same", 2),
  fused({ kernel: tf.FusedDepthwiseConv2D, activation: "relu", bias: true }),
  fused({ kernel: tf.FusedConv2D, activation: "elu", bias: true, dilations: 2 }),
  fused({ kernel: tf.FusedDepthwiseConv2D, activation: "prelu", bias: true, prelu: true, pad: "same" }),
];

const WASM_LACKS = "wasm has no Conv2DBackpropFilter or depthwise backprop kernels";

gradientSuite(
  "convolution gradients",
  CONV_GRADIENTS,
  cases.map((c) => ({ ...c, notOnWasm: WASM_LACKS })),
);
