import * as tf from "@tensorflow/tfjs-core";
import { asFloat32, type GradientMap } from "./gradient-contract";
import { axisAttr, booleanAttr, numberAttr, savedTensors, singleDy } from "./kernel-gradient-args";

/** The reduced axes (made non-negative) and the input's shape with those axes kept as 1. */
function reductionGeometry(xShape: number[], axis: number | number[] | null): { axes: number[]; keptShape: number[] } {
  const axes = tf.util.parseAxisParam(axis ?? xShape.map((_, i) => i), xShape);
  return { axes, keptShape: xShape.map((d, i) => (axes.includes(i) ? 1 : d)) };
}

/** dy back in the input's shape: whether or not keepDims was set, dy has the kept shape's size. */
function spread(dy: tf.Tensor, xShape: number[], keptShape: number[]): tf.Tensor {
  return tf.broadcastTo(tf.reshape(asFloat32(dy), keptShape), xShape);
}

/** A reduction whose gradient needs only the input's shape and the reduced axes. */
function shapeOnlyReduction(
  kernelName: string,
  axisName: string,
  rule: (dy: tf.Tensor, xShape: number[], axes: number[], keptShape: number[]) => tf.Tensor,
): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: ["x"],
    gradFunc: (dy, saved, attrs): GradientMap => {
      const g = singleDy(dy, kernelName);
      const [x] = savedTensors(saved, 1, kernelName);
      const { axes, keptShape } = reductionGeometry(x.shape, axisAttr(attrs, axisName, kernelName));
      return { x: () => rule(g, x.shape, axes, keptShape) };
    },
  };
}

/**
 * Max and Min: the gradient goes to the elements equal to the result, split evenly among ties (a valid subgradient
 * that keeps the total equal to dy, as TensorFlow does).
 */
function extremumReduction(kernelName: string, axisName: string): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: ["x"],
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs): GradientMap => {
      const g = singleDy(dy, kernelName);
      const [x, y] = savedTensors(saved, 2, kernelName);
      const { axes, keptShape } = reductionGeometry(x.shape, axisAttr(attrs, axisName, kernelName));
      return {
        x: () => {
          const hits = tf.cast(tf.equal(x, tf.reshape(y, keptShape)), "float32");
          const share = tf.div(hits, tf.sum(hits, axes, true));
          return tf.mul(share, tf.reshape(asFloat32(g), keptShape));
        },
      };
    },
  };
}

/**
 * d prod / d x_i is the product of the other elements. prod / x_i would fail at zeros, so the reduced axes are moved
 * last and flattened, and the product of the others is an exclusive cumprod from the left times one from the right.
 */
const prodGradient: tf.GradConfig = {
  kernelName: tf.Prod,
  inputsToSave: ["x"],
  gradFunc: (dy, saved, attrs): GradientMap => {
    const g = singleDy(dy, tf.Prod);
    const [x] = savedTensors(saved, 1, tf.Prod);
    const { axes } = reductionGeometry(x.shape, axisAttr(attrs, "axis", tf.Prod));
    return {
      x: () => {
        const kept = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
        const perm = [...kept, ...axes];
        const permuted = tf.transpose(asFloat32(x), perm);
        const outer = kept.reduce((n, i) => n * (x.shape[i] ?? 1), 1);
        const inner = axes.reduce((n, i) => n * (x.shape[i] ?? 1), 1);
        const flat = tf.reshape(permuted, [outer, inner]);
        const others = tf.mul(tf.cumprod(flat, 1, true, false), tf.cumprod(flat, 1, true, true));
        const scaled = tf.reshape(tf.mul(others, tf.reshape(asFloat32(g), [outer, 1])), permuted.shape);
        return tf.transpose(scaled, tf.backend_util.getUndoAxesPermutation(perm));
      },
    };
  },
};

const cumsumGradient: tf.GradConfig = {
  kernelName: tf.Cumsum,
  gradFunc: (dy, _saved, attrs): GradientMap => {
    const g = asFloat32(singleDy(dy, tf.Cumsum));
    const axis = numberAttr(attrs, "axis", tf.Cumsum);
    const exclusive = booleanAttr(attrs, "exclusive", tf.Cumsum);
    const reverse = booleanAttr(attrs, "reverse", tf.Cumsum);
    // Each input feeds every later (earlier, when reversed) partial sum, so its gradient is the scan run the other
    // way.
    return { x: () => tf.cumsum(g, axis, exclusive, !reverse) };
  },
};

/** Gradients of the reduction kernels (and Cumsum, the running reduction). */
export const REDUCTION_GRADIENTS: readonly tf.GradConfig[] = [
  shapeOnlyReduction(tf.Sum, "axis", (dy, xShape, _axes, keptShape) => spread(dy, xShape, keptShape)),
  shapeOnlyReduction(tf.Mean, "axis", (dy, xShape, axes, keptShape) => {
    const count = axes.reduce((n, i) => n * (xShape[i] ?? 1), 1);
    return tf.div(spread(dy, xShape, keptShape), count);
  }),
  // The Max kernel names its axis attr `reductionIndices`; Min calls it `axis`.
  extremumReduction(tf.Max, "reductionIndices"),
  extremumReduction(tf.Min, "axis"),
  prodGradient,
  cumsumGradient,
];
