import * as tf from "@tensorflow/tfjs-core";
import { gradientSuite } from "../../test/gradient-test-suite";
import type { GradientCase } from "../../test/numeric-gradient-check";
import { SHAPE_GRADIENTS } from "./shape-gradients";

// tf.broadcastTo runs Tile; the BroadcastTo kernel exists only on some backends (none of cpu/wasm). A test-only cpu
// kernel makes the gradient reachable.
if (tf.getKernel(tf.BroadcastTo, "cpu") === undefined) {
  tf.registerKernel({
    kernelName: tf.BroadcastTo,
    backendName: "cpu",
    kernelFunc: ({ inputs, attrs }) => {
      const x = inputs.x as tf.Tensor;
      const shape = attrs?.shape as number[];
      return tf.tidy(() => tf.broadcastTo(x, shape));
    },
  });
}

function pick(parts: tf.Tensor[], i: number): tf.Tensor {
  const part = parts[i];
  if (part === undefined) throw new Error(`no part ${i}`);
  return part;
}

const cases: GradientCase[] = [
  { name: "Reshape [2,3] to [3,2]", kernel: tf.Reshape, inputs: [{ shape: [2, 3] }], f: (x) => tf.reshape(x, [3, 2]) },
  { name: "Reshape with -1", kernel: tf.Reshape, inputs: [{ shape: [2, 3, 2] }], f: (x) => tf.reshape(x, [-1, 4]) },
  { name: "ExpandDims at axis 1", kernel: tf.ExpandDims, inputs: [{ shape: [2, 3] }], f: (x) => tf.expandDims(x, 1) },
  { name: "ExpandDims at axis -1", kernel: tf.ExpandDims, inputs: [{ shape: [3] }], f: (x) => tf.expandDims(x, -1) },
  { name: "Transpose [1, 0]", kernel: tf.Transpose, inputs: [{ shape: [2, 3] }], f: (x) => tf.transpose(x) },
  {
    name: "Transpose [2, 0, 1]",
    kernel: tf.Transpose,
    inputs: [{ shape: [2, 3, 4] }],
    f: (x) => tf.transpose(x, [2, 0, 1]),
  },
  {
    name: "Concat three pieces along axis 1",
    kernel: tf.Concat,
    inputs: [{ shape: [2, 1] }, { shape: [2, 3] }, { shape: [2, 2] }],
    f: (a, b, c) => tf.concat([a, b, c], 1),
  },
  {
    name: "Concat along axis 0",
    kernel: tf.Concat,
    inputs: [{ shape: [1, 3] }, { shape: [2, 3] }],
    f: (a, b) => tf.concat([a, b], 0),
  },
  {
    name: "Concat along axis -1",
    kernel: tf.Concat,
    inputs: [{ shape: [2, 2, 1] }, { shape: [2, 2, 2] }],
    f: (a, b) => tf.concat([a, b], -1),
  },
  {
    name: "Concat of one tensor with itself",
    kernel: tf.Concat,
    inputs: [{ shape: [2, 2] }],
    f: (a) => tf.concat([a, tf.mul(a, 3), a], 1),
  },
  {
    name: "Pack along axis 1",
    kernel: tf.Pack,
    inputs: [{ shape: [2, 3] }, { shape: [2, 3] }],
    f: (a, b) => tf.stack([a, b], 1),
  },
  {
    name: "Pack along axis -1",
    kernel: tf.Pack,
    inputs: [{ shape: [3] }, { shape: [3] }, { shape: [3] }],
    f: (a, b, c) => tf.stack([a, b, c], -1),
  },
  {
    name: "Unpack along axis 1, some outputs unused",
    kernel: tf.Unpack,
    inputs: [{ shape: [2, 3, 2] }],
    f: (x) => {
      const parts = tf.unstack(x, 1);
      return tf.add(pick(parts, 0), tf.mul(pick(parts, 2), 2));
    },
  },
  {
    name: "Unpack along axis -1",
    kernel: tf.Unpack,
    inputs: [{ shape: [2, 2] }],
    f: (x) => {
      const parts = tf.unstack(x, -1);
      return tf.sub(pick(parts, 1), tf.square(pick(parts, 0)));
    },
  },
  {
    name: "SplitV by sizes along axis 1, one output unused",
    kernel: tf.SplitV,
    inputs: [{ shape: [2, 4] }],
    f: (x) => {
      const parts = tf.split(x, [1, 2, 1], 1);
      return tf.concat([tf.mul(pick(parts, 2), 3), pick(parts, 0)], 1);
    },
  },
  {
    name: "SplitV into equal pieces along axis 0",
    kernel: tf.SplitV,
    inputs: [{ shape: [4, 2] }],
    f: (x) => {
      const parts = tf.split(x, 2, 0);
      return tf.mul(pick(parts, 0), pick(parts, 1));
    },
  },
  {
    name: "SplitV into a single piece",
    kernel: tf.SplitV,
    inputs: [{ shape: [2, 3] }],
    f: (x) => tf.square(pick(tf.split(x, 1, 1), 0)),
  },
  { name: "Tile [2, 2] by [2, 3]", kernel: tf.Tile, inputs: [{ shape: [2, 2] }], f: (x) => tf.tile(x, [2, 3]) },
  {
    name: "Tile rank 3 by [1, 2, 3]",
    kernel: tf.Tile,
    inputs: [{ shape: [2, 1, 2] }],
    f: (x) => tf.tile(x, [1, 2, 3]),
  },
  {
    name: "BroadcastTo [3] to [2, 3]",
    kernel: tf.BroadcastTo,
    inputs: [{ shape: [3] }],
    f: (x) => tf.engine().runKernel<tf.Tensor>(tf.BroadcastTo, { x }, { shape: [2, 3], inputShape: [3] }),
    notOnWasm: "the BroadcastTo kernel above is registered for cpu only",
  },
  {
    name: "BroadcastTo [2, 1] to [3, 2, 4]",
    kernel: tf.BroadcastTo,
    inputs: [{ shape: [2, 1] }],
    f: (x) => tf.engine().runKernel<tf.Tensor>(tf.BroadcastTo, { x }, { shape: [3, 2, 4], inputShape: [2, 1] }),
    notOnWasm: "the BroadcastTo kernel above is registered for cpu only",
  },
  { name: "Reverse axis 1", kernel: tf.Reverse, inputs: [{ shape: [2, 3] }], f: (x) => tf.reverse(x, 1) },
  { name: "Reverse axes [0, 2]", kernel: tf.Reverse, inputs: [{ shape: [2, 2, 3] }], f: (x) => tf.reverse(x, [0, 2]) },
  { name: "Reverse all axes", kernel: tf.Reverse, inputs: [{ shape: [2, 3] }], f: (x) => tf.reverse(x) },
];

gradientSuite("shape gradients", SHAPE_GRADIENTS, cases);
