import * as tf from "@tensorflow/tfjs-core";
import { asFloat32, type GradientMap } from "./gradient-contract";
import { pickAttrs, savedTensors, singleDy } from "./kernel-gradient-args";

const POOL_ATTRS = ["filterSize", "strides", "pad", "dimRoundingMode"] as const;

const maxPoolGradient: tf.GradConfig = {
  kernelName: tf.MaxPool,
  inputsToSave: ["x"],
  outputsToSave: [true],
  gradFunc: (dy, saved, attrs): GradientMap => {
    const g = asFloat32(singleDy(dy, tf.MaxPool));
    const [x, y] = savedTensors(saved, 2, tf.MaxPool);
    return {
      x: () => {
        // MaxPoolGrad routes each window's gradient to the position of its maximum. wasm's (4.22) compares against
        // the zero padding as if it were data, so a window of negative values next to numeric padding loses its
        // gradient; shifting input and output to be >= 1 keeps the argmax and takes the padding out of the race.
        const shift = tf.getBackend() === "wasm" ? tf.maximum(tf.sub(1, tf.min(x)), 0) : undefined;
        const input = shift === undefined ? x : tf.add(x, shift);
        const output = shift === undefined ? y : tf.add(y, shift);
        return tf.engine().runKernel<tf.Tensor>(tf.MaxPoolGrad, { dy: g, input, output }, pickAttrs(attrs, POOL_ATTRS));
      },
    };
  },
};

function windowSize(attrs: tf.NamedAttrMap): [number, number] {
  const value = attrs.filterSize;
  if (typeof value === "number") return [value, value];
  if (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === "number"))
    return [value[0] as number, value[1] as number];
  throw new Error(
    `${tf.AvgPool} gradient: attr 'filterSize' must be a number or a pair of numbers, got ${JSON.stringify(value)}`,
  );
}

/**
 * The AvgPool kernels (cpu, wasm) average over the window's positions inside the input, leaving padding out, while
 * their AvgPoolGrad divides by the full window size — wrong wherever a window overlaps the padding. So the gradient
 * is built from convolutions with an all-ones filter instead: the same windows give each window's count of real
 * positions, and Conv2DBackpropInput spreads dy / count back over every window's positions. Channels are moved into
 * the batch axis so the one-channel filter pools each channel on its own.
 */
const avgPoolGradient: tf.GradConfig = {
  kernelName: tf.AvgPool,
  inputsToSave: ["x"],
  gradFunc: (dy, saved, attrs): GradientMap => {
    const g = asFloat32(singleDy(dy, tf.AvgPool));
    const [x] = savedTensors(saved, 1, tf.AvgPool);
    return {
      x: () => {
        const [batch = 1, height = 1, width = 1, channels = 1] = x.shape;
        const [outHeight = 1, outWidth = 1] = g.shape.slice(1, 3);
        const ones = tf.ones([...windowSize(attrs), 1, 1]);
        const window = { ...pickAttrs(attrs, ["strides", "pad", "dimRoundingMode"]), dataFormat: "NHWC" };
        const counts = tf
          .engine()
          .runKernel<tf.Tensor>(
            tf.Conv2D,
            { x: tf.ones([1, height, width, 1]), filter: ones },
            { ...window, dilations: 1 },
          );
        const perWindow = tf.div(g, counts);
        const channelsAsBatch = tf.reshape(tf.transpose(perWindow, [0, 3, 1, 2]), [
          batch * channels,
          outHeight,
          outWidth,
          1,
        ]);
        const spread = tf
          .engine()
          .runKernel<tf.Tensor>(
            tf.Conv2DBackpropInput,
            { dy: channelsAsBatch, filter: ones },
            { ...window, inputShape: [batch * channels, height, width, 1] },
          );
        return tf.transpose(tf.reshape(spread, [batch, channels, height, width]), [0, 2, 3, 1]);
      },
    };
  },
};

/** Gradients of the 2-D pooling kernels. */
export const POOL_GRADIENTS: readonly tf.GradConfig[] = [maxPoolGradient, avgPoolGradient];
