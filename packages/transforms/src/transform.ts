import { brandClass } from "@tdrl/tensordict";
import { type Composite, HostArray, TensorDict, TensorSpec, formatShape, type Leaf } from "@tdrl/tensordict";
import type { JsonValue, Schema } from "@tdrl/tensordict";
import type { EnvBase } from "@tdrl/envs";

/** The keys a transform reads and writes; `outKeys` defaults to `inKeys`, pairwise. */
export interface TransformKeys {
  /** Keys read by `forward` / `step` / `reset` (dotted paths name nested keys). */
  inKeys?: readonly string[];
  /** Keys written, one per `inKeys` entry (default: `inKeys`, i.e. in place). */
  outKeys?: readonly string[];
  /** Keys read by `inv`, as the outside world (the policy) writes them, e.g. `["action"]`. */
  inKeysInv?: readonly string[];
  /** Keys `inv` writes, as the base env reads them, one per `inKeysInv` entry (default: `inKeysInv`). */
  outKeysInv?: readonly string[];
}

/**
 * What holds a transform: a `Compose` or a `TransformedEnv`. A transform learns its place through it, so
 * that `parent` can rebuild "the env as this transform sees it" and so that a change (`Compose.append`)
 * reaches the env, whose specs then get recomputed.
 */
export interface TransformContainer {
  /** Called by a transform (or a nested container) when the specs it produces may have changed. */
  transformsChanged(): void;
  /**
   * The env as `child` sees it (the base env and every transform before `child`), followed by the
   * transforms `then`; null when the container is in no env.
   */
  envBefore(child: Transform, then?: readonly Transform[]): EnvBase | null;
  /**
   * Steps the env below `child` once more with the action in `root` (the record the current step was
   * taken from): the base env, then the transforms before `child` followed by `then`. Returns the `"next"`
   * record as `child` sees it. For transforms that repeat a step (FrameSkip); optional, so a container
   * outside an env need not have it.
   */
  stepBelow?(child: Transform, root: TensorDict, then?: readonly Transform[]): TensorDict;
}

/**
 * The base of every transform (TorchRL's `Transform`). A transform acts on what an env produces, on its
 * specs, and optionally on what goes in (actions); the same object also runs standalone on any TensorDict,
 * e.g. a replay-buffer sample.
 *
 * Hooks a subclass overrides (all work on host arrays, never on tfjs tensors, and must not write into
 * arrays they did not allocate: the records they receive share leaves with other records):
 * - `_call(record)`: the key-wise transform of one record holding observations (TorchRL's `_call`). The
 *   default maps each `inKeys[i]` leaf through `transformLeaf` into `outKeys[i]`. Stateless transforms
 *   override only this (or only `transformLeaf`).
 * - `reset(input, record, mask)`: runs on the env's reset output. `record` is the root record the env
 *   below produced, for ALL sub-envs; `input` is the caller's current root record (the previous step's
 *   next root, possibly carrying `"_reset"` and this transform's own keys such as `step_count`), or an
 *   empty record on a first reset; `mask` has one byte per sub-env (row-major over the batch), 1 for the
 *   sub-envs being reset, or is null when all of them are. It is where partial resets reach a transform:
 *   it comes from the `"_reset"` entry given to `env.reset(td)`, or from the done flags in
 *   `stepAndMaybeReset` / `rollout`. A stateful transform (StepCounter, RewardSum, CatFrames, VecNorm)
 *   re-initialises the masked rows and keeps the others (from `input` or from its own buffers). Default:
 *   `_call(record)` after checking that the `inKeys` are there.
 * - `step(root, next)`: runs on every step. `root` is the record the step was taken from (observations,
 *   action, this transform's root keys); `next` is the step's `"next"` record from the env below (a
 *   shallow copy: setting keys on it is fine). Returns the new `"next"` record. Default: `_call(next)`.
 * - `_invCall(td)`: maps the `inKeysInv` leaves (what the policy wrote) through `inverseLeaf` into
 *   `outKeysInv` (what the env below reads) before the base env steps. Default: identity; a transform
 *   with no `inKeysInv` that overrides neither `_invCall` nor `inv` is skipped on the way in.
 * - Spec hooks, each given the spec the env below declares and returning the spec this transform's
 *   output has: `transformObservationSpec`, `transformRewardSpec`, `transformDoneSpec`, and
 *   `transformActionSpec` (given the base env's action spec, returning what the policy must write).
 *   Defaults: observation specs of `inKeys` go through `transformLeafSpec` into `outKeys`; the others are
 *   unchanged. A Composite passed in may be modified and returned (callers pass clones). A container
 *   calls them in the order reward, done, action, observation, so the observation hook may use what the
 *   others saw (RewardSum's `episode_reward` takes the reward's shape).
 *
 * Public entry points: `forward(td)` runs the transform standalone: `_call` on the root of `td` and on
 * `td.next` when it has one, so a replay sample of batch size `[B, T]` works as well as a single step (leaf
 * shapes are `[...td.batchSize, ...event]`; transforms act on the event dims). Every `inKeys` entry must
 * be found at one of those levels. `inv(td)` runs `_invCall` on a shallow copy.
 *
 * A key a transform needs and does not find is an error naming the transform, the key and the keys it
 * found (`missingKey`). `parent` is the env as this transform sees it: the base env followed by the
 * transforms before this one (what `ObservationNorm.initStats` rolls out), as a `TransformedEnv` that
 * shares them and the base env (stepping it steps the base env); null outside an env. `container` is the
 * Compose or TransformedEnv holding the transform; its `stepBelow(this, root)` steps the env below once
 * more within a step (FrameSkip) or a reset (NoopReset).
 *
 * @example
 * import { HostArray, TensorDict } from "@tdrl/tensordict";
 * import { Transform } from "@tdrl/transforms";
 * // Doubles every float32 key it is given.
 * class Double extends Transform {
 *   protected override transformLeaf(leaf: HostArray): HostArray {
 *     const out = leaf.clone() as HostArray<"float32">;
 *     for (let i = 0; i < out.data.length; i++) out.data[i]! *= 2;
 *     return out;
 *   }
 * }
 * const td = new TensorDict({ observation: HostArray.from("float32", [2], [1, 2]) });
 * new Double({ inKeys: ["observation"] }).forward(td).getHost("observation").data; // Float32Array [2, 4]
 */
export abstract class Transform {
  static {
    brandClass(this, "Transform");
  }

  /**
   * Type-level only: the keys this transform adds to an env's records (see `AddedKeys`); a transform that
   * declares none makes a `TransformedEnv`'s records untyped.
   */
  declare readonly addedKeys?: Schema;

  readonly inKeys: readonly string[];
  readonly outKeys: readonly string[];
  readonly inKeysInv: readonly string[];
  readonly outKeysInv: readonly string[];
  private containerRef: TransformContainer | null = null;

  constructor(keys: TransformKeys = {}) {
    const name = this.name;
    this.inKeys = checkKeys(keys.inKeys ?? [], `${name}: inKeys`);
    this.outKeys = checkKeys(keys.outKeys ?? this.inKeys, `${name}: outKeys`);
    if (this.outKeys.length !== this.inKeys.length) {
      throw new Error(
        `${name}: outKeys has ${this.outKeys.length} keys (${this.outKeys.join(", ")}), inKeys has ${this.inKeys.length} (${this.inKeys.join(", ")}); give one out key per in key`,
      );
    }
    this.inKeysInv = checkKeys(keys.inKeysInv ?? [], `${name}: inKeysInv`);
    this.outKeysInv = checkKeys(keys.outKeysInv ?? this.inKeysInv, `${name}: outKeysInv`);
    if (this.outKeysInv.length !== this.inKeysInv.length) {
      throw new Error(
        `${name}: outKeysInv has ${this.outKeysInv.length} keys, inKeysInv has ${this.inKeysInv.length}; give one out key per in key`,
      );
    }
  }

  /** Used in error messages; the class name unless a subclass says otherwise. */
  get name(): string {
    return this.constructor.name;
  }

  toString(): string {
    return this.inKeys.length === 0 ? this.name : `${this.name}(${this.inKeys.join(", ")})`;
  }

  // ---------------------------------------------------------------- place in a container

  /** The Compose or TransformedEnv holding this transform, or null. */
  get container(): TransformContainer | null {
    return this.containerRef;
  }

  /**
   * The env as this transform sees it (the base env and the transforms before this one), or null outside an
   * env. A new view on each access, sharing the base env and the transforms; its random actions come from
   * the base env's seeded action stream, so `env.setSeed` decides them.
   */
  get parent(): EnvBase | null {
    return this.containerRef === null ? null : this.containerRef.envBefore(this);
  }

  /**
   * Called by containers only. A transform sits in one container at a time (its state and its parent
   * are those of one env); reuse needs a new instance.
   */
  attach(container: TransformContainer): void {
    if (this.containerRef !== null && this.containerRef !== container) {
      throw new Error(
        `${this.name}: the transform is already in a Compose or TransformedEnv; a transform can sit in one place only (make a new one)`,
      );
    }
    this.containerRef = container;
  }

  /** Called by containers when they drop the transform. */
  detach(): void {
    this.containerRef = null;
  }

  /** Tells the env above that this transform's specs may have changed (e.g. after its parameters changed). */
  protected specsChanged(): void {
    this.containerRef?.transformsChanged();
  }

  // ---------------------------------------------------------------- entry points

  /** Standalone use: `_call` on the root of `td` and on `td.next`, in place; returns `td`. */
  forward(td: TensorDict): TensorDict {
    const next = td.has("next") ? td.get("next") : undefined;
    const levels = next instanceof TensorDict ? [td, next] : [td];
    for (const key of this.inKeys) {
      if (!levels.some((level) => level.has(key))) {
        throw this.missingKey(key, td, next instanceof TensorDict ? 'the record (root or "next")' : "the record");
      }
    }
    this._call(td);
    if (next instanceof TensorDict) this._call(next);
    return td;
  }

  /**
   * Maps what the policy wrote into what the env below reads. Returns a new record (a shallow copy of
   * `td`), or `td` itself when this transform inverts nothing (no `inKeysInv` and no `_invCall` of its
   * own): the common case, and a copy per transform per step showed in the step time.
   */
  inv(td: TensorDict): TensorDict {
    if (!this.inverts) return td;
    return this._invCall(td.exclude());
  }

  /** Whether `inv` does anything: `inKeysInv` given, or `inv` / `_invCall` overridden. */
  get inverts(): boolean {
    const base = Transform.prototype;
    return this.inKeysInv.length > 0 || this._invCall !== base._invCall || this.inv !== base.inv;
  }

  /** On the env's reset output; see the class comment. Returns the transformed reset record. */
  reset(input: TensorDict, record: TensorDict, mask: Uint8Array | null): TensorDict {
    void input;
    void mask;
    this.requireKeys(record, this.inKeys, "the reset record");
    return this._call(record);
  }

  /** On each step's `"next"` record; see the class comment. Returns the transformed `"next"` record. */
  step(root: TensorDict, next: TensorDict): TensorDict {
    void root;
    this.requireKeys(next, this.inKeys, 'the step\'s "next" record');
    return this._call(next);
  }

  // ---------------------------------------------------------------- fusion (used by Compose)

  /**
   * A transform doing the work of this one followed by `next` in one pass (e.g. ToTensorImage then
   * GrayScale then Resize straight from bytes to the small float image), or null when the pair does not
   * fuse (the default). `Compose` asks at build time and runs the fused plan; its specs, `at`, `append` and
   * `insert` still see the transforms given to it. A fused transform must give the same records (values
   * within 1e-6, same keys) as the pair, and must not be attached anywhere: it holds no container.
   */
  fuseWith(next: Transform): Transform | null {
    void next;
    return null;
  }

  /**
   * The keys this transform may read or write in any hook (dotted paths; a key covers its sub-keys), or null
   * when it cannot say (the default: it may touch anything). `Compose` moves a transform past the ones in
   * between to fuse it with an earlier one only when none of them touches its keys.
   */
  touchedKeys(): readonly string[] | null {
    return null;
  }

  /** `Transform.prototype._call` for `t`: lets a fused transform run a part it stands for without copying its code. */
  protected static callOf(t: Transform, record: TensorDict): TensorDict {
    return t._call(record);
  }

  // ---------------------------------------------------------------- checkpoints (state / loadState)

  /**
   * What the transform has learned or keeps between steps, as plain JSON (see "Checkpoints" in the README);
   * null for the stateless ones (most: counts, sums and flags live in the records). A stateful transform
   * overrides both methods; `loadState` checks everything before changing anything.
   */
  state(): JsonValue {
    return null;
  }

  loadState(state: JsonValue): void {
    if (state !== null)
      throw new Error(
        `${this.name}.loadState(): this transform keeps no state, so the state must be null, got ${JSON.stringify(state)?.slice(0, 80)}`,
      );
  }

  // ---------------------------------------------------------------- spec hooks

  transformObservationSpec(spec: Composite): Composite {
    for (let i = 0; i < this.inKeys.length; i++) {
      const inKey = this.inKeys[i]!;
      const outKey = this.outKeys[i]!;
      const leaf = this.leafSpec(spec, inKey, "the observation spec");
      spec.set(outKey, this.transformLeafSpec(leaf, inKey, spec.batchSize.length));
    }
    return spec;
  }

  transformRewardSpec(spec: Composite): Composite {
    return spec;
  }

  transformDoneSpec(spec: Composite): Composite {
    return spec;
  }

  /** Given the action spec of the env below, returns the one the policy must satisfy. */
  transformActionSpec(spec: Composite): Composite {
    return spec;
  }

  // ---------------------------------------------------------------- for subclasses

  /** Maps each present `inKeys[i]` leaf through `transformLeaf` into `outKeys[i]`, in place; returns `record`. */
  protected _call(record: TensorDict): TensorDict {
    const batchDims = record.batchDims;
    for (let i = 0; i < this.inKeys.length; i++) {
      const inKey = this.inKeys[i]!;
      if (!record.has(inKey)) continue;
      record.set(this.outKeys[i]!, this.transformLeaf(this.hostLeaf(record, inKey), inKey, batchDims));
    }
    return record;
  }

  /** Maps each present `inKeysInv[i]` leaf through `inverseLeaf` into `outKeysInv[i]`; returns `td`. */
  protected _invCall(td: TensorDict): TensorDict {
    const batchDims = td.batchDims;
    for (let i = 0; i < this.inKeysInv.length; i++) {
      const inKey = this.inKeysInv[i]!;
      if (!td.has(inKey)) throw this.missingKey(inKey, td, "the input record (inv)");
      td.set(this.outKeysInv[i]!, this.inverseLeaf(this.hostLeaf(td, inKey), inKey, batchDims));
    }
    return td;
  }

  /** One leaf's forward transform; `batchDims` leading dims are batch, the rest the event. Default: identity. */
  protected transformLeaf(leaf: HostArray, _key: string, _batchDims: number): HostArray {
    return leaf;
  }

  /** One leaf's inverse transform (for `inKeysInv`). Default: identity. */
  protected inverseLeaf(leaf: HostArray, _key: string, _batchDims: number): HostArray {
    return leaf;
  }

  /** The spec of `transformLeaf`'s output. Default: unchanged. */
  protected transformLeafSpec(spec: TensorSpec, _key: string, _batchDims: number): TensorSpec {
    return spec;
  }

  /** The error for a key this transform needs and did not find: names the transform, the key, where, and the keys there. */
  protected missingKey(key: string, record: TensorDict, where: string): Error {
    return missingKeyError(this.name, key, record, where);
  }

  /** Throws `missingKey` for the first of `keys` that `record` lacks. */
  protected requireKeys(record: TensorDict, keys: readonly string[], where: string): void {
    for (const key of keys) if (!record.has(key)) throw this.missingKey(key, record, where);
  }

  /** The leaf at `key` as a host array, with an error naming the transform if it is a tensor or a sub-record. */
  protected hostLeaf(record: TensorDict, key: string): HostArray {
    if (!record.has(key)) throw this.missingKey(key, record, "the record");
    const value = record.get(key) as Leaf | TensorDict;
    if (value instanceof HostArray) return value;
    if (value instanceof TensorDict)
      throw new Error(`${this.name}: "${key}" is a sub-record, expected a host array leaf`);
    throw new Error(
      `${this.name}: "${key}" is a tfjs tensor of shape ${formatShape(value.shape)}; transforms work on host arrays (call toHost() first)`,
    );
  }

  /** The entry (leaf spec or Composite) at `key` of `spec`, with the missing-key error naming this transform. */
  protected specEntry(spec: Composite, key: string, where: string): TensorSpec | Composite {
    if (!spec.has(key)) {
      const found = spec.keys({ nested: true, leavesOnly: true }).join(", ") || "(none)";
      throw new Error(`${this.name}: key "${key}" not found in ${where}; it has keys: ${found}`);
    }
    return spec.get(key);
  }

  /** The leaf spec at `key` of `spec`, with the missing-key error naming this transform. */
  protected leafSpec(spec: Composite, key: string, where: string): TensorSpec {
    const entry = this.specEntry(spec, key, where);
    if (!(entry instanceof TensorSpec))
      throw new Error(`${this.name}: "${key}" in ${where} is a Composite, expected a leaf spec`);
    return entry;
  }
}

/** `Name: key "k" not found in <where>; it has keys: a, b`: the one wording of every missing-key error. */
export function missingKeyError(name: string, key: string, record: TensorDict, where: string): Error {
  const found = record.keys({ nested: true, leavesOnly: true }).join(", ") || "(none)";
  return new Error(`${name}: key "${key}" not found in ${where}; it has keys: ${found}`);
}

function checkKeys(keys: readonly string[], what: string): readonly string[] {
  if (!Array.isArray(keys)) throw new Error(`${what} must be an array of key strings, got ${String(keys)}`);
  for (const key of keys) {
    if (typeof key !== "string" || key.length === 0)
      throw new Error(`${what} must hold non-empty key strings, got ${JSON.stringify(key)}`);
  }
  return Object.freeze([...keys]);
}
