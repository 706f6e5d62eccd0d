import { decodeTensorDict, encodeTensorDict, type TensorDict } from "@tdrl/tensordict";
import type { EnvBase, EnvState } from "@tdrl/envs";
import { expect } from "vitest";

/**
 * Helpers for checkpoint tests (`EnvBase.state()` / `loadState()`): an interrupted-and-resumed run must
 * repeat the uninterrupted one bit for bit. Records are compared as their lossless JSON encoding, so a
 * float that differs in its last bit (or a -0) fails.
 */

/** Steps `env` with its own seeded random actions, auto-resetting; each step's record as encoded JSON text. */
export function runSteps(env: EnvBase, root: TensorDict, steps: number): { records: string[]; root: TensorDict } {
  const records: string[] = [];
  let td = root;
  for (let t = 0; t < steps; t++) {
    const [stepped, next] = env.stepAndMaybeReset(env.randAction(td));
    records.push(JSON.stringify(encodeTensorDict(stepped)));
    td = next;
  }
  return { records, root: td };
}

/**
 * Runs `n` steps, saves the env and the root record (through JSON text), runs `m` more; then a fresh env
 * from `make`, given the saved state, must produce the same `m` records. Returns them.
 */
export function expectExactResume(make: () => EnvBase, n: number, m: number): string[] {
  const env = make();
  const { root } = runSteps(env, env.reset(), n);
  const saved = JSON.stringify({ env: env.state(), root: encodeTensorDict(root) });
  const expected = runSteps(env, root, m).records;
  const fresh = make();
  const { env: state, root: savedRoot } = JSON.parse(saved) as { env: EnvState; root: unknown };
  fresh.loadState(state);
  const got = runSteps(fresh, decodeTensorDict(savedRoot, "root"), m).records;
  expect(got).toEqual(expected);
  env.close();
  fresh.close();
  return expected;
}
