import * as tf from "@tensorflow/tfjs-core";
import { zerosGradient, type GradientMap } from "./gradient-contract";
import { savedTensors, singleDy } from "./kernel-gradient-args";

/*
 * Kernels whose outputs are piecewise constant in their inputs (rounding, comparisons, arg-reductions) or have no
 * numeric meaning (booleans, indices). The engine walks every node between the variables and the loss and throws
 * "gradient function not found" for any of them without a registered gradient — `where(greater(x, 0), x, 0)` puts
 * Greater on that path through Select's condition — and it requires a float32 gradient of the input's shape for each
 * such input. So these get explicit zero gradients rather than none.
 */

/** Output has the input's shape, so the zeros take dy's shape and nothing needs saving. */
function sameShapeZero(kernelName: string): tf.GradConfig {
  return {
    kernelName,
    gradFunc: (dy): GradientMap => {
      const g = singleDy(dy, kernelName);
      return { x: () => zerosGradient(g.shape) };
    },
  };
}

/** Broadcasting binary kernel: the inputs' shapes come from the saved inputs. */
function binaryZero(kernelName: string): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: ["a", "b"],
    gradFunc: (_dy, saved): GradientMap => {
      const [a, b] = savedTensors(saved, 2, kernelName);
      return { a: () => zerosGradient(a.shape), b: () => zerosGradient(b.shape) };
    },
  };
}

/** Reducing kernel (ArgMax, All, ...): the input's shape comes from the saved input. */
function reducingZero(kernelName: string): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: ["x"],
    gradFunc: (_dy, saved): GradientMap => {
      const [x] = savedTensors(saved, 1, kernelName);
      return { x: () => zerosGradient(x.shape) };
    },
  };
}

const oneHotGradient: tf.GradConfig = {
  kernelName: tf.OneHot,
  gradFunc: (dy): GradientMap => {
    // The output appends a depth axis to the indices' shape.
    const g = singleDy(dy, tf.OneHot);
    return { indices: () => zerosGradient(g.shape.slice(0, -1)) };
  },
};

/** Zero gradients for piecewise-constant and non-numeric kernels. */
export const ZERO_GRADIENTS: readonly tf.GradConfig[] = [
  ...[
    tf.Sign,
    tf.Step,
    tf.Round,
    tf.Floor,
    tf.Ceil,
    tf.IsNan,
    tf.IsInf,
    tf.IsFinite,
    tf.LogicalNot,
    tf.ZerosLike,
    tf.OnesLike,
  ].map(sameShapeZero),
  ...[tf.Equal, tf.NotEqual, tf.Greater, tf.GreaterEqual, tf.Less, tf.LessEqual, tf.LogicalAnd, tf.LogicalOr].map(
    binaryZero,
  ),
  ...[tf.ArgMax, tf.ArgMin, tf.All, tf.Any].map(reducingZero),
  oneHotGradient,
];
