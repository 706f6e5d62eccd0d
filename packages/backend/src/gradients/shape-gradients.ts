import * as tf from "@tensorflow/tfjs-core";
import { asFloat32, reduceGradientToShape, type GradientMap } from "./gradient-contract";
import { axisAttr, dyList, numberArrayAttr, numberAttr, savedTensors, singleDy } from "./kernel-gradient-args";

/** A kernel that only rearranges its input, so the gradient is dy reshaped back to the input's shape. */
function reshapeBack(kernelName: string, inputName: string): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: [inputName],
    gradFunc: (dy, saved): GradientMap => {
      const g = singleDy(dy, kernelName);
      const [input] = savedTensors(saved, 1, kernelName);
      return { [inputName]: () => tf.reshape(asFloat32(g), input.shape) };
    },
  };
}

function normalizeAxis(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}

const transposeGradient: tf.GradConfig = {
  kernelName: tf.Transpose,
  gradFunc: (dy, _saved, attrs): GradientMap => {
    const g = asFloat32(singleDy(dy, tf.Transpose));
    const perm = numberArrayAttr(attrs, "perm", tf.Transpose);
    return { x: () => tf.transpose(g, tf.backend_util.getUndoAxesPermutation(perm)) };
  },
};

const concatGradient: tf.GradConfig = {
  kernelName: tf.Concat,
  // Concat takes a list; the saved inputs give the number of pieces and their sizes along the axis.
  saveAllInputs: true,
  gradFunc: (dy, saved, attrs): GradientMap => {
    const g = asFloat32(singleDy(dy, tf.Concat));
    const axis = normalizeAxis(numberAttr(attrs, "axis", tf.Concat), g.rank);
    const sizes = saved.map((t) => t.shape[axis] ?? 0);
    const grads: GradientMap = {};
    let offset = 0;
    saved.forEach((t, i) => {
      const begin = g.shape.map((_, d) => (d === axis ? offset : 0));
      const size = t.shape.map((n, d) => (d === axis ? (sizes[i] ?? 0) : n));
      grads[String(i)] = () => tf.slice(g, begin, size);
      offset += sizes[i] ?? 0;
    });
    return grads;
  },
};

const packGradient: tf.GradConfig = {
  kernelName: tf.Pack,
  gradFunc: (dy, _saved, attrs): GradientMap => {
    const g = asFloat32(singleDy(dy, tf.Pack));
    const axis = normalizeAxis(numberAttr(attrs, "axis", tf.Pack), g.rank);
    const size = g.shape.map((n, d) => (d === axis ? 1 : n));
    const grads: GradientMap = {};
    // One slice per requested input rather than a full unstack in every thunk, which would be quadratic.
    for (let i = 0; i < (g.shape[axis] ?? 0); i++) {
      const begin = g.shape.map((_, d) => (d === axis ? i : 0));
      grads[String(i)] = () => tf.squeeze(tf.slice(g, begin, size), [axis]);
    }
    return grads;
  },
};

const unpackGradient: tf.GradConfig = {
  kernelName: tf.Unpack,
  gradFunc: (dy, _saved, attrs): GradientMap => {
    // Outputs that do not reach the loss arrive as zeros of the output's dtype; stack needs one dtype.
    const gs = dyList(dy).map(asFloat32);
    const rank = (gs[0]?.rank ?? 0) + 1;
    const axis = normalizeAxis(numberAttr(attrs, "axis", tf.Unpack), rank);
    return { value: () => tf.stack(gs, axis) };
  },
};

const splitVGradient: tf.GradConfig = {
  kernelName: tf.SplitV,
  gradFunc: (dy, _saved, attrs): GradientMap => {
    const gs = dyList(dy).map(asFloat32);
    const axis = numberAttr(attrs, "axis", tf.SplitV);
    return { x: () => tf.concat(gs, axis) };
  },
};

const tileGradient: tf.GradConfig = {
  kernelName: tf.Tile,
  inputsToSave: ["x"],
  gradFunc: (dy, saved, attrs): GradientMap => {
    const g = asFloat32(singleDy(dy, tf.Tile));
    const [x] = savedTensors(saved, 1, tf.Tile);
    const reps = numberArrayAttr(attrs, "reps", tf.Tile);
    return {
      x: () => {
        // Along each axis the output is reps[i] copies of the input laid end to end, so splitting every axis into
        // [reps[i], x.shape[i]] lines the copies up on the even axes, which are summed away.
        const interleaved = x.shape.flatMap((n, i) => [reps[i] ?? 1, n]);
        const copyAxes = x.shape.map((_, i) => 2 * i);
        return tf.reshape(tf.sum(tf.reshape(g, interleaved), copyAxes), x.shape);
      },
    };
  },
};

const broadcastToGradient: tf.GradConfig = {
  kernelName: tf.BroadcastTo,
  inputsToSave: ["x"],
  gradFunc: (dy, saved): GradientMap => {
    const g = singleDy(dy, tf.BroadcastTo);
    const [x] = savedTensors(saved, 1, tf.BroadcastTo);
    return { x: () => reduceGradientToShape(g, x.shape) };
  },
};

const reverseGradient: tf.GradConfig = {
  kernelName: tf.Reverse,
  gradFunc: (dy, _saved, attrs): GradientMap => {
    const g = asFloat32(singleDy(dy, tf.Reverse));
    const dims = axisAttr(attrs, "dims", tf.Reverse);
    return { x: () => tf.reverse(g, dims ?? undefined) };
  },
};

/** Gradients of the kernels that reshape, permute, join, split or repeat tensors. */
export const SHAPE_GRADIENTS: readonly tf.GradConfig[] = [
  reshapeBack(tf.Reshape, "x"),
  reshapeBack(tf.ExpandDims, "input"),
  transposeGradient,
  concatGradient,
  packGradient,
  unpackGradient,
  splitVGradient,
  tileGradient,
  broadcastToGradient,
  reverseGradient,
];
