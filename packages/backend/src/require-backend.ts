import * as tf from "@tensorflow/tfjs-core";

/**
 * Throws a message naming `initBackend()` when tfjs has no backend to run on, instead of tfjs's bare
 * "No backend found in registry." from deep inside the first op. `what` names the caller, e.g.
 * `"Linear"`. A backend registered and set up some other way (e.g. importing a tfjs backend package)
 * is accepted as tfjs would accept it.
 *
 * @example
 * ```ts
 * await initBackend();
 * requireBackend("MyModule"); // passes
 * ```
 */
export function requireBackend(what: string): void {
  try {
    void tf.engine().backend;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `${what}: no tfjs backend is ready (tfjs: ${reason}). Call \`await initBackend()\` from @tdrl/backend once, before building modules or creating tensors.`,
    );
  }
}
