import * as tf from "@tensorflow/tfjs-core";
import { asFloat32, reduceGradientToShape, type GradientMap } from "./gradient-contract";
import { optionalNumberAttr, pickAttrs, savedTensors, singleDy, stringAttr } from "./kernel-gradient-args";
import { spreadAlongAxis } from "./slice-gradients";
import {
  decodeFusedSaved,
  fusedActivationAttr,
  fusedActivationGradient,
  fusedInputsToSave,
} from "./fused-kernel-gradient";

type ConvKind = "conv2d" | "depthwise";

function run(kernelName: string, inputs: tf.NamedTensorMap, attrs: tf.NamedAttrMap): tf.Tensor {
  return tf.engine().runKernel<tf.Tensor>(kernelName, inputs, attrs);
}

/** The dilation rates [height, width] from a `dilations` attr (a number, a pair, or absent for 1). */
function dilationRates(attrs: tf.NamedAttrMap, kernelName: string): [number, number] {
  const value = attrs.dilations;
  if (value === undefined || value === null) return [1, 1];
  if (typeof value === "number") return [value, value];
  if (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === "number"))
    return [value[0] as number, value[1] as number];
  throw new Error(
    `${kernelName} gradient: attr 'dilations' must be a number or a pair of numbers, got ${JSON.stringify(value)}`,
  );
}

/** Backprop kernels for each convolution kind, and the attrs they take from the forward kernel. */
const BACKPROP = {
  conv2d: {
    input: tf.Conv2DBackpropInput,
    filter: tf.Conv2DBackpropFilter,
    forward: tf.Conv2D,
    attrs: ["strides", "pad", "dataFormat", "dimRoundingMode"],
  },
  depthwise: {
    input: tf.DepthwiseConv2dNativeBackpropInput,
    filter: tf.DepthwiseConv2dNativeBackpropFilter,
    forward: tf.DepthwiseConv2dNative,
    attrs: ["strides", "pad", "dimRoundingMode"],
  },
} as const;

function checkDataFormat(kind: ConvKind, attrs: tf.NamedAttrMap, kernelName: string, fused: boolean): void {
  // The depthwise backprop kernels are NHWC-only, and a fused bias is broadcast over the last (channel) axis.
  const dataFormat = stringAttr(attrs, "dataFormat", kernelName, "NHWC");
  if ((kind === "depthwise" || fused) && dataFormat !== "NHWC") {
    throw new Error(`${kernelName} gradient: dataFormat must be "NHWC", got ${JSON.stringify(dataFormat)}`);
  }
}

/**
 * Gradients of a convolution with respect to its input and filter, through the backend's backprop kernels.
 *
 * Those kernels have no dilation (Conv2DBackpropInput/Filter take none; cpu's depthwise ones accept the attr but
 * ignore it), so a dilated convolution is handled as the undilated one with the filter's taps spread `rate` apart
 * and zeros between — the same sum, and the same padding, since padding follows the dilated filter's extent. Its
 * filter gradient is the spread filter's, read back at the taps.
 */
function convGradients(
  kind: ConvKind,
  dy: tf.Tensor,
  x: tf.Tensor,
  filter: tf.Tensor,
  attrs: tf.NamedAttrMap,
  kernelName: string,
): { x: () => tf.Tensor; filter: () => tf.Tensor } {
  const kernels = BACKPROP[kind];
  const shared: tf.NamedAttrMap = { ...pickAttrs(attrs, kernels.attrs), dilations: 1 };
  const [rateH, rateW] = dilationRates(attrs, kernelName);
  const dilated = rateH > 1 || rateW > 1;
  const [kh = 1, kw = 1, ...channels] = filter.shape;
  const spreadShape = [(kh - 1) * rateH + 1, (kw - 1) * rateW + 1, ...channels];
  const g = asFloat32(dy);
  return {
    x: () => {
      const spread = dilated ? spreadAlongAxis(spreadAlongAxis(filter, 0, rateH), 1, rateW) : filter;
      return run(kernels.input, { dy: g, filter: spread }, { ...shared, inputShape: x.shape });
    },
    filter: () => {
      const grad = run(kernels.filter, { x, dy: g }, { ...shared, filterShape: spreadShape });
      return dilated ? tf.stridedSlice(grad, [0, 0, 0, 0], spreadShape, [rateH, rateW, 1, 1]) : grad;
    },
  };
}

function plainConvGradient(kind: ConvKind, kernelName: string): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: ["x", "filter"],
    gradFunc: (dy, saved, attrs): GradientMap => {
      checkDataFormat(kind, attrs, kernelName, false);
      const [x, filter] = savedTensors(saved, 2, kernelName);
      return convGradients(kind, singleDy(dy, kernelName), x, filter, attrs, kernelName);
    },
  };
}

function fusedConvGradient(kind: ConvKind, kernelName: string): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: fusedInputsToSave("x", "filter"),
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs): GradientMap => {
      checkDataFormat(kind, attrs, kernelName, true);
      const activation = fusedActivationAttr(attrs, kernelName);
      const { first: x, second: filter, bias, prelu, y } = decodeFusedSaved(saved, activation, kernelName);
      const preActivation = (): tf.Tensor => {
        const forwardAttrs = pickAttrs(attrs, ["strides", "pad", "dataFormat", "dilations", "dimRoundingMode"]);
        const conv = run(BACKPROP[kind].forward, { x, filter }, forwardAttrs);
        return bias === undefined ? conv : tf.add(conv, bias);
      };
      const { dz, dPrelu } = fusedActivationGradient(
        singleDy(dy, kernelName),
        y,
        activation,
        optionalNumberAttr(attrs, "leakyreluAlpha", kernelName, 0.2),
        prelu,
        preActivation,
      );
      const grads: GradientMap = convGradients(kind, dz, x, filter, attrs, kernelName);
      if (bias !== undefined) grads.bias = () => reduceGradientToShape(dz, bias.shape);
      if (dPrelu !== undefined) grads.preluActivationWeights = dPrelu;
      return grads;
    },
  };
}

/**
 * Conv2DBackpropInput as a forward kernel (it is what conv2dTranspose runs): y = Wᵀ·dy for the convolution W, so
 * its gradient with respect to its `dy` input is the convolution itself, and with respect to the filter it is the
 * filter gradient of a convolution whose input is the upstream gradient and whose output gradient is `dy`.
 */
const conv2DBackpropInputGradient: tf.GradConfig = {
  kernelName: tf.Conv2DBackpropInput,
  inputsToSave: ["dy", "filter"],
  gradFunc: (upstream, saved, attrs): GradientMap => {
    const g = asFloat32(singleDy(upstream, tf.Conv2DBackpropInput));
    const [dyInput, filter] = savedTensors(saved, 2, tf.Conv2DBackpropInput);
    const shared = pickAttrs(attrs, BACKPROP.conv2d.attrs);
    return {
      dy: () => run(tf.Conv2D, { x: g, filter }, { ...shared, dilations: 1 }),
      filter: () => run(tf.Conv2DBackpropFilter, { x: g, dy: dyInput }, { ...shared, filterShape: filter.shape }),
    };
  },
};

/** Gradients of the 2-D convolution kernels. */
export const CONV_GRADIENTS: readonly tf.GradConfig[] = [
  plainConvGradient("conv2d", tf.Conv2D),
  fusedConvGradient("conv2d", tf.FusedConv2D),
  conv2DBackpropInputGradient,
  plainConvGradient("depthwise", tf.DepthwiseConv2dNative),
  fusedConvGradient("depthwise", tf.FusedDepthwiseConv2D),
];
