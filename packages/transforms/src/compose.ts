import { brandClass, describeValue } from "@tdrl/tensordict";
import type { Composite, TensorDict } from "@tdrl/tensordict";
import type { EnvBase } from "@tdrl/envs";
import type { ChainAddedKeys } from "./added-keys";
import { Transform, type TransformContainer } from "./transform";
import type { JsonValue } from "@tdrl/tensordict";
import { composeParts } from "./transform-state";

/**
 * A chain of transforms applied in order (TorchRL's `Compose`): outputs and specs go through them first to
 * last, `inv` (actions) last to first. Nested Composes are flattened when given to the constructor,
 * `append` or `insert`, so `at(i)` indexes the flat chain. Changing the chain inside a `TransformedEnv`
 * recomputes the env's specs.
 *
 * Adjacent transforms that can do their work in one pass are fused (see `Transform.fuseWith`): ToTensorImage,
 * GrayScale and Resize become one pass from the env's bytes to the small float image, and ToTensorImage then
 * ObservationNorm one table look-up per byte. A transform is moved past the ones in between to meet its
 * partner only when they declare keys it does not share (`touchedKeys`). The fused plan is internal and
 * rebuilt whenever the chain or a transform's parameters change: specs, `at`, `append` and `insert` see the
 * transforms given, and results equal the unfused chain's (`fusion = false` runs that, for comparison).
 *
 * @example
 * import { CartPoleEnv } from "@tdrl/envs";
 * import { Compose, InitTracker, RewardSum, StepCounter, TransformedEnv } from "@tdrl/transforms";
 * const env = new TransformedEnv(new CartPoleEnv(), new Compose(new StepCounter(), new InitTracker()));
 * env.transform.append(new RewardSum());
 * env.transform.at(-1, RewardSum).name; // "RewardSum", typed as RewardSum (an error if it were not one)
 * env.reset().keys(); // observation, done, terminated, truncated, step_count, is_init, episode_reward
 */
export class Compose<const Ts extends readonly Transform[] = readonly Transform[]>
  extends Transform
  implements TransformContainer
{
  /** The keys the transforms given to the constructor add (a later `append` / `insert` is not tracked by the type). */
  declare readonly addedKeys?: ChainAddedKeys<Ts>;

  static {
    brandClass(this, "Compose");
  }

  private readonly chain: Transform[] = [];
  /** What `forward`, `reset` and `step` run: the chain with fusable runs folded (see `fold`). */
  private runPlan: Transform[] = [];
  /** The transforms with an inverse, last first: what `inv` runs (asked on every env step, so kept ready). */
  private invPlan: Transform[] = [];
  private fusionOn = true;

  constructor(...transforms: Ts) {
    super();
    this.insertAll(this.chain.length, transforms, "Compose");
  }

  override get name(): string {
    return "Compose";
  }

  /** The number of transforms in the (flat) chain. */
  get length(): number {
    return this.chain.length;
  }

  /** The transforms, first to last (a copy). */
  get transforms(): readonly Transform[] {
    return [...this.chain];
  }

  /** Whether fusable transforms run fused (default true). False runs every transform on its own. */
  get fusion(): boolean {
    return this.fusionOn;
  }

  set fusion(enabled: boolean) {
    if (typeof enabled !== "boolean") throw new Error(`Compose.fusion must be a boolean, got ${String(enabled)}`);
    this.fusionOn = enabled;
    this.rebuildPlan();
  }

  /** @internal What runs, for tests and debugging: the names of the planned (possibly fused) transforms. */
  get plan(): readonly string[] {
    return this.runPlan.map((t) => t.name);
  }

  /**
   * The transform at `index`; negative indices count from the end (`at(-1)` is the last). Given a class,
   * checks the transform is one and returns it typed as such (`at(-1, ObservationNorm).initStats(...)`,
   * no cast); a transform of another class is an error naming the index and both classes.
   */
  at(index: number): Transform;
  at<T extends Transform>(index: number, type: abstract new (...args: never[]) => T): T;
  at(index: number, type?: abstract new (...args: never[]) => Transform): Transform {
    const i = this.resolve(index, this.chain.length, "at");
    const t = this.chain[i]!;
    if (type === undefined) return t;
    if (typeof type !== "function")
      throw new Error(`Compose.at(${index}): the type must be a Transform class, got ${describeValue(type)}`);
    if (!(t instanceof type))
      throw new Error(
        `Compose.at(${index}): expected ${type.name}, got ${(t as Transform).constructor.name} (transform ${i} of ${this.chain.length})`,
      );
    return t;
  }

  /** Adds a transform (a Compose is flattened into its transforms) at the end. */
  append(transform: Transform): this {
    this.insertAll(this.chain.length, [transform], "Compose.append");
    return this;
  }

  /** Inserts before position `index` (negative counts from the end; `length` appends). */
  insert(index: number, transform: Transform): this {
    const i = index === this.chain.length ? index : this.resolve(index, this.chain.length, "insert");
    this.insertAll(i, [transform], "Compose.insert");
    return this;
  }

  // ---------------------------------------------------------------- chained hooks

  override forward(td: TensorDict): TensorDict {
    for (const t of this.runPlan) td = t.forward(td);
    return td;
  }

  override inv(td: TensorDict): TensorDict {
    let out = td;
    const plan = this.invPlan;
    for (let i = 0; i < plan.length; i++) out = plan[i]!.inv(out);
    return out;
  }

  override get inverts(): boolean {
    return this.invPlan.length > 0;
  }

  override reset(input: TensorDict, record: TensorDict, mask: Uint8Array | null): TensorDict {
    const plan = this.runPlan;
    for (let i = 0; i < plan.length; i++) record = plan[i]!.reset(input, record, mask);
    return record;
  }

  override step(root: TensorDict, next: TensorDict): TensorDict {
    const plan = this.runPlan;
    for (let i = 0; i < plan.length; i++) next = plan[i]!.step(root, next);
    return next;
  }

  override transformObservationSpec(spec: Composite): Composite {
    for (const t of this.chain) spec = t.transformObservationSpec(spec);
    return spec;
  }

  override transformRewardSpec(spec: Composite): Composite {
    for (const t of this.chain) spec = t.transformRewardSpec(spec);
    return spec;
  }

  override transformDoneSpec(spec: Composite): Composite {
    for (const t of this.chain) spec = t.transformDoneSpec(spec);
    return spec;
  }

  override transformActionSpec(spec: Composite): Composite {
    // The base env's action spec goes through the inverses outside in: last transform first.
    for (let i = this.chain.length - 1; i >= 0; i--) spec = this.chain[i]!.transformActionSpec(spec);
    return spec;
  }

  // ---------------------------------------------------------------- checkpoints

  /** Each transform's state by position, with its name so a state is not loaded into a different chain. */
  override state(): JsonValue {
    return { transforms: this.chain.map((t) => ({ name: t.name, state: t.state() })) };
  }

  /** Loads each transform's state; if one refuses, those already loaded are put back, so nothing changes. */
  override loadState(state: JsonValue): void {
    const what = "Compose.loadState()";
    const parts = composeParts(state, this.chain, what);
    const before = this.chain.map((t) => t.state());
    let loaded = 0;
    try {
      for (; loaded < parts.length; loaded++) this.chain[loaded]!.loadState(parts[loaded]!);
    } catch (error) {
      for (let i = 0; i < loaded; i++) this.chain[i]!.loadState(before[i]!);
      throw new Error(`${what}: transform ${loaded} (${this.chain[loaded]!.name}): ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  // ---------------------------------------------------------------- container

  transformsChanged(): void {
    // A transform's parameters changed (ObservationNorm.initStats, loadState). Fused transforms read them
    // from their parts on every call (a held `parent` view's plan is never rebuilt); rebuilding costs little
    // and keeps the plan a function of the chain as it is now.
    this.rebuildPlan();
    this.specsChanged();
  }

  envBefore(child: Transform, then: readonly Transform[] = []): EnvBase | null {
    const i = this.chain.indexOf(child);
    const container = this.container;
    if (i === -1 || container === null) return null;
    return container.envBefore(this, [...this.chain.slice(0, i), ...then]);
  }

  stepBelow(child: Transform, root: TensorDict, then: readonly Transform[] = []): TensorDict {
    const i = this.chain.indexOf(child);
    const container = this.container;
    if (i === -1 || container === null || container.stepBelow === undefined)
      throw new Error(`${child.name}: not in a TransformedEnv, so there is no env to step`);
    return container.stepBelow(this, root, [...this.chain.slice(0, i), ...then]);
  }

  /**
   * @internal A Compose over `transforms` that does not take them over (they stay where they are): the
   * chain of a `parent` view.
   */
  static viewOf(transforms: readonly Transform[]): Compose {
    const view = new Compose();
    view.chain.push(...transforms);
    view.rebuildPlan();
    return view;
  }

  override toString(): string {
    return `Compose(${this.chain.map((t) => t.name).join(", ")})`;
  }

  private insertAll(index: number, transforms: readonly Transform[], what: string): void {
    // Validate everything before changing anything, so a refused insert leaves every chain as it was.
    const flat: Transform[] = [];
    const inners: Compose[] = [];
    for (const t of transforms) {
      if (!(t instanceof Transform)) throw new Error(`${what}: expected a Transform, got ${describeValue(t)}`);
      if (t instanceof Compose) {
        if (t.container !== null || t === this)
          throw new Error(
            `${what}: the Compose is already in a Compose or TransformedEnv; a transform can sit in one place only (make a new one)`,
          );
        inners.push(t);
        flat.push(...t.chain);
      } else {
        flat.push(t);
      }
    }
    for (const t of flat) {
      const owned = t.container === null || inners.includes(t.container as Compose);
      if (!owned || flat.indexOf(t) !== flat.lastIndexOf(t) || this.chain.includes(t)) {
        throw new Error(
          `${what}: ${t.name} is already in a Compose or TransformedEnv; a transform can sit in one place only (make a new one)`,
        );
      }
    }
    // Flattening moves the inner transforms here: the inner Composes are left empty.
    const innerChains = inners.map((c) => c.chain.splice(0, c.chain.length));
    for (const t of flat) {
      t.detach();
      t.attach(this);
    }
    this.chain.splice(index, 0, ...flat);
    if (flat.length === 0) return;
    try {
      this.rebuildPlan();
      this.specsChanged();
    } catch (error) {
      // The env above rejected the new chain (e.g. a key its specs lack): put everything back.
      this.chain.splice(index, flat.length);
      this.rebuildPlan();
      for (const t of flat) t.detach();
      inners.forEach((c, k) => {
        c.chain.push(...innerChains[k]!);
        for (const t of c.chain) t.attach(c);
      });
      throw error;
    }
  }

  private rebuildPlan(): void {
    this.runPlan = this.fusionOn ? fold(this.chain) : [...this.chain];
    // Whether a transform inverts is fixed by its class and keys, so the list holds until the chain changes.
    this.invPlan = this.chain.filter((t) => t.inverts).reverse();
  }

  private resolve(index: number, length: number, method: string): number {
    const i = index < 0 ? length + index : index;
    if (!Number.isInteger(index) || i < 0 || i >= length) {
      throw new Error(
        `Compose.${method}(${String(index)}): index out of range for ${length} transform(s) (${this.chain.map((t) => t.name).join(", ") || "none"})`,
      );
    }
    return i;
  }
}

/**
 * The chain with fusable transforms folded: each transform in turn absorbs every later one it fuses with
 * (`fuseWith`), as long as the transforms in between touch none of the fused transform's keys, so moving
 * the later one forward to run right after its partner changes nothing. Transforms that cannot say what they touch
 * (`touchedKeys` null) are never moved across.
 */
function fold(chain: readonly Transform[]): Transform[] {
  const plan = [...chain];
  for (let i = 0; i < plan.length; i++) {
    let between: Transform[] = [];
    for (let j = i + 1; j < plan.length; j++) {
      const candidate = plan[j]!;
      // The fused transform vouches for what its parts touch (the candidate itself may not say).
      const fused = plan[i]!.fuseWith(candidate);
      if (fused === null || !commutesPast(fused, between)) {
        between.push(candidate);
        continue;
      }
      plan[i] = fused;
      plan.splice(j, 1);
      j = i;
      between = [];
    }
  }
  return plan;
}

/** Whether `t` can run before `others` with the same result: none of them touches a key `t` touches. */
function commutesPast(t: Transform, others: readonly Transform[]): boolean {
  if (others.length === 0) return true;
  const keys = t.touchedKeys();
  if (keys === null) return false;
  for (const other of others) {
    const theirs = other.touchedKeys();
    if (theirs === null) return false;
    for (const a of keys) for (const b of theirs) if (overlaps(a, b)) return false;
  }
  return true;
}

/** Whether two dotted key paths name the same entry or one lies inside the other. */
function overlaps(a: string, b: string): boolean {
  return a === b || a.startsWith(`${b}.`) || b.startsWith(`${a}.`);
}
