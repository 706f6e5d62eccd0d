import {
  describeValue,
  checkOptions,
  Composite,
  HostArray,
  TensorDict,
  formatShape,
  type OptionKeys,
  type TensorSpec,
} from "@tdrl/tensordict";
import { EnvBase } from "./env-base";
import { rolloutArgs, type RolloutCall, type RolloutOptions } from "./rollout-args";
import { hostFromValue, specFromSpace, valueFromHost, type GymSpace, type NestedNumberArray } from "./gym-like-spaces";
import { policyOutputToHost } from "./policy-output";
import { stepMdp } from "./step-mdp";

/** What `GymLikeEnv` passes to the wrapped env's `reset`. */
export interface GymResetOptions {
  /** Given on the first reset after construction or `setSeed` only, as Gymnasium seeds its env once. */
  seed?: number;
  /** With a batch size, a partial reset passes Gymnasium 1.x's vector-env `reset_mask` (one flag per sub-env). */
  options?: { reset_mask: boolean[] };
}

export type GymResetResult = readonly [observation: unknown, info?: unknown];

export type GymStepResult = readonly [
  observation: unknown,
  reward: number | ArrayLike<number>,
  terminated: boolean | ArrayLike<boolean | number>,
  truncated: boolean | ArrayLike<boolean | number>,
  info?: unknown,
];

/** What the wrapped env's `step` receives: a number for Discrete (and scalar Box) actions, nested arrays otherwise. */
export type GymAction = number | NestedNumberArray;

/**
 * A Gymnasium-style env, as a plain JS object or class instance: `reset({ seed })` returns
 * `[observation, info]`, `step(action)` returns `[observation, reward, terminated, truncated, info]`,
 * either directly or as Promises. A vectorized env (for `batchSize: [N]`) returns batched values, and may
 * give its per-sub-env spaces as `singleObservationSpace` / `singleActionSpace`, as Gymnasium's VectorEnv.
 */
export interface GymLike {
  observationSpace: GymSpace;
  actionSpace: GymSpace;
  singleObservationSpace?: GymSpace;
  singleActionSpace?: GymSpace;
  reset(options?: GymResetOptions): GymResetResult | PromiseLike<GymResetResult>;
  step(action: GymAction): GymStepResult | PromiseLike<GymStepResult>;
  close?(): unknown;
}

export interface GymLikeEnvOptions {
  /** Used in every error message, e.g. `"RandomWalk"`. */
  name: string;
  /**
   * Default `[]`: the wrapped env is a single env. `[N]`: it is a vectorized env of N sub-envs (values
   * batched along a first dim; spaces per sub-env) that supports Gymnasium 1.x's `reset_mask` option.
   */
  batchSize?: readonly number[];
  /** Default 0; passed as `reset({ seed })` on the first reset (and the first after `setSeed`). */
  seed?: number;
  /**
   * Check every observation the wrapped env returns against the observation spec (shape, the Box's bounds,
   * integer ranges) and refuse NaN, naming the value and its index. Costs one pass over the observation per
   * reset and step (for CartPole-sized observations well under a microsecond; for a 210x160x3 image about
   * 0.1 ms). Default: on, unless `process.env.NODE_ENV` is "production".
   */
  checkObservations?: boolean;
}

const GYM_LIKE_ENV_OPTION_KEYS = {
  name: true,
  batchSize: true,
  seed: true,
  checkObservations: true,
} satisfies OptionKeys<GymLikeEnvOptions>;

/** On in development, off in production builds (the usual NODE_ENV convention; no `process` in a browser means development). */
function defaultCheckObservations(): boolean {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  return env?.NODE_ENV !== "production";
}

/** The env name from `options`, after refusing a missing options object and unknown keys (before EnvBase reads them). */
function checkedName(options: GymLikeEnvOptions | undefined): string {
  if (options === undefined || options === null || typeof options !== "object") {
    throw new Error(
      `GymLikeEnv: pass options with at least a name, e.g. new GymLikeEnv(env, { name: "MyEnv" }); got ${describeValue(options)}`,
    );
  }
  checkOptions("GymLikeEnv", options, GYM_LIKE_ENV_OPTION_KEYS);
  if (typeof options.name !== "string" || options.name === "")
    throw new Error(`GymLikeEnv: options.name must be a non-empty string, got ${describeValue(options.name)}`);
  return options.name;
}

/** An async `policy` for `rolloutAsync`; a synchronous one works too. */
export type AsyncPolicy = (td: TensorDict) => TensorDict | Promise<TensorDict>;

/** Thrown from `_step` / `_reset` while `EnvBase` only checks the input (see `probe`). */
const PROBED = Symbol("probed");

/**
 * Wraps a Gymnasium-style env (see `GymLike`) into an `EnvBase` (TorchRL's GymWrapper, for JS objects):
 * `"observation"` and `"action"` specs come from `observationSpace` / `actionSpace` (Box, Discrete,
 * MultiDiscrete, MultiBinary; see `specFromSpace`), reward and done keys are EnvBase's defaults, and
 * `done` is `terminated || truncated`. The `info` values are not kept. The seed goes to the wrapped env's
 * first `reset`, so the same seed gives the same episodes.
 *
 * If the wrapped env answers with Promises, use `resetAsync`, `stepAsync`, `stepAndMaybeResetAsync` and
 * `rolloutAsync` (they work with synchronous envs too); the synchronous methods throw and say so. An
 * `async` method is recognised before it is called; a method that merely returns a Promise is recognised
 * at its first call, which has then started on the wrapped env (call `resetAsync` next).
 *
 * @example
 * // A walk on the integers: action 1 moves right, 0 left; the episode ends at +-3.
 * const walk = {
 *   x: 0,
 *   observationSpace: { type: "Box", low: -3, high: 3, shape: [1] },
 *   actionSpace: { type: "Discrete", n: 2 },
 *   reset() { this.x = 0; return [[this.x], {}]; },
 *   step(action: number) { this.x += action === 1 ? 1 : -1; return [[this.x], -1, Math.abs(this.x) >= 3, false, {}]; },
 * } satisfies GymLike & { x: number };
 * const env = new GymLikeEnv(walk, { name: "Walk" });
 * const rollout = env.rollout(50); // stops at the first done
 * console.log(rollout.getHost("next.observation").data);
 */
export class GymLikeEnv extends EnvBase {
  readonly wrapped: GymLike;
  private readonly observationLeaf: TensorSpec;
  private readonly flagShape: readonly number[];
  /** The seed for the next reset; null once it has been passed. */
  private pendingSeed: number | null;
  private isAsync: boolean;
  /** The last observation and done flags, for the sub-envs a partial reset leaves alone. */
  private current: TensorDict | null = null;
  private mode: "call" | "probe" | "deliver" = "call";
  private probedMask: Uint8Array | null = null;
  private delivery: TensorDict | null = null;
  private busy = false;
  /** Whether observations are checked against the observation spec (see `GymLikeEnvOptions.checkObservations`). */
  readonly checkObservations: boolean;

  constructor(wrapped: GymLike, options: GymLikeEnvOptions) {
    super({ name: checkedName(options), batchSize: options.batchSize ?? [], seed: options.seed ?? 0 });
    const what = this.name;
    if (
      wrapped === null ||
      typeof wrapped !== "object" ||
      typeof wrapped.reset !== "function" ||
      typeof wrapped.step !== "function"
    ) {
      throw new Error(`${what}: the wrapped env must have reset() and step() methods, got ${describeValue(wrapped)}`);
    }
    if (this.batchSize.length > 1)
      throw new Error(`${what}: batchSize must be [] or [N] (a vectorized env), got ${formatShape(this.batchSize)}`);
    this.wrapped = wrapped;
    const b = this.batchSize;
    const obsSpace = (b.length > 0 ? wrapped.singleObservationSpace : undefined) ?? wrapped.observationSpace;
    const actSpace = (b.length > 0 ? wrapped.singleActionSpace : undefined) ?? wrapped.actionSpace;
    this.observationLeaf = specFromSpace(obsSpace, b, `${what}: observationSpace`);
    const actionLeaf = specFromSpace(actSpace, b, `${what}: actionSpace`);
    this.flagShape = Object.freeze([...b, 1]);
    this.setSpecs({
      observation: new Composite({ observation: this.observationLeaf }, b),
      action: new Composite({ action: actionLeaf }, b),
    });
    this.pendingSeed = options.seed ?? 0;
    this.checkObservations = options.checkObservations ?? defaultCheckObservations();
    if (typeof this.checkObservations !== "boolean")
      throw new Error(`${what}: checkObservations must be a boolean, got ${describeValue(options.checkObservations)}`);
    this.isAsync = isAsyncFunction(wrapped.reset) || isAsyncFunction(wrapped.step);
  }

  override close(): void {
    this.wrapped.close?.();
  }

  /** `close()`, awaiting the wrapped env's `close` if it returns a Promise. */
  async closeAsync(): Promise<void> {
    await this.wrapped.close?.();
  }

  // ---------------------------------------------------------------- async protocol

  /** `reset`, for wrapped envs that answer with Promises (and for synchronous ones). */
  async resetAsync(td?: TensorDict): Promise<TensorDict> {
    this.enter("resetAsync");
    try {
      this.probe(() => this.reset(td));
      const mask = this.probedMask;
      const call = this.resetCall(mask);
      const root = call === null ? this.currentRoot() : this.acceptReset(await this.wrapped.reset(call), mask);
      return this.deliver(root, () => this.reset(td));
    } finally {
      this.busy = false;
    }
  }

  /** `step`, for wrapped envs that answer with Promises (and for synchronous ones). */
  async stepAsync(td: TensorDict): Promise<TensorDict> {
    this.enter("stepAsync");
    try {
      this.probe(() => this.step(td));
      const result = await this.wrapped.step(valueFromHost(td.getHost(this.actionKey)));
      const next = this.acceptStep(result);
      return this.deliver(next, () => this.step(td));
    } finally {
      this.busy = false;
    }
  }

  /** `stepAndMaybeReset` with `stepAsync` and `resetAsync`. Returns `[td, nextRoot]`. */
  async stepAndMaybeResetAsync(td: TensorDict): Promise<[TensorDict, TensorDict]> {
    await this.stepAsync(td);
    let nextRoot = stepMdp(td);
    const done = td.getHost(["next", this.doneKeys[0]!]).data;
    if (done.includes(1)) {
      nextRoot.set("_reset", HostArray.from("bool", this.flagShape, done));
      nextRoot = await this.resetAsync(nextRoot);
    }
    return [td, nextRoot];
  }

  /** `rollout` with the async methods (the same three spellings of the arguments); `policy` may return a Promise. */
  async rolloutAsync(maxSteps: number, policy?: AsyncPolicy, options?: RolloutOptions): Promise<TensorDict>;
  async rolloutAsync(maxSteps: number, options: RolloutOptions & { policy?: AsyncPolicy }): Promise<TensorDict>;
  async rolloutAsync(call: RolloutCall<AsyncPolicy>): Promise<TensorDict>;
  async rolloutAsync(
    first: number | RolloutCall<AsyncPolicy>,
    second?: AsyncPolicy | (RolloutOptions & { policy?: AsyncPolicy }),
    third?: RolloutOptions,
  ): Promise<TensorDict> {
    const what = `${this.name}.rolloutAsync()`;
    const { maxSteps, policy, options } = rolloutArgs(what, first, second, third);
    const { breakWhenAnyDone = true, autoReset = true, tensordict } = options;
    let root: TensorDict;
    if (autoReset) root = await this.resetAsync(tensordict);
    else if (tensordict === undefined)
      throw new Error(`${what}: autoReset is false, so pass the starting root record as "tensordict"`);
    else root = tensordict;
    const steps: TensorDict[] = [];
    for (let t = 0; t < maxSteps; t++) {
      root =
        policy === undefined
          ? this.randAction(root)
          : policyOutputToHost(await policy(root), root, `${what}: the policy`);
      if (breakWhenAnyDone) {
        await this.stepAsync(root);
        steps.push(root);
        if (root.getHost(["next", this.doneKeys[0]!]).data.includes(1)) break;
        root = stepMdp(root);
      } else {
        const [stepped, nextRoot] = await this.stepAndMaybeResetAsync(root);
        steps.push(stepped);
        root = nextRoot;
      }
    }
    return TensorDict.stack(steps, this.batchSize.length);
  }

  // ---------------------------------------------------------------- EnvBase hooks

  protected override _reset(mask: Uint8Array | null): TensorDict {
    if (this.mode === "probe") {
      this.probedMask = mask;
      throw PROBED;
    }
    if (this.mode === "deliver") return this.delivery!;
    this.refuseSync("reset");
    const call = this.resetCall(mask);
    if (call === null) return this.currentRoot();
    return this.acceptReset(
      this.callSync("reset", () => this.wrapped.reset(call)),
      mask,
    );
  }

  protected override _step(td: TensorDict): TensorDict {
    if (this.mode === "probe") throw PROBED;
    if (this.mode === "deliver") return this.delivery!;
    this.refuseSync("step");
    const action = valueFromHost(td.getHost(this.actionKey));
    return this.acceptStep(this.callSync("step", () => this.wrapped.step(action)));
  }

  protected override _setSeed(seed: number): void {
    this.pendingSeed = seed;
  }

  // ---------------------------------------------------------------- internals

  /** The wrapped `reset`'s argument for `mask`, or null when no sub-env is to be reset. */
  private resetCall(mask: Uint8Array | null): GymResetOptions | null {
    if (mask !== null && !mask.includes(1)) return null;
    const call: GymResetOptions = {};
    if (this.pendingSeed !== null) call.seed = this.pendingSeed;
    if (mask?.includes(0)) call.options = { reset_mask: Array.from(mask, (flag) => flag === 1) };
    return call;
  }

  private acceptReset(result: unknown, mask: Uint8Array | null): TensorDict {
    const what = `${this.name}.reset()`;
    if (!Array.isArray(result) || result.length < 1)
      throw new Error(
        `${what}: the wrapped env's reset() must return [observation, info], got ${describeValue(result)}`,
      );
    const observation = this.observationFrom(result[0], what);
    const n = this.numEnvs;
    const flags = { done: new Uint8Array(n), terminated: new Uint8Array(n), truncated: new Uint8Array(n) };
    if (mask !== null && this.current !== null) {
      // A sub-env that was not reset keeps its flags.
      for (const key of ["done", "terminated", "truncated"] as const) {
        const previous = this.current.getHost(key).data;
        for (let i = 0; i < n; i++) if (mask[i] !== 1) flags[key][i] = previous[i]!;
      }
    }
    this.pendingSeed = null;
    this.current = this.record(observation, flags);
    return this.current;
  }

  private acceptStep(result: unknown): TensorDict {
    const what = `${this.name}.step()`;
    if (!Array.isArray(result) || result.length < 4) {
      throw new Error(
        `${what}: the wrapped env's step() must return [observation, reward, terminated, truncated, info], got ${describeValue(result)}`,
      );
    }
    const n = this.numEnvs;
    const observation = this.observationFrom(result[0], what);
    const reward = this.numbers(result[1], `${what}: the reward`, "number");
    const terminated = this.numbers(result[2], `${what}: terminated`, "flag");
    const truncated = this.numbers(result[3], `${what}: truncated`, "flag");
    const done = new Uint8Array(n);
    for (let i = 0; i < n; i++) done[i] = terminated[i]! | truncated[i]!;
    this.current = this.record(observation, {
      done,
      terminated: Uint8Array.from(terminated),
      truncated: Uint8Array.from(truncated),
    });
    // A shallow copy: `current` must not get the reward key (it becomes a root record), and no one writes into these arrays.
    return this.current.exclude().set("reward", new HostArray("float32", this.flagShape, Float32Array.from(reward)));
  }

  /** The wrapped env's observation as a host array, checked against the spec with `checkObservations`. */
  private observationFrom(value: unknown, what: string): HostArray {
    const observation = hostFromValue(value, this.observationLeaf, `${what}: the observation`);
    if (!this.checkObservations) return observation;
    const data = observation.data;
    for (let i = 0; i < data.length; i++) {
      if (Number.isNaN(data[i])) {
        throw new Error(
          `${what}: the observation has NaN at flat index ${i} (checkObservations: pass false to skip this check)`,
        );
      }
    }
    const problem = this.observationLeaf.mismatch(observation);
    if (problem !== null)
      throw new Error(
        `${what}: the observation does not fit ${this.observationLeaf.toString()}: ${problem} (checkObservations: pass false to skip this check)`,
      );
    return observation;
  }

  /** One number (or flag) per sub-env from a scalar or an array, checked. */
  private numbers(value: unknown, what: string, kind: "number" | "flag"): number[] {
    const n = this.numEnvs;
    const batched = this.batchSize.length > 0;
    const values: unknown[] =
      batched && value !== null && typeof value === "object" && "length" in value
        ? Array.from(value as ArrayLike<unknown>)
        : [value];
    if (values.length !== n)
      throw new Error(`${what} must be ${batched ? `an array of ${n}` : "one value"}, got ${describeValue(value)}`);
    return values.map((v, i) => {
      const at = batched ? ` at batch index [${i}]` : "";
      if (kind === "flag") {
        if (v === true || v === 1) return 1;
        if (v === false || v === 0) return 0;
        throw new Error(`${what} must be a boolean${at}, got ${describeValue(v)}`);
      }
      if (typeof v !== "number" || Number.isNaN(v))
        throw new Error(`${what} must be a number${at}, got ${describeValue(v)}`);
      return v;
    });
  }

  private record(
    observation: HostArray,
    flags: { done: Uint8Array; terminated: Uint8Array; truncated: Uint8Array },
  ): TensorDict {
    const s = this.flagShape;
    return new TensorDict(
      {
        observation,
        done: new HostArray("bool", s, flags.done),
        terminated: new HostArray("bool", s, flags.terminated),
        truncated: new HostArray("bool", s, flags.truncated),
      },
      this.batchSize,
    );
  }

  private currentRoot(): TensorDict {
    if (this.current === null)
      throw new Error(`${this.name}.reset(): nothing to reset, and the env has no observation yet`);
    return this.current.clone();
  }

  /** Runs an EnvBase method only for its input checks: it throws on bad input, or stops at `_step` / `_reset`. */
  private probe(run: () => unknown): void {
    this.mode = "probe";
    try {
      run();
    } catch (error) {
      if (error === PROBED) return;
      throw error;
    } finally {
      this.mode = "call";
    }
    throw new Error(`${this.name}: internal error: EnvBase did not call _step / _reset`);
  }

  /** Runs the EnvBase method again, with `_step` / `_reset` returning `result`: EnvBase does its bookkeeping. */
  private deliver(result: TensorDict, run: () => TensorDict): TensorDict {
    this.mode = "deliver";
    this.delivery = result;
    try {
      return run();
    } finally {
      this.mode = "call";
      this.delivery = null;
    }
  }

  private enter(method: string): void {
    if (this.busy)
      throw new Error(`${this.name}.${method}(): another resetAsync() or stepAsync() is still running; await it first`);
    this.busy = true;
  }

  private refuseSync(method: "reset" | "step"): void {
    if (this.busy)
      throw new Error(`${this.name}.${method}(): a resetAsync() or stepAsync() is still running; await it first`);
    if (this.isAsync) throw asyncError(this.name, method);
  }

  /** Calls the wrapped method; a Promise result marks the env async and is refused (its rejection is not lost: it is the caller's error now). */
  private callSync<T>(method: "reset" | "step", call: () => T | PromiseLike<T>): T {
    const result = call();
    if (isThenable(result)) {
      this.isAsync = true;
      // The call has started on the wrapped env and cannot be taken back; only its outcome is dropped.
      Promise.resolve(result).catch(() => undefined);
      throw asyncError(this.name, method);
    }
    return result;
  }
}

function asyncError(name: string, method: "reset" | "step"): Error {
  return new Error(
    `${name}.${method}(): the wrapped env's ${method}() returns a Promise, so ${name} cannot ${method} synchronously; ` +
      "use resetAsync(), stepAsync(), stepAndMaybeResetAsync() and rolloutAsync() instead of reset(), step(), stepAndMaybeReset() and rollout()",
  );
}

function isAsyncFunction(fn: unknown): boolean {
  return Object.prototype.toString.call(fn) === "[object AsyncFunction]";
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === "object" || typeof value === "function") &&
    typeof (value as { then?: unknown }).then === "function"
  );
}
