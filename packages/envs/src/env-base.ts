import {
  describeValue,
  type SpecMismatch,
  brandClass,
  Binary,
  Composite,
  HostArray,
  Rng,
  TensorDict,
  Unbounded,
  formatShape,
  shapesEqual,
  sizeOf,
  type Schema,
  type Shape,
  type SpecRecord,
  type TensorSpec,
  type UntypedSchema,
  checkAllocation,
} from "@tdrl/tensordict";
import type { JsonValue } from "@tdrl/tensordict";
import { checkBatchSize, formatBatchIndex } from "./batch-position";
import { stepMdp } from "./step-mdp";
import { runPolicyOnHost } from "./policy-output";
import { decodeEnvBase, encodeEnvBase, type EnvState } from "./env-state";
import { rolloutArgs, type RolloutCall, type RolloutOptions } from "./rollout-args";

/**
 * The specs a subclass declares. Each is a `Composite` with the env's batch size. The type parameters only
 * let typed Composites in (a `Composite<{ observation: Unbounded }>` is not assignable to `Composite`).
 */
export interface EnvSpecs<
  O extends SpecRecord = SpecRecord,
  A extends SpecRecord = SpecRecord,
  R extends SpecRecord = SpecRecord,
  D extends SpecRecord = SpecRecord,
> {
  /** The observation keys, at the root after `reset` and in `"next"` after `step`. */
  observation: Composite<O>;
  /** The keys `step` reads; the default action key is `"action"`. */
  action: Composite<A>;
  /** Default: `"reward"`, float32 `[...batch, 1]`, unbounded. */
  reward?: Composite<R>;
  /** Default: `"done"`, `"terminated"`, `"truncated"`, bool `[...batch, 1]`. */
  done?: Composite<D>;
}

export interface EnvBaseOptions {
  /** Used in every error message, e.g. `"CartPoleEnv"`. */
  name: string;
  /** Default `[]` (one env). `[N]` makes N sub-envs that step together. */
  batchSize?: readonly number[];
  /** Default 0. The same seed gives the same resets and the same random actions. */
  seed?: number;
}

/**
 * What `policy` does in `rollout`: reads the root record and writes the action keys into it (or a copy). A
 * function or a module (`forward(td)`, e.g. a `@tdrl/modules` `TensorDictSequential`); tensors it writes are
 * downloaded to host arrays and freed at each step.
 */
export type Policy = ((td: TensorDict) => TensorDict) | { forward(td: TensorDict): TensorDict };

export const ACTION_KEY = "action";
export const REWARD_KEY = "reward";
export const DONE_KEYS = ["done", "terminated", "truncated"] as const;

/**
 * The base of every env (TorchRL's `EnvBase`): specs, seeding, input checks, and the stepping protocol.
 *
 * A subclass declares its specs with `setSpecs` and implements three methods:
 * - `_reset(resetMask, input)`: resets the sub-envs whose mask byte is 1 (all of them when the mask is
 *   null) and returns the root record for ALL sub-envs: the observation keys (the sub-envs not reset keep
 *   their current observation) and `done` / `terminated` / `truncated` (false for the reset ones). The
 *   mask is only lent: `stepAndMaybeReset` reuses its array, so copy it to keep it.
 * - `_step(td)`: reads the action keys, which `step` has already checked against `actionSpec`, advances
 *   every sub-env and returns the next-step record: observation keys, `reward`, `done`, `terminated`,
 *   `truncated`. It must return new arrays every call (records of past steps keep theirs).
 * - `_setSeed(seed)`: re-derives any per-sub-env random streams from `this.rng`, which `setSeed` has just
 *   replaced.
 *
 * The public protocol follows TorchRL: `reset()` gives the first root record; `step(td)` reads `"action"`
 * from it and writes the transition into `td.next`; `stepMdp(td)` turns that into the next root record;
 * `rollout` loops this and stacks the steps along a last batch dim (time).
 *
 * Every check that can fail happens before any state changes: a rejected `step` or `reset` leaves the env
 * exactly as it was.
 *
 * @example
 * import { Categorical, Composite, HostArray, TensorDict, Unbounded } from "@tdrl/tensordict";
 * // A one-dimensional walk: the action moves the position left (0) or right (1); the episode ends at |x| = 3.
 * class WalkEnv extends EnvBase {
 *   private x = 0;
 *   constructor() {
 *     super({ name: "WalkEnv" });
 *     this.setSpecs({
 *       observation: new Composite({ observation: new Unbounded({ shape: [1] }) }),
 *       action: new Composite({ action: new Categorical({ n: 2 }) }),
 *     });
 *   }
 *   protected _reset(): TensorDict {
 *     this.x = 0;
 *     return this.record(false);
 *   }
 *   protected _step(td: TensorDict): TensorDict {
 *     this.x += td.getHost("action").data[0] === 1 ? 1 : -1;
 *     const out = this.record(Math.abs(this.x) >= 3);
 *     out.set("reward", HostArray.from("float32", [1], [-1]));
 *     return out;
 *   }
 *   protected _setSeed(): void {}
 *   private record(done: boolean): TensorDict {
 *     const flag = () => HostArray.from("bool", [1], [done]);
 *     return new TensorDict({ observation: HostArray.from("float32", [1], [this.x]), done: flag(), terminated: flag(), truncated: HostArray.zeros("bool", [1]) });
 *   }
 * }
 * const env = new WalkEnv();
 * const rollout = env.rollout(100); // stops at the first done; batch size [T]
 * console.log(rollout.batchSize, rollout.getHost("next.observation").data);
 *
 * The type parameter carries the keys into the records `reset`, `step`, `stepMdp` and `rollout` return:
 * build it from the observation and action keys with `StepSchema<O, A>` (`class WalkEnv extends
 * EnvBase<StepSchema<Obs, Act>>`), so `reset().getHost("observaton")` fails to compile. It is one schema for
 * root and step records alike, so TorchRL's in-place `env.step(td); td.get("next.reward")` compiles (a root
 * record just after `reset` has no `"next"` yet). Left out, the records are untyped.
 */
export abstract class EnvBase<S extends Schema = UntypedSchema> {
  static {
    brandClass(this, "EnvBase");
  }

  readonly name: string;
  readonly batchSize: readonly number[];
  /** The key `step` reads the action from. */
  readonly actionKey: string = ACTION_KEY;
  readonly rewardKey: string = REWARD_KEY;
  /** `done` is `terminated || truncated`; `step` refuses to step a sub-env whose last `done` was true. */
  readonly doneKeys: readonly string[] = DONE_KEYS;
  /** The env's own random stream (reset noise, stochastic dynamics); `setSeed` replaces it. */
  protected rng: Rng;
  /** Number of sub-envs: the product of `batchSize`. */
  protected readonly numEnvs: number;

  private actionRng: Rng;
  private specs: Required<EnvSpecs> | null = null;
  private actionLeaves: readonly [string, TensorSpec][] = [];
  private fullSpecCache: Composite | null = null;
  private hasReset = false;
  /** `reset`, `step` and `loadState` calls that succeeded (see `interactions`). */
  private calls = 0;
  /** One byte per sub-env: 1 while its last step ended the episode and it has not been reset since. */
  private readonly doneFlags: Uint8Array;
  /** The mask `stepAndMaybeReset` passes to `_reset`, reused on every call (so `_reset` must not keep it). */
  private readonly autoResetMask: Uint8Array;
  /**
   * A subclass sets this when its `_step` writes every `done` flag as exactly 0 or 1 into a Uint8Array:
   * `step` then copies the flags instead of normalizing them one by one (a pass over the batch per step).
   */
  protected doneIsBits = false;
  /** Error-message prefixes, built once rather than on every step. */
  private readonly stepWhat: string;
  private readonly autoResetWhat: string;

  protected constructor(options: EnvBaseOptions) {
    this.name = options.name;
    this.batchSize = checkBatchSize(options.batchSize ?? [], `${options.name}`);
    this.numEnvs = sizeOf(this.batchSize);
    checkAllocation(this.name, `batchSize [${this.batchSize.join(", ")}]`, 2 * this.numEnvs);
    this.doneFlags = new Uint8Array(this.numEnvs);
    this.autoResetMask = new Uint8Array(this.numEnvs);
    this.stepWhat = `${this.name}.step()`;
    this.autoResetWhat = `${this.name}.stepAndMaybeReset()`;
    const seed = options.seed ?? 0;
    checkSeed(seed, this.name);
    this.rng = new Rng(seed).spawn(0);
    this.actionRng = new Rng(seed).spawn(1);
  }

  // ---------------------------------------------------------------- specs

  get observationSpec(): Composite {
    return this.requireSpecs().observation;
  }

  get actionSpec(): Composite {
    return this.requireSpecs().action;
  }

  get rewardSpec(): Composite {
    return this.requireSpecs().reward;
  }

  get doneSpec(): Composite {
    return this.requireSpecs().done;
  }

  /**
   * The whole record one `step` produces: the root (observation keys, done keys, action keys) and
   * `"next"` (observation keys, reward, done keys). `checkEnvSpecs` checks rollouts against it.
   */
  get fullSpec(): Composite {
    if (this.fullSpecCache === null) {
      const s = this.requireSpecs();
      const next = mergeSpecs(this.batchSize, [s.observation, s.reward, s.done]);
      const full = mergeSpecs(this.batchSize, [s.observation, s.done, s.action]);
      full.set("next", next);
      this.fullSpecCache = full;
    }
    return this.fullSpecCache;
  }

  /** Declares the specs; call it from the subclass constructor. Each must have the env's batch size. */
  protected setSpecs<O extends SpecRecord, A extends SpecRecord, R extends SpecRecord, D extends SpecRecord>(
    typed: EnvSpecs<O, A, R, D>,
  ): void {
    const specs = typed as unknown as EnvSpecs;
    const batch = this.batchSize;
    const reward =
      specs.reward ?? new Composite<SpecRecord>({ [REWARD_KEY]: new Unbounded({ shape: [...batch, 1] }) }, batch);
    const done = specs.done ?? defaultDoneSpec(batch);
    const all: Required<EnvSpecs> = { observation: specs.observation, action: specs.action, reward, done };
    for (const [role, spec] of Object.entries(all)) {
      if (!(spec instanceof Composite))
        throw new Error(`${this.name}: the ${role} spec must be a Composite, got ${String(spec)}`);
      if (!shapesEqual(spec.batchSize, batch)) {
        throw new Error(
          `${this.name}: the ${role} spec has batch size ${formatShape(spec.batchSize)}, the env has ${formatShape(batch)}`,
        );
      }
    }
    if (!specs.action.has(this.actionKey)) {
      throw new Error(
        `${this.name}: the action spec has no "${this.actionKey}" key (keys: ${specs.action.keys({ nested: true }).join(", ") || "(none)"})`,
      );
    }
    for (const key of this.doneKeys) {
      if (!done.has(key)) throw new Error(`${this.name}: the done spec has no "${key}" key`);
    }
    this.specs = all;
    this.actionLeaves = specs.action.leaves();
    this.fullSpecCache = null;
  }

  // ---------------------------------------------------------------- seeding

  /** Reseeds the env's streams: the same seed gives the same resets and the same random actions again. */
  setSeed(seed: number): void {
    checkSeed(seed, this.name);
    this.rng = new Rng(seed).spawn(0);
    this.actionRng = new Rng(seed).spawn(1);
    this._setSeed(seed);
  }

  // ---------------------------------------------------------------- protocol

  /**
   * Resets every sub-env, or with a bool `"_reset"` entry in `td` (shape `[...batch, 1]` or `[...batch]`)
   * only the flagged ones; the others keep their state. Returns a new root record: the keys of `td` other
   * than `"_reset"` (shared), overwritten by the observation and done keys of all sub-envs.
   */
  reset(td?: TensorDict): TensorDict<S> {
    const what = `${this.name}.reset()`;
    this.requireSpecs();
    let mask: Uint8Array | null = null;
    if (td !== undefined) {
      this.checkBatch(td, what);
      if (td.has("_reset")) mask = this.readResetMask(td, what);
    }
    return this.applyReset(mask, td, what) as TensorDict<S>;
  }

  /**
   * Checks the action keys of `td` against `actionSpec` (shape, dtype, range, NaN), refuses to step before
   * `reset` or to step a sub-env that is done, then steps and writes the transition into `td.next`.
   * Returns `td`. Nothing changes if a check fails.
   *
   * Entries `td` already held under `"next"` (what a policy wrote there, such as its next recurrent state)
   * are kept in the new `"next"` wherever the env's step wrote nothing; on a key both wrote, the env's
   * value wins (TorchRL's precedence). This is the one place that keeps them: a `TransformedEnv` passes
   * them down to its base env's step, so its transforms see them too.
   */
  step(td: TensorDict): TensorDict<S> {
    const what = this.stepWhat;
    if (!this.hasReset) throw new Error(`${what}: the env has not been reset; call reset() before step()`);
    this.checkBatch(td, what);
    this.checkActions(td, what);
    const doneAt = this.doneFlags.indexOf(1);
    if (doneAt !== -1) {
      throw new Error(
        `${what}: the sub-env at batch index ${formatBatchIndex(this.batchSize, doneAt)} is done (its last step ended the episode); ` +
          `reset it first, with reset() and a "_reset" flag or with stepAndMaybeReset()`,
      );
    }
    // What the policy wrote under "next" (e.g. its next recurrent state) is kept where the env wrote nothing.
    const preset = td.has("next") ? td.get("next") : undefined;
    const next = this._step(td);
    this.recordDone(next, what);
    if (preset instanceof TensorDict && preset !== next) keepPreset(preset, next);
    td.set("next", next);
    this.calls++;
    return td as TensorDict<S>;
  }

  /**
   * How many `reset`, `step` and `loadState` calls have changed this env so far (for a `TransformedEnv`,
   * also those of the envs below it). Whoever carries a root record between its own calls (a collector)
   * compares it to tell whether someone else used the env in between, e.g. an evaluation `rollout`.
   */
  get interactions(): number {
    return this.calls;
  }

  /** The next root record from a stepped one, with TorchRL's `step_mdp` defaults (see `stepMdp`). */
  stepMdp(td: TensorDict): TensorDict<S> {
    return stepMdp(td) as TensorDict<S>;
  }

  /**
   * Steps, builds the next root record with `stepMdp`, and resets the sub-envs that are done (their
   * observation in the next root is the reset one; `td.next` keeps the final one). Returns `[td, nextRoot]`.
   */
  stepAndMaybeReset(td: TensorDict): [TensorDict<S>, TensorDict<S>] {
    this.step(td);
    const nextRoot = stepMdp(td);
    if (this.doneFlags.indexOf(1) !== -1) {
      // nextRoot is a new record: the reset output can replace its entries in place.
      // A copy, since applyReset clears doneFlags; kept rather than allocated per step.
      this.autoResetMask.set(this.doneFlags);
      this.applyReset(this.autoResetMask, undefined, this.autoResetWhat, nextRoot);
    }
    return [td as TensorDict<S>, nextRoot as TensorDict<S>];
  }

  /** Writes a random action from `actionSpec` (drawn from the env's seeded action stream) into `td`, or a new record. */
  randAction(td?: TensorDict): TensorDict {
    const action = this.actionSpec.rand(this.actionRng);
    if (td === undefined) return action as unknown as TensorDict;
    return td.update(action as unknown as TensorDict);
  }

  /**
   * A random action from `spec` drawn from this env's seeded action stream, written into `td` or a new
   * record. For views of this env whose action spec is another (a transform's `parent`): their random
   * actions then follow this env's `setSeed` instead of a stream of their own.
   */
  randActionFrom(spec: Composite, td?: TensorDict): TensorDict {
    if (!(spec instanceof Composite))
      throw new Error(`${this.name}.randActionFrom(): expected a Composite action spec, got ${String(spec)}`);
    const action = spec.rand(this.actionRng) as unknown as TensorDict;
    return td === undefined ? action : td.update(action);
  }

  /**
   * Runs up to `maxSteps` steps and returns them stacked along a new last batch dim: batch size
   * `[...batchSize, T]`. Each step holds the root (observation, done keys, action, what the policy wrote)
   * and `"next"`. Without a policy, actions are random (`randAction`). Tensors the policy writes (actions,
   * Q-values, recurrent states) are downloaded and freed at each step: the rollout holds host arrays only.
   * With `breakWhenAnyDone: false`, done sub-envs are reset in place and the rollout always has `maxSteps` steps.
   * The arguments may also be one object, as TorchRL's keywords: `rollout({ maxSteps: 100, policy,
   * breakWhenAnyDone: false })`, or `rollout(100, { policy })`.
   */
  rollout(maxSteps: number, policy?: Policy, options?: RolloutOptions): TensorDict<S>;
  rollout(maxSteps: number, options: RolloutOptions & { policy?: Policy }): TensorDict<S>;
  rollout(call: RolloutCall<Policy>): TensorDict<S>;
  rollout(
    first: number | RolloutCall<Policy>,
    second?: Policy | (RolloutOptions & { policy?: Policy }),
    third?: RolloutOptions,
  ): TensorDict<S> {
    const what = `${this.name}.rollout()`;
    const { maxSteps, policy, options } = rolloutArgs(what, first, second, third);
    const { breakWhenAnyDone = true, autoReset = true, tensordict } = options;
    let root: TensorDict;
    if (autoReset) root = this.reset(tensordict);
    else if (tensordict === undefined)
      throw new Error(`${what}: autoReset is false, so pass the starting root record as "tensordict"`);
    else root = tensordict;
    const act =
      policy === undefined ? undefined : typeof policy === "function" ? policy : (td: TensorDict) => policy.forward(td);
    const name = `${what}: the policy`;
    const steps: TensorDict[] = [];
    for (let t = 0; t < maxSteps; t++) {
      root = act === undefined ? this.randAction(root) : runPolicyOnHost(act, root, name);
      if (breakWhenAnyDone) {
        this.step(root);
        steps.push(root);
        if (this.doneFlags.includes(1)) break;
        root = stepMdp(root);
      } else {
        const [stepped, nextRoot] = this.stepAndMaybeReset(root);
        steps.push(stepped);
        root = nextRoot;
      }
    }
    return TensorDict.stack(steps, this.batchSize.length) as TensorDict<S>;
  }

  /** Releases what the env holds (workers, handles); a no-op here. */
  close(): void {}

  toString(): string {
    return `${this.name}(batchSize=${formatShape(this.batchSize)})`;
  }

  // ---------------------------------------------------------------- for subclasses

  protected abstract _reset(resetMask: Uint8Array | null, input?: TensorDict): TensorDict;

  protected abstract _step(td: TensorDict): TensorDict;

  protected abstract _setSeed(seed: number): void;

  // ---------------------------------------------------------------- checkpoints (state / loadState)

  /**
   * A JSON-able checkpoint of everything the env's future depends on: whether it has been reset, the done
   * flags, both random streams and the subclass's own part (`_state`). An env built with the same options
   * and given it by `loadState` steps on exactly as this one would. Envs that do not implement `_state`
   * throw, naming themselves.
   */
  state(): EnvState {
    return encodeEnvBase(
      this.name,
      this.batchSize,
      { hasReset: this.hasReset, doneFlags: this.doneFlags, rng: this.rng, actionRng: this.actionRng },
      this._state(),
    );
  }

  /** Restores a `state()` checkpoint. Everything is checked first: a bad state throws naming the field and changes nothing. */
  loadState(state: EnvState): void {
    const what = `${this.name}.loadState()`;
    const base = decodeEnvBase(state, this.name, this.batchSize, what);
    const apply = this._loadState(state.env, what);
    this.hasReset = base.hasReset;
    this.doneFlags.set(base.doneFlags);
    this.rng = base.rng;
    this.actionRng = base.actionRng;
    apply();
    this.calls++;
  }

  /** The subclass's part of `state()`; the default says the env does not support checkpoints. */
  protected _state(): JsonValue {
    throw new Error(
      `${this.name}.state(): not supported; ${this.name} does not implement checkpoints (_state / _loadState)`,
    );
  }

  /**
   * Checks the subclass's part of a state and returns what applies it; it must throw (naming `what` and
   * the field) before changing anything, and the returned function must not fail.
   */
  protected _loadState(state: JsonValue, what: string): () => void {
    void state;
    throw new Error(`${what}: not supported; ${this.name} does not implement checkpoints (_state / _loadState)`);
  }

  // ---------------------------------------------------------------- internals

  private requireSpecs(): Required<EnvSpecs> {
    if (this.specs === null)
      throw new Error(`${this.name}: the env declared no specs; call setSpecs() in its constructor`);
    return this.specs;
  }

  private checkBatch(td: TensorDict, what: string): void {
    if (!(td instanceof TensorDict)) throw new Error(`${what}: expected a TensorDict, got ${describeValue(td)}`);
    if (!shapesEqual(td.batchSize, this.batchSize)) {
      throw new Error(
        `${what}: the TensorDict has batch size ${formatShape(td.batchSize)}, the env has ${formatShape(this.batchSize)}`,
      );
    }
  }

  private checkActions(td: TensorDict, what: string): void {
    const leaves = this.actionLeaves;
    for (let k = 0; k < leaves.length; k++) {
      const [key, spec] = leaves[k]!;
      if (!td.has(key))
        throw new Error(
          `${what}: no "${key}" entry; the TensorDict has keys: ${td.keys({ nested: true }).join(", ") || "(none)"}`,
        );
      const value = td.get(key) as unknown;
      if (!(value instanceof HostArray)) {
        throw new Error(
          `${what}: "${key}" must be a host array (envs do not read tfjs tensors; call toHost() first), got ${describeValue(value)}`,
        );
      }
      const problem = spec.findMismatch(value);
      if (problem !== null) throw new Error(`${what}: ${actionProblem(key, value, problem, spec, this.batchSize)}`);
    }
  }

  /**
   * Resets the masked sub-envs (all when `mask` is null). Returns the reset output merged over `input`
   * (without `"_reset"`) as a new record, or written into `into` when given.
   */
  private applyReset(
    mask: Uint8Array | null,
    input: TensorDict | undefined,
    what: string,
    into?: TensorDict,
  ): TensorDict {
    if (mask !== null && !this.hasReset && mask.includes(0)) {
      const first = mask.indexOf(0);
      throw new Error(
        `${what}: "_reset" is false at batch index ${formatBatchIndex(this.batchSize, first)}, but the env has never been reset; the first reset must reset every sub-env`,
      );
    }
    const out = this._reset(mask, input ?? into);
    if (mask === null) this.doneFlags.fill(0);
    // indexOf finds the few reset sub-envs of a partial reset natively, instead of testing every byte in JS.
    else for (let i = mask.indexOf(1); i !== -1; i = mask.indexOf(1, i + 1)) this.doneFlags[i] = 0;
    this.hasReset = true;
    this.calls++;
    if (into !== undefined) return into.update(out);
    if (input === undefined) return out;
    const merged = input.has("_reset") ? input.exclude("_reset") : input.exclude();
    return merged.update(out);
  }

  private readResetMask(td: TensorDict, what: string): Uint8Array {
    const value = td.get("_reset") as unknown;
    const batch = this.batchSize;
    if (!(value instanceof HostArray) || value.dtype !== "bool") {
      throw new Error(
        `${what}: "_reset" must be a bool host array of shape ${formatShape([...batch, 1])} or ${formatShape(batch)}, got ${describeValue(value)}`,
      );
    }
    const shapeOk =
      shapesEqual(value.shape, batch) ||
      (value.rank === batch.length + 1 &&
        value.shape[batch.length] === 1 &&
        shapesEqual(value.shape.slice(0, -1), batch));
    if (!shapeOk)
      throw new Error(
        `${what}: "_reset" has shape ${formatShape(value.shape)}; expected ${formatShape([...batch, 1])} or ${formatShape(batch)}`,
      );
    const data = value.data;
    for (let i = 0; i < data.length; i++) {
      if (data[i]! > 1)
        throw new Error(
          `${what}: "_reset" holds ${data[i]} at batch index ${formatBatchIndex(batch, i)}, not a bool (0 or 1)`,
        );
    }
    return data;
  }

  private recordDone(next: TensorDict, what: string): void {
    const done = next.has("done") ? (next.get("done") as unknown) : undefined;
    if (!(done instanceof HostArray) || done.size !== this.numEnvs) {
      throw new Error(
        `${what}: _step() must return a "done" host array with ${this.numEnvs} flags, got ${describeValue(done)}`,
      );
    }
    const src = done.data;
    const flags = this.doneFlags;
    if (this.doneIsBits && src instanceof Uint8Array) flags.set(src);
    else for (let i = 0; i < flags.length; i++) flags[i] = src[i] === 0 ? 0 : 1;
  }
}

/** Copies the leaves of `preset` into `next` where `next` has no entry (the env's own entries win). */
function keepPreset(preset: TensorDict, next: TensorDict): void {
  for (const [path, leaf] of preset.leaves()) if (!next.has(path)) next.set(path, leaf);
}

function defaultDoneSpec(batch: Shape): Composite {
  const flag = () => new Binary({ shape: [...batch, 1] });
  return new Composite<SpecRecord>({ done: flag(), terminated: flag(), truncated: flag() }, batch);
}

/** One Composite holding the top-level entries of several (later ones win on a shared key). */
function mergeSpecs(batch: Shape, parts: readonly Composite[]): Composite {
  const out = new Composite({}, batch);
  for (const part of parts) for (const key of part.keys()) out.set(key, part.get(key));
  return out;
}

function checkSeed(seed: number, name: string): void {
  if (!Number.isSafeInteger(seed))
    throw new Error(`${name}.setSeed(): the seed must be a safe integer, got ${String(seed)}`);
}

/**
 * The spec's problem restated for an action: `action 3 is out of range [0, 2) at batch index [1]`.
 * The spec reports the index within the whole leaf; the leading batch dims of it are the sub-env.
 */
function actionProblem(
  key: string,
  value: HostArray,
  problem: SpecMismatch,
  spec: TensorSpec,
  batchSize: Shape,
): string {
  const batchDims = batchSize.length;
  if (value.dtype === "float32") {
    // NaN is the usual sign of a broken policy: name it even when the dtype is also wrong.
    const data = value.data as Float32Array;
    const eventSize = Math.max(1, sizeOf(value.shape.slice(batchDims)));
    for (let i = 0; i < data.length; i++) {
      if (Number.isNaN(data[i]!)) {
        const at = shapesEqual(value.shape.slice(0, batchDims), batchSize)
          ? ` at batch index ${formatBatchIndex(batchSize, Math.floor(i / eventSize))}`
          : "";
        return `${key} NaN${at} is not a valid action (${spec.toString()}${spec.dtype === "float32" ? "" : `; ${problem.message}`})`;
      }
    }
  }
  if (problem.kind === "value")
    return `${key} ${problem.value} ${problem.problem} at ${splitIndex(problem.index, batchDims)}`;
  if (problem.kind === "row") return `${key} row ${problem.problem} at ${splitIndex(problem.index, batchDims)}`;
  return `"${key}": ${problem.message} (spec: ${spec.toString()})`;
}

/** `batch index [1]`, plus the element within the sub-env's action when the action has dims of its own. */
function splitIndex(index: readonly number[], batchDims: number): string {
  const batch = index.slice(0, batchDims);
  const event = index.slice(batchDims);
  return `batch index [${batch.join(", ")}]${event.length > 0 ? ` (element [${event.join(", ")}])` : ""}`;
}
