import * as tf from "@tensorflow/tfjs-core";

/**
 * Runs `fn` with tfjs's gradient tape off and returns its result, which must be host values: tensors made
 * inside are disposed on the way out.
 *
 * Why: inside `tf.variableGrads` tfjs records every op and keeps a copy of the tensors its gradient needs
 * (on wasm a clone is a full copy), also for passes whose results only ever reach the host, such as a
 * loss's target network. tfjs has no public no-grad scope, but it never records ops that run inside a
 * kernel, and a `customGrad` op is a kernel: `fn` runs as the forward function of one with no inputs, so
 * no gradient can flow through it either.
 */
export function withoutTape<T>(fn: () => T): T {
  const box: { value?: T } = {};
  const op = tf.customGrad(() => {
    box.value = fn();
    return { value: tf.scalar(0), gradFunc: () => [] };
  });
  tf.dispose(op());
  return box.value as T;
}
