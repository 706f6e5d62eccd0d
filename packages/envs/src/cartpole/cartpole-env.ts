import {
  Bounded,
  Categorical,
  Composite,
  HostArray,
  OneHot,
  shapesEqual,
  TensorDict,
  Unbounded,
  type Bool,
  type Float32,
  type Int32,
  type Rng,
  type Schema,
  type UInt8,
  type UntypedSchema,
  checkAllocation,
  checkOptions,
  type OptionKeys,
} from "@tdrl/tensordict";
import { formatBatchIndex } from "../batch-position";
import { EnvBase } from "../env-base";
import type { StepSchema } from "../env-schema";
import type { JsonValue } from "@tdrl/tensordict";
import { decodeCartPole, encodeCartPole, type CartPoleArrays } from "./cartpole-state";
import {
  OBSERVATION_HIGH,
  stepCartPoles,
  type CartPoleEpisodeOutputs,
  type KinematicsIntegrator,
} from "./cartpole-physics";
import { CARTPOLE_FRAME_HEIGHT, CARTPOLE_FRAME_WIDTH, renderCartPoleRgb, renderCartPoleSmall } from "./render-cartpole";

const CART_POLE_ENV_OPTION_KEYS = {
  batchSize: true,
  version: true,
  suttonBartoReward: true,
  low: true,
  high: true,
  categoricalActionEncoding: true,
  fromPixels: true,
  pixelsOnly: true,
  renderSize: true,
  grayscale: true,
  kinematicsIntegrator: true,
  seed: true,
} satisfies OptionKeys<CartPoleEnvOptions>;

/** `"v1"`: 500-step episodes (Gymnasium's CartPole-v1); `"v0"`: 200 steps. */
export type CartPoleVersion = "v0" | "v1";

export interface CartPoleEnvOptions {
  /** Default `[]` (one cart). `[N]` steps N carts in one loop. */
  batchSize?: readonly number[];
  /** Default `"v1"`. */
  version?: CartPoleVersion;
  /** Gymnasium 1.x's alternative reward: 0 per step, -1 on the terminating step (default false: +1 per step). */
  suttonBartoReward?: boolean;
  /** Reset draws each state variable uniformly from [low, high) (default -0.05 and 0.05, as Gymnasium). */
  low?: number;
  high?: number;
  /** Actions as a category index, `Categorical(2)` int32 (default true); false gives TorchRL GymEnv's `OneHot(2)`. */
  categoricalActionEncoding?: boolean;
  /** Add a `"pixels"` uint8 observation (default false). */
  fromPixels?: boolean;
  /** With `fromPixels`, drop the `"observation"` state vector (default true, as TorchRL). */
  pixelsOnly?: boolean;
  /** With `fromPixels`, render at `[height, width]` instead of Gymnasium's 400x600 frame. */
  renderSize?: readonly [number, number];
  /** With `fromPixels`, one channel instead of three (default false). */
  grayscale?: boolean;
  /** Default `"euler"`, Gymnasium's default. */
  kinematicsIntegrator?: KinematicsIntegrator;
  /** Default 0. */
  seed?: number;
}

/** A boolean option as a literal: its value when the options are a literal, `Default` when absent, else `boolean`. */
type FlagOf<Opt, K extends string, Default extends boolean> = K extends keyof Opt
  ? Opt[K] extends true
    ? true
    : Opt[K] extends false
      ? false
      : Opt[K] extends undefined
        ? Default
        : boolean
  : Default;

/**
 * The observation keys a `CartPoleEnv` built with options `Opt` writes: `"observation"` by default,
 * `"pixels"` with `fromPixels` (and both with `pixelsOnly: false`). Untyped when the options are not literals.
 */
export type CartPoleObservationSchema<Opt> = [FlagOf<Opt, "fromPixels", false>] extends [true]
  ? [FlagOf<Opt, "pixelsOnly", true>] extends [true]
    ? { pixels: UInt8 }
    : [FlagOf<Opt, "pixelsOnly", true>] extends [false]
      ? { observation: Float32; pixels: UInt8 }
      : UntypedSchema
  : [FlagOf<Opt, "fromPixels", false>] extends [false]
    ? { observation: Float32 }
    : UntypedSchema;

/** The action key of a `CartPoleEnv` built with options `Opt`: int32 categories, or bool one-hot with `categoricalActionEncoding: false`. */
export type CartPoleActionSchema<Opt> = [FlagOf<Opt, "categoricalActionEncoding", true>] extends [true]
  ? { action: Int32 }
  : [FlagOf<Opt, "categoricalActionEncoding", true>] extends [false]
    ? { action: Bool }
    : UntypedSchema;

/**
 * `CartPoleEnv`'s constructor: the option literals decide the record types, so
 * `new CartPoleEnv({ fromPixels: true }).reset().getHost("pixels")` is typed and a typo fails to compile.
 */
export interface CartPoleEnvConstructor {
  new <const Opt extends CartPoleEnvOptions = Record<never, never>>(
    options?: Opt,
  ): CartPoleEnv<StepSchema<CartPoleObservationSchema<Opt>, CartPoleActionSchema<Opt>>>;
  readonly prototype: CartPoleEnv;
}

const MAX_EPISODE_STEPS: Record<CartPoleVersion, number> = { v0: 200, v1: 500 };
const REWARD_THRESHOLD: Record<CartPoleVersion, number> = { v0: 195, v1: 475 };

interface PixelLayout {
  height: number;
  width: number;
  channels: number;
  /** Gymnasium's full RGB frame, drawn by the exact renderer. */
  full: boolean;
}

/**
 * Gymnasium's CartPole (v1 by default) with TorchRL's keys: a pole hinged on a cart that moves along a
 * frictionless track; action 0 pushes the cart left, 1 right; +1 reward per step, the terminating step
 * included; termination when |x| > 2.4 or |theta| > 12 degrees, truncation at 500 steps (200 for v0).
 *
 * - `"observation"`: float32 `[...batch, 4]` = `[x, x_dot, theta, theta_dot]`, the float64 state rounded.
 * - `"action"`: int32 `[...batch]` in {0, 1}, or bool one-hot `[...batch, 2]`.
 * - `"pixels"` (with `fromPixels`): uint8 `[...batch, 400, 600, 3]`, or `[...batch, h, w, grayscale ? 1 : 3]`
 *   with `renderSize`.
 *
 * A batched env keeps all states in one Float64Array and steps every cart in one loop; each sub-env has
 * its own random stream, so a cart's reset states do not depend on when the others reset.
 *
 * @example
 * const env = new CartPoleEnv({ batchSize: [8], seed: 1 });
 * let td = env.reset();
 * for (let t = 0; t < 100; t++) {
 *   [, td] = env.stepAndMaybeReset(env.randAction(td)); // done carts restart on their own
 * }
 * const rollout = env.rollout(500); // batch size [8, T], T = steps until the first cart is done
 *
 * The records are typed by the options (see `CartPoleEnvConstructor`): `new CartPoleEnv().reset()
 * .getHost("observaton")` fails to compile; options whose values are not literals give untyped records.
 */
class CartPoleEnvClass<S extends Schema = UntypedSchema> extends EnvBase<S> {
  readonly version: CartPoleVersion;
  /** Steps after which an episode is truncated: 500 for v1, 200 for v0. */
  readonly maxEpisodeSteps: number;
  /** The average return at which Gymnasium considers the task solved: 475 for v1, 195 for v0. */
  readonly rewardThreshold: number;
  readonly integrator: KinematicsIntegrator;

  /** `[x, x_dot, theta, theta_dot]` per sub-env, float64, Gymnasium's internal state. */
  private readonly physics: Float64Array;
  private readonly elapsed: Int32Array;
  private readonly lastTerminated: Uint8Array;
  private readonly lastTruncated: Uint8Array;
  private readonly oneHot: boolean;
  private readonly suttonBarto: boolean;
  private readonly low: number;
  private readonly high: number;
  private readonly withState: boolean;
  private readonly pixels: PixelLayout | null;
  private readonly obsShape: readonly number[];
  private readonly flagShape: readonly number[];
  private readonly pixelShape: readonly number[];
  private subRngs: Rng[];
  /** The kernel's episode outputs; `_step` points it at each step's fresh arrays. */
  private readonly episode: CartPoleEpisodeOutputs;
  /** One cart's state, handed to the renderers without allocating a view per frame. */
  private readonly scratch = new Float64Array(4);

  constructor(options: CartPoleEnvOptions = {}) {
    checkOptions("CartPoleEnv", options, CART_POLE_ENV_OPTION_KEYS);
    super({ name: "CartPoleEnv", batchSize: options.batchSize ?? [], seed: options.seed ?? 0 });
    const what = this.name;
    const version = options.version ?? "v1";
    if (version !== "v0" && version !== "v1")
      throw new Error(`${what}: version must be "v0" or "v1", got ${JSON.stringify(version)}`);
    const low = options.low ?? -0.05;
    const high = options.high ?? 0.05;
    if (!(Number.isFinite(low) && Number.isFinite(high) && low < high)) {
      throw new Error(`${what}: reset bounds must be finite with low < high, got low ${low} and high ${high}`);
    }
    const integrator = options.kinematicsIntegrator ?? "euler";
    if (integrator !== "euler" && integrator !== "semi-implicit-euler") {
      throw new Error(
        `${what}: kinematicsIntegrator must be "euler" or "semi-implicit-euler", got ${JSON.stringify(integrator)}`,
      );
    }
    this.version = version;
    this.maxEpisodeSteps = MAX_EPISODE_STEPS[version];
    this.rewardThreshold = REWARD_THRESHOLD[version];
    this.integrator = integrator;
    this.suttonBarto = options.suttonBartoReward ?? false;
    this.oneHot = !(options.categoricalActionEncoding ?? true);
    this.low = low;
    this.high = high;
    this.pixels = pixelLayout(options, what);
    checkPixelBytes(this.pixels, this.numEnvs, what);
    // The float64 physics state of every sub-env.
    checkAllocation(what, `batchSize [${this.batchSize.join(", ")}]`, 32 * this.numEnvs);
    this.withState = this.pixels === null || !(options.pixelsOnly ?? true);

    const n = this.numEnvs;
    this.physics = new Float64Array(4 * n);
    this.elapsed = new Int32Array(n);
    this.lastTerminated = new Uint8Array(n);
    this.lastTruncated = new Uint8Array(n);
    this.subRngs = this.rng.split(n);
    const none = new Uint8Array(0);
    const stepReward = this.suttonBarto ? 0 : 1;
    const terminalReward = this.suttonBarto ? -1 : 1;
    this.episode = {
      elapsed: this.elapsed,
      limit: this.maxEpisodeSteps,
      stepReward,
      terminalReward,
      reward: new Float32Array(0),
      done: none,
      truncated: none,
    };
    // stepCartPoles writes done as term | trunc of two 0/1 flags.
    this.doneIsBits = true;

    const b = this.batchSize;
    this.obsShape = Object.freeze([...b, 4]);
    this.flagShape = Object.freeze([...b, 1]);
    const p = this.pixels;
    this.pixelShape = Object.freeze(p === null ? [] : [...b, p.height, p.width, p.channels]);
    const observation: { [key: string]: Bounded<"float32"> | Unbounded<"uint8"> } = {};
    if (this.withState) {
      observation.observation = new Bounded({
        low: OBSERVATION_HIGH.map((v) => -v),
        high: [...OBSERVATION_HIGH],
        shape: this.obsShape,
        dtype: "float32",
      });
    }
    // Every uint8 is in [0, 255]: Unbounded uint8 is TorchRL's Bounded(0, 255) without storing two bounds per pixel.
    if (p !== null) observation.pixels = new Unbounded({ shape: this.pixelShape, dtype: "uint8" });
    this.setSpecs({
      observation: new Composite(observation, b),
      action: new Composite(
        { action: this.oneHot ? new OneHot({ n: 2, shape: [...b, 2] }) : new Categorical({ n: 2, shape: b }) },
        b,
      ),
    });
  }

  /**
   * Sets the physical state `[x, x_dot, theta, theta_dot]` of sub-env `index` (flat, row-major over the
   * batch dims), for tests and replays; with `elapsedSteps`, also its step count towards truncation. The
   * done flags are not touched: a done sub-env still needs a reset.
   */
  setState(index: number, state: ArrayLike<number>, options: { elapsedSteps?: number } = {}): void {
    const what = `${this.name}.setState()`;
    this.checkIndex(index, what);
    if (state === null || typeof state !== "object" || state.length !== 4) {
      throw new Error(`${what}: state must hold 4 numbers [x, x_dot, theta, theta_dot], got ${describeState(state)}`);
    }
    for (let k = 0; k < 4; k++) {
      if (!Number.isFinite(state[k]))
        throw new Error(`${what}: state[${k}] is ${String(state[k])}, not a finite number`);
    }
    const { elapsedSteps } = options;
    if (elapsedSteps !== undefined && !(Number.isInteger(elapsedSteps) && elapsedSteps >= 0)) {
      throw new Error(`${what}: elapsedSteps must be a non-negative integer, got ${String(elapsedSteps)}`);
    }
    for (let k = 0; k < 4; k++) this.physics[4 * index + k] = state[k]!;
    if (elapsedSteps !== undefined) this.elapsed[index] = elapsedSteps;
  }

  /** A copy of sub-env `index`'s float64 state `[x, x_dot, theta, theta_dot]`. */
  getState(index = 0): Float64Array {
    this.checkIndex(index, `${this.name}.getState()`);
    return this.physics.slice(4 * index, 4 * index + 4);
  }

  /** Sub-env `index`'s current frame as Gymnasium renders it: uint8 `[400, 600, 3]`, row 0 at the top. */
  render(index = 0): HostArray<"uint8"> {
    this.checkIndex(index, `${this.name}.render()`);
    const out = new Uint8Array(CARTPOLE_FRAME_HEIGHT * CARTPOLE_FRAME_WIDTH * 3);
    renderCartPoleRgb(this.physics.subarray(4 * index, 4 * index + 4), out);
    return new HostArray("uint8", [CARTPOLE_FRAME_HEIGHT, CARTPOLE_FRAME_WIDTH, 3], out);
  }

  /**
   * Draws new states for the masked carts. The others' observation entries are copied from `input` when it
   * holds them (a partial reset changes only the reset carts' entries of the caller's record, and copying
   * is far cheaper than re-rendering frames), else taken from their current state.
   */
  protected override _reset(mask: Uint8Array | null, input?: TensorDict): TensorDict {
    const n = this.numEnvs;
    const state = this.physics;
    const { low, high, elapsed, lastTerminated, lastTruncated } = this;
    // The observation is written as the carts are drawn, rather than in a pass of its own; the carts not
    // reset keep the caller's entries when it holds them, else their current state.
    const { obs, done, terminated, truncated } = recordArrays(n, this.withState, false);
    if (obs !== null) {
      const kept = keptRows(mask, input, "observation", "float32", this.obsShape) as Float32Array | null;
      if (kept !== null) obs.set(kept);
      else if (mask !== null) for (let k = 0; k < 4 * n; k++) obs[k] = state[k]!;
    }
    // A partial reset (stepAndMaybeReset) usually touches a few carts: find them with indexOf, which is
    // far cheaper than testing every mask byte in JS.
    for (
      let i = mask === null ? 0 : mask.indexOf(1);
      i !== -1 && i < n;
      i = mask === null ? i + 1 : mask.indexOf(1, i + 1)
    ) {
      const rng = this.subRngs[i]!;
      const o = 4 * i;
      for (let k = 0; k < 4; k++) state[o + k] = rng.uniform(low, high);
      if (obs !== null) for (let k = 0; k < 4; k++) obs[o + k] = state[o + k]!;
      elapsed[i] = 0;
      lastTerminated[i] = 0;
      lastTruncated[i] = 0;
    }
    // The new flag arrays are zeroed: copy and combine only when a cart is left terminated or truncated
    // (never after stepAndMaybeReset, which resets every done cart).
    const anyTerminated = lastTerminated.indexOf(1) !== -1;
    const anyTruncated = lastTruncated.indexOf(1) !== -1;
    if (anyTerminated) terminated.set(lastTerminated);
    if (anyTruncated) truncated.set(lastTruncated);
    if (anyTerminated || anyTruncated) for (let i = 0; i < n; i++) done[i] = terminated[i]! | truncated[i]!;
    return this.record(done, terminated, truncated, null, obs, mask, input);
  }

  protected override _step(td: TensorDict): TensorDict {
    const n = this.numEnvs;
    const action = (td.get("action") as HostArray).data;
    const { obs, reward, done, terminated, truncated } = recordArrays(n, this.withState, true);
    const episode = this.episode;
    episode.reward = reward!;
    episode.done = done;
    episode.truncated = truncated;
    stepCartPoles(
      n,
      this.physics,
      action,
      this.oneHot ? 2 : 1,
      this.oneHot ? 1 : 0,
      this.integrator,
      obs,
      terminated,
      0,
      episode,
    );
    this.lastTerminated.set(terminated);
    this.lastTruncated.set(truncated);
    return this.record(done, terminated, truncated, reward, obs, null);
  }

  protected override _setSeed(): void {
    this.subRngs = this.rng.split(this.numEnvs);
  }

  // ---------------------------------------------------------------- checkpoints (see cartpole-state.ts)

  protected override _state(): JsonValue {
    return encodeCartPole(this.stateConfig(), this.stateArrays());
  }

  protected override _loadState(state: JsonValue, what: string): () => void {
    return decodeCartPole(state, this.stateConfig(), this.stateArrays(), what);
  }

  private stateArrays(): CartPoleArrays {
    return {
      physics: this.physics,
      elapsed: this.elapsed,
      lastTerminated: this.lastTerminated,
      lastTruncated: this.lastTruncated,
      subRngs: this.subRngs,
    };
  }

  private stateConfig(): JsonValue {
    const p = this.pixels;
    return {
      version: this.version,
      integrator: this.integrator,
      suttonBarto: this.suttonBarto,
      oneHot: this.oneHot,
      low: this.low,
      high: this.high,
      withState: this.withState,
      pixels: p === null ? null : { height: p.height, width: p.width, channels: p.channels, full: p.full },
    };
  }

  /**
   * The observation keys and done flags (and the reward after a step) for every sub-env, around the
   * observation `_step` or `_reset` has written (null without state observations); with a reset `mask`,
   * pixel rows outside it may come from `input`.
   */
  private record(
    done: Uint8Array,
    terminated: Uint8Array,
    truncated: Uint8Array,
    reward: Float32Array | null,
    obs: Float32Array | null,
    mask: Uint8Array | null,
    input?: TensorDict,
  ): TensorDict {
    const flagShape = this.flagShape;
    const source: Record<string, HostArray> = {};
    if (obs !== null) source.observation = new HostArray("float32", this.obsShape, obs);
    if (this.pixels !== null) source.pixels = new HostArray("uint8", this.pixelShape, this.renderFrames(mask, input));
    if (reward !== null) source.reward = new HostArray("float32", flagShape, reward);
    source.done = new HostArray("bool", flagShape, done);
    source.terminated = new HostArray("bool", flagShape, terminated);
    source.truncated = new HostArray("bool", flagShape, truncated);
    return new TensorDict(source, this.batchSize);
  }

  /** Frames for every sub-env: rendered, or with a reset `mask` copied from `input` outside it. */
  private renderFrames(mask: Uint8Array | null, input?: TensorDict): Uint8Array {
    const p = this.pixels!;
    const frame = p.height * p.width * p.channels;
    const kept = keptRows(mask, input, "pixels", "uint8", this.pixelShape);
    const out = kept === null ? new Uint8Array(this.numEnvs * frame) : (kept.slice() as Uint8Array);
    const options = { height: p.height, width: p.width, grayscale: p.channels === 1 };
    const s = this.scratch;
    for (let i = 0; i < this.numEnvs; i++) {
      if (kept !== null && mask![i] !== 1) continue;
      for (let k = 0; k < 4; k++) s[k] = this.physics[4 * i + k]!;
      if (p.full) renderCartPoleRgb(s, out, i * frame);
      else renderCartPoleSmall(s, out, options, i * frame);
    }
    return out;
  }

  private checkIndex(index: number, what: string): void {
    if (!(Number.isInteger(index) && index >= 0 && index < this.numEnvs)) {
      const last = this.numEnvs - 1;
      throw new Error(
        `${what}: sub-env index ${String(index)} is out of range [0, ${this.numEnvs}) (the last is batch index ${formatBatchIndex(this.batchSize, last)})`,
      );
    }
  }
}

/** V8 keeps typed arrays up to this many bytes on the JS heap; larger ones get a separate backing store. */
const ON_HEAP_BYTES = 64;

/** The fresh arrays one step or reset hands out. */
interface RecordArrays {
  obs: Float32Array | null;
  reward: Float32Array | null;
  done: Uint8Array;
  terminated: Uint8Array;
  truncated: Uint8Array;
}

/**
 * New arrays for one record: `4n` observation floats (with `withObs`), `n` reward floats (with
 * `withReward`) and three `n`-byte flag arrays. Once they are off the heap anyway, they are disjoint views
 * of one buffer: one allocation instead of five, and nothing writes them after the step that made them.
 * Small ones stay separate arrays, since a view would force a small buffer off the heap.
 */
function recordArrays(n: number, withObs: boolean, withReward: boolean): RecordArrays {
  const floats = (withObs ? 4 * n : 0) + (withReward ? n : 0);
  const bytes = 4 * floats + 3 * n;
  if (bytes <= ON_HEAP_BYTES) {
    return {
      obs: withObs ? new Float32Array(4 * n) : null,
      reward: withReward ? new Float32Array(n) : null,
      done: new Uint8Array(n),
      terminated: new Uint8Array(n),
      truncated: new Uint8Array(n),
    };
  }
  // Floats first, so that they start 4-byte aligned.
  const buffer = new ArrayBuffer(bytes);
  const flags = 4 * floats;
  return {
    obs: withObs ? new Float32Array(buffer, 0, 4 * n) : null,
    reward: withReward ? new Float32Array(buffer, withObs ? 16 * n : 0, n) : null,
    done: new Uint8Array(buffer, flags, n),
    terminated: new Uint8Array(buffer, flags + n, n),
    truncated: new Uint8Array(buffer, flags + 2 * n, n),
  };
}

function pixelLayout(options: CartPoleEnvOptions, what: string): PixelLayout | null {
  if (!(options.fromPixels ?? false)) {
    for (const key of ["renderSize", "grayscale"] as const) {
      if (options[key] !== undefined) throw new Error(`${what}: ${key} needs fromPixels: true`);
    }
    return null;
  }
  const grayscale = options.grayscale ?? false;
  const size = options.renderSize;
  if (size === undefined) {
    return {
      height: CARTPOLE_FRAME_HEIGHT,
      width: CARTPOLE_FRAME_WIDTH,
      channels: grayscale ? 1 : 3,
      full: !grayscale,
    };
  }
  if (!Array.isArray(size) || size.length !== 2 || !size.every((d) => Number.isInteger(d) && d >= 1)) {
    throw new Error(`${what}: renderSize must be [height, width] with positive integers, got ${JSON.stringify(size)}`);
  }
  return { height: size[0], width: size[1], channels: grayscale ? 1 : 3, full: false };
}

/** Refuses a frame batch too large to allocate, before any array is made. */
function checkPixelBytes(layout: PixelLayout | null, numEnvs: number, what: string): void {
  if (layout === null) return;
  const { height, width, channels } = layout;
  checkAllocation(
    what,
    `renderSize [${height}, ${width}] with ${channels} channel${channels === 1 ? "" : "s"} for ${numEnvs} sub-env${numEnvs === 1 ? "" : "s"}`,
    height * width * channels * numEnvs,
  );
}

/** `input[key]` when some sub-envs are not reset and it is a host array of this dtype and shape (the caller's current entries), else null. */
function keptRows(
  mask: Uint8Array | null,
  input: TensorDict | undefined,
  key: string,
  dtype: "float32" | "uint8",
  shape: readonly number[],
): Float32Array | Uint8Array | null {
  // Nothing to keep when every sub-env is reset: rendering all beats copying and rendering all.
  if (mask === null || mask.indexOf(0) === -1 || input === undefined || !input.has(key)) return null;
  const value = input.get(key) as unknown;
  if (!(value instanceof HostArray) || value.dtype !== dtype || !shapesEqual(value.shape, shape)) return null;
  return value.data as Float32Array | Uint8Array;
}

function describeState(state: unknown): string {
  if (state === null || typeof state !== "object") return String(state);
  const length = (state as { length?: unknown }).length;
  return typeof length === "number" ? `${length} values` : "an object without a length";
}

Object.defineProperty(CartPoleEnvClass, "name", { value: "CartPoleEnv" });

/** A CartPole env whose records have schema `S` (see `EnvBase`); `CartPoleEnv` alone is any CartPole. */
export type CartPoleEnv<S extends Schema = UntypedSchema> = CartPoleEnvClass<S>;
export const CartPoleEnv = CartPoleEnvClass as CartPoleEnvConstructor;
