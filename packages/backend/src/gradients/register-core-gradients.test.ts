import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { beforeAll, describe, expect, it } from "vitest";
import { CORE_GRADIENT_KERNELS, registerCoreGradients } from "./register-core-gradients";

// What tdrl's MLPs, ConvNets, recurrent cells, dueling heads, DQN losses and optimizers differentiate through.
const REQUIRED = [
  ...[
    "Add",
    "Sub",
    "Multiply",
    "RealDiv",
    "Maximum",
    "Minimum",
    "SquaredDifference",
    "Pow",
    "AddN",
    "FloorDiv",
    "Mod",
    "Atan2",
  ],
  ...[
    "Neg",
    "Abs",
    "Exp",
    "Log",
    "Log1p",
    "Expm1",
    "Sqrt",
    "Rsqrt",
    "Square",
    "Reciprocal",
    "Sign",
    "Step",
    "Round",
    "Floor",
  ],
  ...["Ceil", "Cast", "ClipByValue", "Identity", "Erf"],
  ...["Relu", "Relu6", "Elu", "Selu", "LeakyRelu", "Prelu", "Sigmoid", "Tanh", "Softplus", "Softmax", "LogSoftmax"],
  ...["Sum", "Mean", "Max", "Min", "Prod"],
  ...["Reshape", "ExpandDims", "Transpose", "Slice", "StridedSlice", "Concat", "Pack", "Unpack", "SplitV", "Tile"],
  ...["BroadcastTo", "PadV2", "MirrorPad", "Reverse", "Select", "GatherV2", "OneHot", "ZerosLike", "OnesLike", "Equal"],
  ...["Greater", "Less"],
  ...[
    "BatchMatMul",
    "_FusedMatMul",
    "Conv2D",
    "FusedConv2D",
    "Conv2DBackpropInput",
    "DepthwiseConv2dNative",
    "MaxPool",
    "AvgPool",
  ],
];

describe("registerCoreGradients", () => {
  const dummy: tf.GradConfig = { kernelName: tf.Cosh, gradFunc: () => ({ x: () => tf.scalar(0) }) };

  beforeAll(async () => {
    await tf.setBackend("cpu");
  });

  it("is needed: tfjs-core alone registers no gradients", () => {
    expect(tf.getGradient(tf.Sum)).toBeUndefined();
    expect(() => tf.grad((x: tf.Tensor) => tf.sum(x))(tf.ones([2]))).toThrow(/gradient function not found for Sum/);
  });

  it("keeps a gradient registered before it, and registers every listed kernel", () => {
    tf.registerGradient(dummy);
    registerCoreGradients();
    expect(tf.getGradient(tf.Cosh)).toBe(dummy);
    expect(CORE_GRADIENT_KERNELS.filter((k) => tf.getGradient(k) === undefined)).toEqual([]);
  });

  it("covers the kernels tdrl differentiates through, each once", () => {
    expect(REQUIRED.filter((k) => !CORE_GRADIENT_KERNELS.includes(k))).toEqual([]);
    expect(new Set(CORE_GRADIENT_KERNELS).size).toBe(CORE_GRADIENT_KERNELS.length);
  });

  it("changes nothing when called again", () => {
    const before = CORE_GRADIENT_KERNELS.map((k) => tf.getGradient(k));
    registerCoreGradients();
    registerCoreGradients();
    expect(CORE_GRADIENT_KERNELS.map((k) => tf.getGradient(k))).toEqual(before);
    expect(CORE_GRADIENT_KERNELS.map((k) => tf.getGradient(k)).every((g, i) => g === before[i])).toBe(true);
    expect(tf.getGradient(tf.Cosh)).toBe(dummy);
  });

  it("fills a kernel back in once its gradient is unregistered", () => {
    tf.unregisterGradient(tf.Cosh);
    registerCoreGradients();
    expect(tf.getGradient(tf.Cosh)).not.toBe(dummy);
    expect(tf.getGradient(tf.Cosh)?.kernelName).toBe(tf.Cosh);
  });

  it("makes tf.grad work", () => {
    const x = tf.tensor1d([1, 2, 3]);
    const dx = tf.grad((v: tf.Tensor) => tf.sum(tf.square(v)))(x);
    expect(Array.from(dx.dataSync())).toEqual([2, 4, 6]);
    tf.dispose([x, dx]);
  });
});
