import * as tf from "@tensorflow/tfjs-core";

/** The JSON part of a saved Adam state; the moments travel as one Float32Array beside it. */
export interface AdamStateMeta {
  format: "tdrl-adam-state";
  version: 1;
  config: { learningRate: number; beta1: number; beta2: number; epsilon: number };
  /** Updates applied so far (tfjs's `iterations`). */
  iterations: number;
  /** The running products beta1^t and beta2^t used for bias correction, exactly as the optimizer holds them. */
  accBeta1: number;
  accBeta2: number;
  /** The first moments then the second moments, in the optimizer's variable order, with their shapes. */
  slots: { name: string; shape: number[] }[];
}
export interface AdamState {
  meta: AdamStateMeta;
  data: Float32Array;
}

/** What tfjs keeps private in AdamOptimizer and a checkpoint must restore. */
interface AdamInternals {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: ({ originalName: string; variable: tf.Variable } | undefined)[];
  accumulatedSecondMoment: ({ originalName: string; variable: tf.Variable } | undefined)[];
  iterations_: number;
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
}

function internals(optimizer: tf.Optimizer, what: string): AdamInternals {
  if (optimizer.getClassName() !== "Adam")
    throw new Error(`${what}: expected a tfjs Adam optimizer, got ${optimizer.getClassName()}`);
  return optimizer as unknown as AdamInternals;
}

/**
 * Reads an Adam optimizer's whole state: moments, iteration count and the bias-correction products.
 * tfjs's own `getWeights()` / `setWeights()` pair is not enough for an exact resume: `setWeights` recomputes
 * beta^t as `pow(beta, t + 1)` where training multiplied it step by step (the last bits differ), and it
 * leaks the moment variables it replaces. `restoreAdamState` avoids both.
 *
 * @example
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "@tdrl/backend";
 * import { restoreAdamState, saveAdamState } from "./optimizer-state";
 *
 * await initBackend({ prefer: "cpu" });
 * const w = tf.variable(tf.tensor1d([1, 2]));
 * const adam = tf.train.adam(0.1);
 * adam.minimize(() => tf.sum(tf.square(w)), false, [w]);
 * const state = await saveAdamState(adam);
 * const again = tf.train.adam(0.1);
 * restoreAdamState(again, state, [w]);
 * if (again.iterations !== 1 || state.data.length !== 4) throw new Error("state not restored");
 * adam.dispose();
 * again.dispose();
 * w.dispose();
 */
export async function saveAdamState(optimizer: tf.Optimizer): Promise<AdamState> {
  const adam = internals(optimizer, "saveAdamState");
  const weights = await optimizer.getWeights();
  // getWeights() puts the iteration count first, as a fresh scalar.
  const [iter, ...slots] = weights;
  iter?.tensor.dispose();
  const sizes = slots.map((s) => s.tensor.size);
  const data = new Float32Array(sizes.reduce((a, b) => a + b, 0));
  let offset = 0;
  for (const s of slots) {
    data.set(s.tensor.dataSync() as Float32Array, offset);
    offset += s.tensor.size;
  }
  return {
    meta: {
      format: "tdrl-adam-state",
      version: 1,
      config: { learningRate: adam.learningRate, beta1: adam.beta1, beta2: adam.beta2, epsilon: adam.epsilon },
      iterations: optimizer.iterations,
      accBeta1: adam.accBeta1.dataSync()[0]!,
      accBeta2: adam.accBeta2.dataSync()[0]!,
      slots: slots.map((s) => ({ name: s.name, shape: [...s.tensor.shape] })),
    },
    data,
  };
}

/**
 * Puts a state from `saveAdamState` into `optimizer` (an Adam with the same hyperparameters), so its next
 * update is bit-identical to the one the saved optimizer would have made. With `params` (the variables it
 * optimizes, in order), the moment shapes are checked against them. Everything is validated before the
 * optimizer changes. A state saved before the first update (no moments yet) is valid too: it returns
 * the optimizer to that fresh state, and its first update creates the moments as a new Adam's would.
 */
export function restoreAdamState(optimizer: tf.Optimizer, state: AdamState, params?: readonly tf.Variable[]): void {
  const what = "restoreAdamState";
  const adam = internals(optimizer, what);
  const { meta, data } = state;
  if (meta.format !== "tdrl-adam-state" || meta.version !== 1)
    throw new Error(
      `${what}: not a version 1 tdrl Adam state (format ${JSON.stringify(meta.format)}, version ${meta.version})`,
    );
  for (const key of ["learningRate", "beta1", "beta2", "epsilon"] as const) {
    if (adam[key] !== meta.config[key])
      throw new Error(`${what}: the optimizer's ${key} is ${adam[key]}, the saved state's is ${meta.config[key]}`);
  }
  if (!Number.isInteger(meta.iterations) || meta.iterations < 0)
    throw new Error(`${what}: iterations must be an integer >= 0, got ${meta.iterations}`);
  if (meta.slots.length % 2 !== 0)
    throw new Error(`${what}: expected first and second moments in pairs, got ${meta.slots.length} slots`);
  const half = meta.slots.length / 2;
  const sizes = meta.slots.map((s) => s.shape.reduce((a, b) => a * b, 1));
  const total = sizes.reduce((a, b) => a + b, 0);
  if (total !== data.length)
    throw new Error(`${what}: the slots' shapes hold ${total} numbers, the data has ${data.length}`);
  for (let i = 0; i < half; i++) {
    const [m, v] = [meta.slots[i]!, meta.slots[half + i]!];
    if (!tf.util.arraysEqual(m.shape, v.shape))
      throw new Error(`${what}: moment ${i}: first moment ${m.name} is [${m.shape}], second ${v.name} is [${v.shape}]`);
    const p = params?.[i];
    if (params !== undefined && (p === undefined || !tf.util.arraysEqual(p.shape, m.shape))) {
      throw new Error(
        `${what}: moment ${i} (${m.name}) is [${m.shape}], parameter ${i} is ${p === undefined ? "missing" : `[${p.shape}] (${p.name})`}`,
      );
    }
  }
  // Before its first update Adam has no moments (tfjs creates them then): a state of no slots fits any parameters.
  if (params !== undefined && half > 0 && params.length !== half)
    throw new Error(`${what}: the state has moments for ${half} parameters, ${params.length} were given`);

  for (const slot of [...adam.accumulatedFirstMoment, ...adam.accumulatedSecondMoment]) slot?.variable.dispose();
  let offset = 0;
  const slots = meta.slots.map((s, i) => {
    const values = data.subarray(offset, offset + sizes[i]!);
    offset += sizes[i]!;
    return { originalName: s.name, variable: tf.tidy(() => tf.variable(tf.tensor(values, s.shape, "float32"), false)) };
  });
  adam.accumulatedFirstMoment = slots.slice(0, half);
  adam.accumulatedSecondMoment = slots.slice(half);
  tf.tidy(() => {
    adam.accBeta1.assign(tf.scalar(meta.accBeta1));
    adam.accBeta2.assign(tf.scalar(meta.accBeta2));
  });
  adam.iterations_ = meta.iterations;
}
