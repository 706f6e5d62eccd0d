import {
  checkOptions,
  type OptionKeys,
  Composite,
  HostArray,
  type TensorDict,
  formatShape,
  shapesEqual,
  type SpecRecord,
} from "@tdrl/tensordict";
import { formatBatchIndex } from "./batch-position";
import type { EnvBase } from "./env-base";

const CHECK_ENV_SPECS_OPTION_KEYS = { steps: true, seed: true } satisfies OptionKeys<CheckEnvSpecsOptions>;

export interface CheckEnvSpecsOptions {
  /** Number of random-action steps (default 10); done sub-envs are reset as they finish. */
  steps?: number;
  /** Reseed the env first (default: keep its current streams). */
  seed?: number;
}

/**
 * Runs the env with random actions and checks everything it produces against its specs (TorchRL's
 * `check_env_specs`): every key of the reset record, of each stepped record (root and `"next"`) and of the
 * next root record; each leaf's shape, dtype and bounds; no key the specs do not declare; `done` equal to
 * `terminated || truncated`; and the rollout's batch size `[...batchSize, steps]`. Throws on the first
 * problem, naming the env, the step and the key. The env is reset and stepped, so its state changes.
 *
 * @example
 * const env = new CartPoleEnv({ batchSize: [4] });
 * checkEnvSpecs(env, { steps: 20 }); // throws if any produced key breaks the specs
 */
export function checkEnvSpecs(env: EnvBase, options: CheckEnvSpecsOptions = {}): void {
  checkOptions("checkEnvSpecs", options, CHECK_ENV_SPECS_OPTION_KEYS);
  const steps = options.steps ?? 10;
  const what = `checkEnvSpecs(${env.name})`;
  if (!(Number.isInteger(steps) && steps >= 1))
    throw new Error(`${what}: steps must be a positive integer, got ${String(steps)}`);
  if (options.seed !== undefined) env.setSeed(options.seed);

  const full = env.fullSpec;
  const rootSpec = new Composite<SpecRecord>({}, env.batchSize);
  for (const part of [env.observationSpec, env.doneSpec])
    for (const key of part.keys()) rootSpec.set(key, part.get(key));

  let root = env.reset();
  check(rootSpec, root, `${what}: reset() output`);
  checkDoneFlags(env, root, `${what}: reset() output`);
  for (let t = 0; t < steps; t++) {
    const [stepped, nextRoot] = env.stepAndMaybeReset(env.randAction(root));
    check(full, stepped, `${what}: step ${t}`);
    const next = stepped.get("next") as TensorDict;
    checkDoneFlags(env, next, `${what}: step ${t}, "next"`);
    check(rootSpec, nextRoot, `${what}: step ${t}, next root record (after stepMdp and partial resets)`);
    root = nextRoot;
  }

  const rollout = env.rollout(steps, { breakWhenAnyDone: false });
  const expected = [...env.batchSize, steps];
  if (!shapesEqual(rollout.batchSize, expected)) {
    throw new Error(
      `${what}: rollout(${steps}) has batch size ${formatShape(rollout.batchSize)}, expected ${formatShape(expected)}`,
    );
  }
  const keepBatch = env.batchSize.map(() => ({}));
  for (let t = 0; t < steps; t++) check(full, rollout.index(...keepBatch, t), `${what}: rollout step ${t}`);
}

function check(spec: Composite, td: TensorDict, where: string): void {
  const problem = spec.mismatch(td, { strict: true });
  if (problem !== null) throw new Error(`${where}: ${problem}`);
}

/** `done` must be `terminated || truncated`, sub-env by sub-env. */
function checkDoneFlags(env: EnvBase, td: TensorDict, where: string): void {
  const [doneKey, terminatedKey, truncatedKey] = env.doneKeys;
  if (doneKey === undefined || terminatedKey === undefined || truncatedKey === undefined) return;
  const done = td.get(doneKey) as unknown;
  const terminated = td.get(terminatedKey) as unknown;
  const truncated = td.get(truncatedKey) as unknown;
  if (!(done instanceof HostArray && terminated instanceof HostArray && truncated instanceof HostArray)) return;
  for (let i = 0; i < done.size; i++) {
    const expected = terminated.data[i] === 1 || truncated.data[i] === 1 ? 1 : 0;
    if (done.data[i] !== expected) {
      throw new Error(
        `${where}: "${doneKey}" is ${done.data[i]} at batch index ${formatBatchIndex(env.batchSize, i)}, but "${terminatedKey}" is ${terminated.data[i]} and "${truncatedKey}" is ${truncated.data[i]}`,
      );
    }
  }
}
