import type * as tf from "@tensorflow/tfjs-core";

/** A learning rate as a function of the optimizer steps already taken (0 before the first). */
export type LrSchedule = (updates: number) => number;

/**
 * A linear learning-rate schedule: `from` at update 0, `to` after `updates` updates, `to` from then on
 * (SB3's `linear_schedule`, TorchRL's `LinearLR` counted in optimizer steps).
 *
 * @example
 * const lr = linearLr({ from: 1e-3, to: 0, updates: 100 });
 * [lr(0), lr(50), lr(200)]; // [0.001, 0.0005, 0]
 */
export function linearLr(options: { from: number; to: number; updates: number }): LrSchedule {
  const { from, to, updates } = options;
  if (!(Number.isFinite(from) && from > 0)) throw new Error(`linearLr: from must be a finite number > 0, got ${from}`);
  if (!(Number.isFinite(to) && to >= 0)) throw new Error(`linearLr: to must be a finite number >= 0, got ${to}`);
  if (!(Number.isInteger(updates) && updates >= 1))
    throw new Error(`linearLr: updates must be a positive integer, got ${updates}`);
  return (u) => from + (to - from) * Math.min(1, Math.max(0, u) / updates);
}

/**
 * Runs `step` with the optimizer's learning rate set to `lr`, then puts the constructed rate back, so
 * between steps (and in checkpoints, which compare it) the optimizer looks as built. tfjs's Adam, Adamax,
 * RMSProp, Adagrad and Adadelta read their `learningRate` field at every `applyGradients`; SGD and momentum
 * keep it as a tensor that only their `setLearningRate` renews.
 */
export function withLearningRate<T>(optimizer: tf.Optimizer, lr: number, step: () => T): T {
  const o = optimizer as unknown as { learningRate?: unknown; setLearningRate?: (lr: number) => void };
  if (typeof o.learningRate !== "number")
    throw new Error(`withLearningRate: the ${optimizer.getClassName()} optimizer has no numeric learningRate`);
  if (!(Number.isFinite(lr) && lr >= 0))
    throw new Error(`withLearningRate: the learning rate must be a finite number >= 0, got ${lr}`);
  const built = o.learningRate;
  const set = (v: number) => {
    if (typeof o.setLearningRate === "function") o.setLearningRate(v);
    else o.learningRate = v;
  };
  set(lr);
  try {
    return step();
  } finally {
    set(built);
  }
}
