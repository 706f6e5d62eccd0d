import { CartPoleEnv, CountingEnv, checkEnvSpecs, type CartPoleEnvOptions } from "@tdrl/envs";
import { HostArray, type TensorDict } from "@tdrl/tensordict";
import { expect } from "vitest";
import type { Transform } from "../src/transform";
import { TransformedEnv } from "../src/transformed-env";

/**
 * `checkEnvSpecs` on a single and a batched (N=4) CartPole wrapped with a fresh transform from `make`,
 * over enough steps (60) that random-action episodes end and partial resets happen.
 */
export function expectSpecsPassOnCartPole(make: () => Transform, cartpole: CartPoleEnvOptions = {}): void {
  for (const batchSize of [[], [4]]) {
    const env = new TransformedEnv(new CartPoleEnv({ ...cartpole, batchSize, seed: 3 }), make());
    expect(() => checkEnvSpecs(env, { steps: 60 })).not.toThrow();
  }
}

/** A CountingEnv of `n` sub-envs that never terminates under action 0 (count stays 0; maxCount 1000). */
export function countingEnv(n: number): CountingEnv {
  return new CountingEnv({ batchSize: [n], maxCount: 1000 });
}

/** Sets a constant int32 action for every sub-env of `td`. */
export function withAction(td: TensorDict, value: number): TensorDict {
  return td.set("action", HostArray.full("int32", td.batchSize, value));
}

/** A bool `"_reset"` record over `flags`, for a partial reset of a `[flags.length]` env. */
export function resetMask(root: TensorDict, flags: readonly number[]): TensorDict {
  return root.exclude().set("_reset", HostArray.from("bool", [flags.length, 1], flags));
}

/** The flat values of a host leaf, as plain numbers. */
export function values(td: TensorDict, key: string): number[] {
  return Array.from(td.getHost(key).data);
}
