import { EnvBase } from "@tdrl/envs";
import {
  HostArray,
  TensorDict,
  type Composite,
  type Schema,
  type UntypedSchema,
  checkOptions,
  type OptionKeys,
} from "@tdrl/tensordict";
import { decodeTensorDict, encodeTensorDict, type JsonValue } from "@tdrl/tensordict";
import type { EnvState } from "@tdrl/envs";
import type { AddedKeys, WithAddedKeys } from "./added-keys";
import { Compose } from "./compose";
import { Transform, type TransformContainer } from "./transform";

const TRANSFORMED_ENV_OPTION_KEYS = { seed: true } satisfies OptionKeys<TransformedEnvOptions>;

export interface TransformedEnvOptions {
  /** Seed of the transformed env's own random-action stream (default 0); `setSeed` reseeds the base env too. */
  seed?: number;
}

/**
 * An env with a transform applied to everything it produces (TorchRL's `TransformedEnv`). It is an
 * `EnvBase`: `rollout`, `stepAndMaybeReset`, `checkEnvSpecs` and partial resets work on it, and its specs are
 * the base env's specs passed through the transform. `transform` is always a `Compose` (a single transform
 * is wrapped), so `env.transform.at(-1)`, `append` and `insert` work; changing it recomputes the specs.
 *
 * A step: `transform.inv` maps the policy's input (actions) to the base env's, the base env steps (its
 * `step` keeps the entries the policy wrote into `td.next`, e.g. a recurrent state, where it wrote
 * nothing), and `transform.step(root, next)` gives this env's `"next"` record. Its `done` is what counts: a
 * `StepCounter` that truncates an episode makes this env done (and `stepAndMaybeReset` resets that
 * sub-env of the base env, which need not be done itself).
 *
 * A reset: the base env resets the same sub-envs (the `"_reset"` mask is passed down, together with the
 * base env's own last observations so it can keep the other sub-envs' rows), then
 * `transform.reset(input, record, mask)` runs. The base env never sees the transformed root record.
 *
 * @example
 * import { CartPoleEnv, checkEnvSpecs } from "@tdrl/envs";
 * import { RewardScaling, StepCounter, TransformedEnv, Compose } from "@tdrl/transforms";
 * const env = new TransformedEnv(new CartPoleEnv({ batchSize: [4] }), new Compose(new StepCounter({ maxSteps: 50 }), new RewardScaling(0, 0.1)));
 * checkEnvSpecs(env);
 * const rollout = env.rollout(100, undefined, { breakWhenAnyDone: false }); // batch size [4, 100]
 * console.log(rollout.getHost("next.step_count").shape); // [4, 100, 1]
 */
class TransformedEnvClass<S extends Schema = UntypedSchema> extends EnvBase<S> implements TransformContainer {
  readonly baseEnv: EnvBase;
  readonly transform: Compose;
  /** The base env's last observation record (its own keys), passed back to it on partial resets. */
  private lastBase: TensorDict | null = null;

  constructor(env: EnvBase, transform?: Transform, options: TransformedEnvOptions = {}) {
    checkOptions("TransformedEnv", options, TRANSFORMED_ENV_OPTION_KEYS);
    if (!(env instanceof EnvBase))
      throw new Error(`TransformedEnv: expected an EnvBase as the base env, got ${String(env)}`);
    super({ name: `TransformedEnv(${env.name})`, batchSize: env.batchSize, seed: options.seed ?? 0 });
    if (transform !== undefined && !(transform instanceof Transform)) {
      throw new Error(`TransformedEnv: expected a Transform, got ${String(transform)}`);
    }
    this.baseEnv = env;
    this.transform =
      transform instanceof Compose ? transform : transform === undefined ? new Compose() : new Compose(transform);
    this.transform.attach(this);
    this.recomputeSpecs();
  }

  /** Appends a transform (TorchRL's `append_transform`); the specs are recomputed. */
  appendTransform(transform: Transform): this {
    this.transform.append(transform);
    return this;
  }

  /** Inserts a transform before position `index` of the chain (TorchRL's `insert_transform`). */
  insertTransform(index: number, transform: Transform): this {
    this.transform.insert(index, transform);
    return this;
  }

  transformsChanged(): void {
    this.recomputeSpecs();
  }

  envBefore(child: Transform, then: readonly Transform[] = []): EnvBase | null {
    if (child !== this.transform) return null;
    return new ParentView(this.baseEnv, Compose.viewOf(then));
  }

  stepBelow(child: Transform, root: TensorDict, then: readonly Transform[] = []): TensorDict {
    if (child !== this.transform)
      throw new Error(`${child.name}: not in this TransformedEnv, so there is no env to step`);
    // The action goes through every inverse, as in _step: the base env repeats exactly what it was given.
    return Compose.viewOf(then).step(root, this.stepBase(root));
  }

  /** This env's own calls plus the base env's: stepping the base env directly (or through a transform's `parent`) counts too. */
  override get interactions(): number {
    return super.interactions + this.baseEnv.interactions;
  }

  override close(): void {
    this.baseEnv.close();
  }

  protected override _reset(mask: Uint8Array | null, input?: TensorDict): TensorDict {
    const base = this.baseEnv;
    let baseIn: TensorDict | undefined;
    if (mask !== null) {
      // The base env keeps the rows it does not reset from its own record, never from the transformed one
      // (a transform that keeps a key's name and shape, like ObservationNorm, would be applied twice).
      baseIn = new TensorDict({}, this.batchSize);
      const last = this.lastBase;
      if (last !== null)
        for (const key of base.observationSpec.keys()) if (last.has(key)) baseIn.set(key, last.get(key));
      baseIn.set("_reset", new HostArray("bool", this.batchSize, mask.slice()));
    }
    const record = base.reset(baseIn);
    this.lastBase = record;
    return this.transform.reset(input ?? new TensorDict({}, this.batchSize), record.exclude(), mask);
  }

  protected override _step(td: TensorDict): TensorDict {
    return this.transform.step(td, this.stepBase(td));
  }

  /**
   * Steps the base env with `td`'s input keys mapped by every inverse; returns (a shallow copy of) its "next"
   * record. `td`'s own "next" (what the policy wrote there) goes down with it: the base env's `step` keeps it
   * where it writes nothing, so the transforms see it (a `TensorDictPrimer` keeps the policy's next state).
   */
  private stepBase(td: TensorDict): TensorDict {
    // Without inverses the base env may step `td` itself: the "next" it writes there is replaced by
    // this env's own "next" before `step` returns (and `step` has read the preset "next" already).
    const baseIn = this.transform.inverts ? this.transform.inv(td) : td;
    this.baseEnv.step(baseIn);
    const baseNext = baseIn.get("next") as TensorDict;
    this.lastBase = baseNext;
    return baseNext.exclude();
  }

  protected override _setSeed(seed: number): void {
    this.baseEnv.setSeed(seed);
  }

  // ---------------------------------------------------------------- checkpoints

  /** The base env's state, the transforms' states and the base env's last record (partial resets keep rows from it). */
  protected override _state(): JsonValue {
    return {
      base: this.baseEnv.state(),
      transform: this.transform.state(),
      lastBase: this.lastBase === null ? null : encodeTensorDict(this.lastBase),
    };
  }

  protected override _loadState(state: JsonValue, what: string): () => void {
    const s = typeof state === "object" && state !== null && !Array.isArray(state) ? state : null;
    if (s === null || !("base" in s) || !("transform" in s) || !("lastBase" in s)) {
      throw new Error(
        `${what}: "env" must be { base, transform, lastBase }, got ${JSON.stringify(state)?.slice(0, 80)}`,
      );
    }
    const lastBase = s.lastBase === null ? null : decodeTensorDict(s.lastBase, `${what}: "env.lastBase"`);
    const before = this.baseEnv.state();
    this.baseEnv.loadState(s.base as EnvState);
    try {
      this.transform.loadState(s.transform ?? null);
    } catch (error) {
      this.baseEnv.loadState(before);
      throw new Error(`${what}: "env.transform": ${(error as Error).message}`, { cause: error });
    }
    return () => {
      this.lastBase = lastBase;
    };
  }

  private recomputeSpecs(): void {
    const base = this.baseEnv;
    const t = this.transform;
    // Reward, done and action first: a transform may need to know them for its observation spec
    // (RewardSum's episode_reward has the reward's shape; a LeafTransform's key may be a reward).
    const reward = t.transformRewardSpec(base.rewardSpec.clone() as Composite);
    const done = t.transformDoneSpec(base.doneSpec.clone() as Composite);
    const action = t.transformActionSpec(base.actionSpec.clone() as Composite);
    const observation = t.transformObservationSpec(base.observationSpec.clone() as Composite);
    this.setSpecs({ observation, action, reward, done });
  }
}

/**
 * A transform's `parent`: the base env followed by the transforms before it. Its random actions come from
 * the base env's seeded action stream, not from a stream of its own: a view is built afresh on each
 * `parent` access, so an own stream would restart at seed 0 every time and ignore `env.setSeed`.
 */
class ParentView extends TransformedEnvClass {
  override randAction(td?: TensorDict): TensorDict {
    return this.baseEnv.randActionFrom(this.actionSpec, td);
  }
}

Object.defineProperty(TransformedEnvClass, "name", { value: "TransformedEnv" });

/**
 * `TransformedEnv`'s constructor: the records are typed as the base env's plus the keys the transform adds
 * (`StepCounter`: `step_count`; `RewardSum`: `episode_reward`; a `Compose` of typed transforms: all of
 * theirs), so `rollout(5).getHost("next.step_cont")` fails to compile. A transform that declares no
 * `addedKeys` (see `Transform`) makes the records untyped.
 */
export interface TransformedEnvConstructor {
  new <B extends Schema = UntypedSchema, T extends Transform = Compose<readonly []>>(
    env: EnvBase<B>,
    transform?: T,
    options?: TransformedEnvOptions,
  ): TransformedEnv<WithAddedKeys<B, AddedKeys<T>>>;
  readonly prototype: TransformedEnv;
}

/** An env with transforms, whose records have schema `S` (see `EnvBase`); `TransformedEnv` alone is any. */
export type TransformedEnv<S extends Schema = UntypedSchema> = TransformedEnvClass<S>;
export const TransformedEnv = TransformedEnvClass as TransformedEnvConstructor;
