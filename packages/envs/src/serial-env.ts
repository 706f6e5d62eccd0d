import {
  describeValue,
  checkOptions,
  type OptionKeys,
  HostArray,
  TensorDict,
  formatShape,
  shapesEqual,
  sizeOf,
  type Composite,
} from "@tdrl/tensordict";
import { EnvBase } from "./env-base";
import { decodeTensorDict, encodeTensorDict, type JsonValue } from "@tdrl/tensordict";
import { arrayField, asObject, type EnvState } from "./env-state";

const SERIAL_ENV_OPTION_KEYS = { seed: true } satisfies OptionKeys<SerialEnvOptions>;

export interface SerialEnvOptions {
  /** Default 0. Sub-env `i` is seeded with `seed + i` (see `subEnvSeed`). */
  seed?: number;
}

/**
 * The seed sub-env `index` of a batched env gets: `seed + index`, as Gymnasium's vector envs do, so that a
 * `SerialEnv` or `ParallelEnv` of envs seeded 0 behaves like the individual envs seeded 0, 1, 2, ...
 * Consequence: sub-env 1 of seed 0 and sub-env 0 of seed 1 share their streams; space seeds of
 * concurrent runs at least `n` apart.
 */
export function subEnvSeed(seed: number, index: number): number {
  return seed + index;
}

/**
 * N copies of one env stepped one after the other in this thread (TorchRL's `SerialEnv`): batch size
 * `[n, ...sub.batchSize]`, specs expanded from sub-env 0's, partial resets through `"_reset"` as in any
 * EnvBase. Each sub-env is reseeded with `seed + i` at construction and by `setSeed`, whatever seed
 * `makeEnv` gave it. All sub-envs must declare equal specs.
 *
 * Use it to batch envs that are not batched themselves, and to test what `ParallelEnv` will do: the two
 * give the same transitions for the same seed.
 *
 * @example
 * const env = new SerialEnv(4, () => new CartPoleEnv(), { seed: 7 });
 * let td = env.reset(); // batch size [4]
 * for (let t = 0; t < 100; t++) [, td] = env.stepAndMaybeReset(env.randAction(td));
 * env.close();
 */
export class SerialEnv extends EnvBase {
  /** The number of sub-envs `n`. */
  readonly numSubEnvs: number;
  /** The batch size of each sub-env (`[]` for unbatched ones). */
  readonly subBatchSize: readonly number[];
  private readonly envs: readonly EnvBase[];
  private readonly actionPaths: readonly string[];
  private readonly rootKeys: readonly string[];
  /** The last root record (observation and done keys) of each sub-env, for the sub-envs a partial reset skips. */
  private readonly roots: (TensorDict | null)[];

  constructor(n: number, makeEnv: (index: number) => EnvBase, options: SerialEnvOptions = {}) {
    checkOptions("SerialEnv", options, SERIAL_ENV_OPTION_KEYS);
    const envs = makeSubEnvs("SerialEnv", n, makeEnv);
    const first = envs[0]!;
    const seed = options.seed ?? 0;
    super({ name: "SerialEnv", batchSize: [n, ...first.batchSize], seed });
    this.numSubEnvs = n;
    this.subBatchSize = first.batchSize;
    this.envs = envs;
    envs.forEach((env, i) => env.setSeed(subEnvSeed(seed, i)));
    this.setSpecs(expandSpecs(first, n));
    this.actionPaths = this.actionSpec.leaves().map(([path]) => path);
    this.rootKeys = [...this.observationSpec.keys(), ...this.doneSpec.keys()];
    this.roots = envs.map(() => null);
  }

  /** Sub-env `index`, for inspection (stepping or resetting it directly puts it out of step with this env). */
  subEnv(index: number): EnvBase {
    const env = Number.isInteger(index) ? this.envs[index] : undefined;
    if (env === undefined)
      throw new Error(`${this.name}.subEnv(): index ${String(index)} is out of range [0, ${this.numSubEnvs})`);
    return env;
  }

  override close(): void {
    for (const env of this.envs) env.close();
  }

  protected override _reset(mask: Uint8Array | null): TensorDict {
    const sub = this.subBatchSize;
    const per = sizeOf(sub);
    for (let i = 0; i < this.envs.length; i++) {
      const env = this.envs[i]!;
      const part = mask === null ? null : mask.subarray(i * per, (i + 1) * per);
      if (part === null || !part.includes(0)) this.roots[i] = env.reset();
      else if (part.includes(1))
        this.roots[i] = env.reset(new TensorDict({ _reset: new HostArray("bool", [...sub, 1], part.slice()) }, sub));
    }
    return TensorDict.stack(
      this.roots.map((root) => root!.select(...this.rootKeys)),
      0,
    );
  }

  protected override _step(td: TensorDict): TensorDict {
    const actions = td.select(...this.actionPaths);
    const nexts: TensorDict[] = [];
    for (let i = 0; i < this.envs.length; i++) {
      const stepped = this.envs[i]!.step(actions.index(i));
      const next = stepped.get("next") as TensorDict;
      nexts.push(next);
      this.roots[i] = next;
    }
    return TensorDict.stack(nexts, 0);
  }

  protected override _setSeed(seed: number): void {
    this.envs.forEach((env, i) => env.setSeed(subEnvSeed(seed, i)));
  }

  /** Each sub-env's state, and the last root record of each (a partial reset keeps the others' rows from it). */
  protected override _state(): JsonValue {
    return {
      subEnvs: this.envs.map((env) => env.state()),
      roots: this.roots.map((root) => (root === null ? null : encodeTensorDict(root.select(...this.rootKeys)))),
    };
  }

  protected override _loadState(state: JsonValue, what: string): () => void {
    const s = asObject(state, what, '"env"');
    const subStates = arrayField(s.subEnvs, `${what}: "env.subEnvs"`, this.numSubEnvs) as EnvState[];
    const roots = arrayField(s.roots, `${what}: "env.roots"`, this.numSubEnvs).map((r, i) =>
      r === null ? null : decodeTensorDict(r, `${what}: "env.roots[${i}]"`),
    );
    // Each sub-env checks its own state in loadState; if one refuses, the ones already loaded are put back.
    const before = this.envs.map((env) => env.state());
    let loaded = 0;
    try {
      for (; loaded < this.envs.length; loaded++) this.envs[loaded]!.loadState(subStates[loaded]!);
    } catch (error) {
      for (let i = 0; i < loaded; i++) this.envs[i]!.loadState(before[i]!);
      throw new Error(`${what}: sub-env ${loaded}: ${(error as Error).message}`, { cause: error });
    }
    return () => {
      for (let i = 0; i < roots.length; i++) this.roots[i] = roots[i]!;
    };
  }
}

/** Calls `makeEnv(0 .. n-1)` and checks the results; closes the ones already made if any fails. */
function makeSubEnvs(what: string, n: number, makeEnv: (index: number) => EnvBase): EnvBase[] {
  if (!(Number.isSafeInteger(n) && n >= 1))
    throw new Error(`${what}: the number of sub-envs must be a positive integer, got ${String(n)}`);
  if (typeof makeEnv !== "function")
    throw new Error(`${what}: makeEnv must be a function (index) => EnvBase, got ${typeof makeEnv}`);
  const envs: EnvBase[] = [];
  try {
    for (let i = 0; i < n; i++) {
      let env: unknown;
      try {
        env = makeEnv(i);
      } catch (error) {
        throw new Error(`${what}: makeEnv(${i}) threw: ${(error as Error)?.message ?? String(error)}`, {
          cause: error,
        });
      }
      if (!(env instanceof EnvBase))
        throw new Error(`${what}: makeEnv(${i}) returned ${describeValue(env)}, not an EnvBase`);
      envs.push(env);
    }
    for (let i = 1; i < n; i++) {
      const problem = subEnvMismatch(envs[0]!, envs[i]!);
      if (problem !== null)
        throw new Error(
          `${what}: sub-env ${i} (${envs[i]!.name}) differs from sub-env 0 (${envs[0]!.name}): ${problem}`,
        );
    }
  } catch (error) {
    for (const env of envs) env.close();
    throw error;
  }
  return envs;
}

/** The four specs of `env` with `n` prepended to every batch size and shape. */
export function expandSpecs(
  env: { observationSpec: Composite; actionSpec: Composite; rewardSpec: Composite; doneSpec: Composite },
  n: number,
) {
  return {
    observation: env.observationSpec.expand([n, ...env.observationSpec.batchSize]),
    action: env.actionSpec.expand([n, ...env.actionSpec.batchSize]),
    reward: env.rewardSpec.expand([n, ...env.rewardSpec.batchSize]),
    done: env.doneSpec.expand([n, ...env.doneSpec.batchSize]),
  };
}

/** The specs a batched env compares between its sub-envs. */
export interface SubEnvSpecs {
  batchSize: readonly number[];
  observationSpec: Composite;
  actionSpec: Composite;
  rewardSpec: Composite;
  doneSpec: Composite;
}

/** Why sub-env `other` cannot be batched with sub-env `first` (batch size or a spec), or null. */
export function subEnvMismatch(first: SubEnvSpecs, other: SubEnvSpecs): string | null {
  if (!shapesEqual(first.batchSize, other.batchSize))
    return `batch size ${formatShape(other.batchSize)} instead of ${formatShape(first.batchSize)}`;
  for (const role of ["observation", "action", "reward", "done"] as const) {
    const problem = compositeMismatch(first[`${role}Spec`], other[`${role}Spec`]);
    if (problem !== null) return `its ${role} spec ${problem}`;
  }
  return null;
}

function compositeMismatch(expected: Composite, actual: Composite): string | null {
  if (expected.equals(actual)) return null;
  const theirs = new Map(actual.leaves());
  for (const [path, spec] of expected.leaves()) {
    const other = theirs.get(path);
    if (other === undefined) return `has no "${path}" (keys: ${[...theirs.keys()].join(", ") || "(none)"})`;
    if (!spec.equals(other)) return `has "${path}" ${other.toString()} instead of ${spec.toString()}`;
  }
  for (const path of theirs.keys()) if (!expected.has(path)) return `has an extra key "${path}"`;
  return `has batch size ${formatShape(actual.batchSize)} instead of ${formatShape(expected.batchSize)}`;
}
