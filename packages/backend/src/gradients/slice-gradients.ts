import * as tf from "@tensorflow/tfjs-core";
import { asFloat32, zerosGradient, type GradientMap } from "./gradient-contract";
import {
  axisAttr,
  numberArrayAttr,
  numberAttr,
  paddingsAttr,
  savedTensors,
  singleDy,
  stringAttr,
} from "./kernel-gradient-args";

const sliceGradient: tf.GradConfig = {
  kernelName: tf.Slice,
  inputsToSave: ["x"],
  gradFunc: (dy, saved, attrs): GradientMap => {
    const g = asFloat32(singleDy(dy, tf.Slice));
    const [x] = savedTensors(saved, 1, tf.Slice);
    const beginAttr = axisAttr(attrs, "begin", tf.Slice) ?? 0;
    const sizeAttr = axisAttr(attrs, "size", tf.Slice) ?? undefined;
    const [begin = []] = tf.slice_util.parseSliceParams(x, beginAttr, sizeAttr);
    // The slice's gradient is dy placed back at its offset inside zeros of the input's shape.
    const paddings = x.shape.map((n, i): [number, number] => [begin[i] ?? 0, n - (begin[i] ?? 0) - (g.shape[i] ?? 0)]);
    return { x: () => tf.pad(g, paddings) };
  },
};

/** Places `t`'s entries `stride` apart along `axis` (zeros between), leaving (n - 1) * stride + 1 entries. */
export function spreadAlongAxis(t: tf.Tensor, axis: number, stride: number): tf.Tensor {
  const n = t.shape[axis] ?? 0;
  const gapShape = [...t.shape.slice(0, axis + 1), stride - 1, ...t.shape.slice(axis + 1)];
  const withGaps = tf.concat([tf.expandDims(t, axis + 1), tf.zeros(gapShape)], axis + 1);
  const spread = tf.reshape(
    withGaps,
    t.shape.map((d, i) => (i === axis ? d * stride : d)),
  );
  const size = spread.shape.map((d, i) => (i === axis ? (n - 1) * stride + 1 : d));
  return tf.slice(
    spread,
    spread.shape.map(() => 0),
    size,
  );
}

const stridedSliceGradient: tf.GradConfig = {
  kernelName: tf.StridedSlice,
  inputsToSave: ["x"],
  gradFunc: (dy, saved, attrs): GradientMap => {
    const g = asFloat32(singleDy(dy, tf.StridedSlice));
    const [x] = savedTensors(saved, 1, tf.StridedSlice);
    const mask = (name: string): number => numberAttr(attrs, name, tf.StridedSlice);
    // sliceInfo resolves masks, ellipsis, new and shrunk axes into one begin/end/stride per input axis.
    const info = tf.slice_util.sliceInfo(
      x.shape,
      numberArrayAttr(attrs, "begin", tf.StridedSlice),
      numberArrayAttr(attrs, "end", tf.StridedSlice),
      numberArrayAttr(attrs, "strides", tf.StridedSlice),
      mask("beginMask"),
      mask("endMask"),
      mask("ellipsisMask"),
      mask("newAxisMask"),
      mask("shrinkAxisMask"),
    );
    const axes = x.shape.map((dim, i) => {
      const begin = info.begin[i] ?? 0;
      const stride = info.strides[i] ?? 1;
      const length = (info.end[i] ?? dim) - begin;
      const count = length === 0 || length < 0 !== stride < 0 ? 0 : Math.ceil(Math.abs(length) / Math.abs(stride));
      // With a negative stride the picked indices, ascending, start (count - 1) strides below `begin`.
      const low = stride > 0 ? begin : begin + (count - 1) * stride;
      return { dim, stride, count, low };
    });
    const counts = axes.map((a) => a.count);
    if (counts.reduce((n, c) => n * c, 1) !== g.size) {
      throw new Error(
        `${tf.StridedSlice} gradient: slice of shape [${counts.join(", ")}] resolved from x shape [${x.shape.join(
          ", ",
        )}] ` + `does not match dy shape [${g.shape.join(", ")}]`,
      );
    }
    return {
      x: () => {
        if (g.size === 0) return zerosGradient(x.shape);
        // dy in the per-input-axis layout (new axes and shrunk axes are size 1 either way).
        let placed = tf.reshape(g, counts);
        const reversed = axes.flatMap((a, i) => (a.stride < 0 ? [i] : []));
        if (reversed.length > 0) placed = tf.reverse(placed, reversed);
        axes.forEach((a, i) => {
          if (Math.abs(a.stride) > 1) placed = spreadAlongAxis(placed, i, Math.abs(a.stride));
        });
        const paddings = axes.map((a): [number, number] => {
          const span = (a.count - 1) * Math.abs(a.stride) + 1;
          return [a.low, a.dim - a.low - span];
        });
        return tf.pad(placed, paddings);
      },
    };
  },
};

const padV2Gradient: tf.GradConfig = {
  kernelName: tf.PadV2,
  inputsToSave: ["x"],
  gradFunc: (dy, saved, attrs): GradientMap => {
    const g = asFloat32(singleDy(dy, tf.PadV2));
    const [x] = savedTensors(saved, 1, tf.PadV2);
    const paddings = paddingsAttr(attrs, "paddings", tf.PadV2);
    return {
      x: () =>
        tf.slice(
          g,
          paddings.map(([before]) => before),
          x.shape,
        ),
    };
  },
};

/**
 * Folds the mirrored borders of `g` along `axis` back onto the entries they copy. "reflect" mirrors around the edge
 * entry (which is not repeated), "symmetric" mirrors including it.
 */
function foldMirrorPadding(
  g: tf.Tensor,
  axis: number,
  n: number,
  [before, after]: [number, number],
  reflect: boolean,
): tf.Tensor {
  const part = (start: number, length: number): tf.Tensor =>
    tf.slice(
      g,
      g.shape.map((_, d) => (d === axis ? start : 0)),
      g.shape.map((s, d) => (d === axis ? length : s)),
    );
  const padAxis = (t: tf.Tensor, low: number, high: number): tf.Tensor =>
    tf.pad(
      t,
      t.shape.map((_, d): [number, number] => (d === axis ? [low, high] : [0, 0])),
    );
  const edge = reflect ? 1 : 0;
  let folded = part(before, n);
  if (before > 0) {
    // Left border entry j, counted from the outside, copies input entry before - 1 - j + edge.
    folded = tf.add(folded, padAxis(tf.reverse(part(0, before), axis), edge, n - before - edge));
  }
  if (after > 0) {
    // Right border entry j, counted from the input side, copies input entry n - 1 - j - edge.
    folded = tf.add(folded, padAxis(tf.reverse(part(before + n, after), axis), n - after - edge, edge));
  }
  return folded;
}

const mirrorPadGradient: tf.GradConfig = {
  kernelName: tf.MirrorPad,
  inputsToSave: ["x"],
  gradFunc: (dy, saved, attrs): GradientMap => {
    const g = asFloat32(singleDy(dy, tf.MirrorPad));
    const [x] = savedTensors(saved, 1, tf.MirrorPad);
    const paddings = paddingsAttr(attrs, "paddings", tf.MirrorPad);
    const mode = stringAttr(attrs, "mode", tf.MirrorPad);
    if (mode !== "reflect" && mode !== "symmetric") {
      throw new Error(
        `${tf.MirrorPad} gradient: attr 'mode' must be "reflect" or "symmetric", got ${JSON.stringify(mode)}`,
      );
    }
    return {
      x: () =>
        // Mirror padding acts on each axis independently, so the borders can be folded back one axis at a time.
        x.shape.reduce(
          (acc, n, axis) => foldMirrorPadding(acc, axis, n, paddings[axis] ?? [0, 0], mode === "reflect"),
          g,
        ),
    };
  },
};

/** Gradients of the kernels that cut a region out of a tensor or pad one around it. */
export const SLICE_GRADIENTS: readonly tf.GradConfig[] = [
  sliceGradient,
  stridedSliceGradient,
  padV2Gradient,
  mirrorPadGradient,
];
