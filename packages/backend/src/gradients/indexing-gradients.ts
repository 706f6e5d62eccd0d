import * as tf from "@tensorflow/tfjs-core";
import { asFloat32, zerosGradient, type GradientMap } from "./gradient-contract";
import { numberAttr, optionalNumberAttr, savedTensors, singleDy } from "./kernel-gradient-args";

function product(dims: readonly number[]): number {
  return dims.reduce((n, d) => n * d, 1);
}

/**
 * Sums the rows of `values` ([m, d]) into `numSegments` rows by the int32 `ids` ([m]). Uses the UnsortedSegmentSum
 * kernel where the active backend has one (cpu does, wasm does not); elsewhere a one-hot matrix product, which costs
 * m * numSegments * d but needs only kernels every backend has.
 */
export function segmentSumRows(values: tf.Tensor, ids: tf.Tensor, numSegments: number): tf.Tensor {
  if (tf.getKernel(tf.UnsortedSegmentSum, tf.getBackend()) !== undefined) {
    return tf.unsortedSegmentSum(values, tf.reshape<tf.Rank.R1>(ids, [-1]), numSegments);
  }
  return segmentSumRowsByMatMul(values, ids, numSegments);
}

/** The one-hot formulation of {@link segmentSumRows}, exported so it can be tested on backends that have the kernel. */
export function segmentSumRowsByMatMul(values: tf.Tensor, ids: tf.Tensor, numSegments: number): tf.Tensor {
  // Cast rather than oneHot's dtype argument: wasm's OneHot writes int32 bits whatever dtype it is asked for.
  const assignment = tf.cast(tf.oneHot(tf.reshape(ids, [-1]), numSegments), "float32");
  return tf.matMul(assignment, values, true, false);
}

const gatherGradient: tf.GradConfig = {
  kernelName: tf.GatherV2,
  inputsToSave: ["x", "indices"],
  gradFunc: (dy, saved, attrs): GradientMap => {
    const g = asFloat32(singleDy(dy, tf.GatherV2));
    const [x, indices] = savedTensors(saved, 2, tf.GatherV2);
    const rawAxis = numberAttr(attrs, "axis", tf.GatherV2);
    const rawBatchDims = optionalNumberAttr(attrs, "batchDims", tf.GatherV2, 0);
    const axis = rawAxis < 0 ? rawAxis + x.rank : rawAxis;
    const batchDims = rawBatchDims < 0 ? rawBatchDims + indices.rank : rawBatchDims;
    return {
      x: () => {
        // Scatter-add dy back along `axis`. Batch dims are folded into the segment id (batch * n + index) so one
        // segment sum handles them; dy is laid out [batch, before-axis, index, after-axis].
        const n = x.shape[axis] ?? 0;
        const batch = product(x.shape.slice(0, batchDims));
        const before = product(x.shape.slice(batchDims, axis));
        const picked = product(indices.shape.slice(batchDims));
        const after = product(x.shape.slice(axis + 1));
        const rows = tf.reshape(tf.transpose(tf.reshape(g, [batch, before, picked, after]), [0, 2, 1, 3]), [
          batch * picked,
          before * after,
        ]);
        const offsets = tf.reshape(tf.mul(tf.range(0, batch, 1, "int32"), tf.scalar(n, "int32")), [batch, 1]);
        const ids = tf.reshape(tf.add(tf.reshape(tf.cast(indices, "int32"), [batch, picked]), offsets), [-1]);
        const summed = tf.reshape(segmentSumRows(rows, ids, batch * n), [batch, n, before, after]);
        return tf.reshape(tf.transpose(summed, [0, 2, 1, 3]), x.shape);
      },
      indices: () => zerosGradient(indices.shape),
    };
  },
};

const unsortedSegmentSumGradient: tf.GradConfig = {
  kernelName: tf.UnsortedSegmentSum,
  inputsToSave: ["segmentIds"],
  gradFunc: (dy, saved, attrs): GradientMap => {
    const g = asFloat32(singleDy(dy, tf.UnsortedSegmentSum));
    const [segmentIds] = savedTensors(saved, 1, tf.UnsortedSegmentSum);
    const numSegments = numberAttr(attrs, "numSegments", tf.UnsortedSegmentSum);
    return {
      x: () => {
        // Each input row receives its segment's gradient; rows with an out-of-range id were dropped and get zero.
        const ids = tf.cast(segmentIds, "int32");
        const valid = tf.logicalAnd(tf.greaterEqual(ids, 0), tf.less(ids, numSegments));
        const gathered = tf.gather(g, tf.clipByValue(ids, 0, Math.max(numSegments - 1, 0)), 0);
        const validShape = [...ids.shape, ...new Array<number>(gathered.rank - ids.rank).fill(1)];
        return tf.mul(gathered, tf.reshape(tf.cast(valid, "float32"), validShape));
      },
      segmentIds: () => zerosGradient(segmentIds.shape),
    };
  },
};

const selectGradient: tf.GradConfig = {
  kernelName: tf.Select,
  inputsToSave: ["condition"],
  gradFunc: (dy, saved): GradientMap => {
    const g = asFloat32(singleDy(dy, tf.Select));
    const [condition] = savedTensors(saved, 1, tf.Select);
    // tf.where broadcasts all three operands to one shape before running Select, so dy, t and e share a shape.
    return {
      condition: () => zerosGradient(condition.shape),
      t: () => tf.where(condition, g, tf.zerosLike(g)),
      e: () => tf.where(condition, tf.zerosLike(g), g),
    };
  },
};

/** Gradients of the kernels that pick entries by index or by mask. */
export const INDEXING_GRADIENTS: readonly tf.GradConfig[] = [
  gatherGradient,
  unsortedSegmentSumGradient,
  selectGradient,
];
