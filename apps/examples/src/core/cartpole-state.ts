import type { CartPoleEnv, EnvBase } from "@tdrl/envs";

/** The physical state of every cart, `[x, x_dot, theta, theta_dot]` as float64 numbers, and its step count. */
export interface CartPoleState {
  states: number[][];
  elapsed: number[];
}

/**
 * Reads every cart's state, for a checkpoint. `elapsed` comes from the caller (the runner's episode
 * steps): the env does not expose its step counters.
 *
 * @example
 * import { CartPoleEnv } from "@tdrl/envs";
 * const env = new CartPoleEnv({ batchSize: [2], seed: 0 });
 * env.reset();
 * const saved = readCartPoles(env, [0, 0]);
 * const other = new CartPoleEnv({ batchSize: [2], seed: 9 });
 * writeCartPoles(other, other, saved); // same carts
 */
export function readCartPoles(env: CartPoleEnv, elapsed: ArrayLike<number>): CartPoleState {
  const n = env.batchSize.reduce((a, b) => a * b, 1);
  if (elapsed.length !== n) throw new Error(`readCartPoles: elapsed has ${elapsed.length} entries for ${n} carts`);
  return { states: Array.from({ length: n }, (_, i) => Array.from(env.getState(i))), elapsed: Array.from(elapsed) };
}

/**
 * Resets `env` (so it may step; a `TransformedEnv` over `carts`, or `carts` itself) and puts every cart
 * back in the saved state.
 */
export function writeCartPoles(env: EnvBase, carts: CartPoleEnv, saved: CartPoleState): void {
  const n = carts.batchSize.reduce((a, b) => a * b, 1);
  if (saved.states.length !== n) throw new Error(`writeCartPoles: the checkpoint holds ${saved.states.length} carts, the env has ${n}`);
  env.reset();
  saved.states.forEach((s, i) => carts.setState(i, s, { elapsedSteps: saved.elapsed[i]! }));
}
