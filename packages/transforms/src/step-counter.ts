import {
  checkOptions,
  type OptionKeys,
  Binary,
  Bounded,
  HostArray,
  type TensorDict,
  type Composite,
  type Int32,
} from "@tdrl/tensordict";
import { Transform } from "./transform";
import { batchFlag, flagsOf, rowShape, rowsOf } from "./rows";

const STEP_COUNTER_OPTION_KEYS = {
  maxSteps: true,
  stepCountKey: true,
  truncatedKey: true,
  doneKey: true,
} satisfies OptionKeys<StepCounterOptions>;

export interface StepCounterOptions<K extends string = string> {
  /** Truncate episodes after this many steps: `truncated` and `done` become true at the limit. Default: no limit. */
  maxSteps?: number;
  /** Default `"step_count"`. */
  stepCountKey?: K;
  /** The done key set at the limit (default `"truncated"`; must be in the done spec). */
  truncatedKey?: string;
  /** The key that is `terminated || truncated` (default `"done"`). */
  doneKey?: string;
}

const INT32_MAX = 2 ** 31 - 1;

/**
 * Counts the steps of each episode (TorchRL's `StepCounter`): `step_count`, int32 `[...batch, 1]`, is 0
 * in the reset record and the root count plus one in each step's `"next"`. With `maxSteps`, the step that
 * reaches the limit has `truncated` and `done` set, so the transformed env is done there and
 * `stepAndMaybeReset` / `rollout` reset that sub-env even if the base env is not done. A partial reset
 * zeroes the reset sub-envs' counts and keeps the others'.
 *
 * @example
 * import { CartPoleEnv } from "@tdrl/envs";
 * import { HostArray } from "@tdrl/tensordict";
 * import { StepCounter, TransformedEnv } from "@tdrl/transforms";
 * const env = new TransformedEnv(new CartPoleEnv(), new StepCounter({ maxSteps: 3 }));
 * const rollout = env.rollout(10, (td) => td.set("action", HostArray.from("int32", [], [0])));
 * rollout.getHost("next.step_count").data; // Int32Array [1, 2, 3]: truncated at 3, before the pole falls
 */
export class StepCounter<K extends string = "step_count"> extends Transform {
  declare readonly addedKeys?: { [P in K]: Int32 };

  readonly maxSteps: number | null;
  readonly stepCountKey: string;
  readonly truncatedKey: string;
  readonly doneKey: string;

  constructor(options: StepCounterOptions<K> = {}) {
    checkOptions("StepCounter", options, STEP_COUNTER_OPTION_KEYS);
    const stepCountKey = options.stepCountKey ?? "step_count";
    super();
    const maxSteps = options.maxSteps ?? null;
    if (maxSteps !== null && !(Number.isInteger(maxSteps) && maxSteps >= 1 && maxSteps <= INT32_MAX)) {
      throw new Error(`StepCounter: maxSteps must be a positive integer, got ${String(maxSteps)}`);
    }
    this.maxSteps = maxSteps;
    this.stepCountKey = stepCountKey;
    this.truncatedKey = options.truncatedKey ?? "truncated";
    this.doneKey = options.doneKey ?? "done";
  }

  override get name(): string {
    return "StepCounter";
  }

  /** The count and the two flags it may set (lets Compose move a fusable transform past it). */
  override touchedKeys(): readonly string[] {
    return [this.stepCountKey, this.truncatedKey, this.doneKey];
  }

  override reset(input: TensorDict, record: TensorDict, mask: Uint8Array | null): TensorDict {
    const key = this.stepCountKey;
    const shape = rowShape(record.batchSize);
    let count: HostArray<"int32">;
    if (mask === null || mask.indexOf(0) === -1) {
      count = HostArray.zeros("int32", shape);
    } else {
      // The sub-envs not reset go on counting from the caller's record.
      const previous = this.count(input, "the reset input record (needed for the sub-envs a partial reset keeps)");
      count = previous.clone();
      const data = count.data;
      for (let i = 0; i < mask.length; i++) if (mask[i] === 1) data[i] = 0;
    }
    record.set(key, count);
    return record;
  }

  override step(root: TensorDict, next: TensorDict): TensorDict {
    const previous = this.count(root, "the root record the step was taken from").data;
    const n = previous.length;
    const count = new Int32Array(n);
    for (let i = 0; i < n; i++) count[i] = previous[i]! + 1;
    next.set(this.stepCountKey, new HostArray("int32", rowShape(next.batchSize), count));
    const max = this.maxSteps;
    if (max === null) return next;
    let hit = false;
    for (let i = 0; i < n && !hit; i++) hit = count[i]! >= max;
    if (!hit) return next;
    // New arrays: the base env's flags may be shared with other records.
    const truncated = flagsOf(this.name, next, this.truncatedKey).slice();
    const done = flagsOf(this.name, next, this.doneKey).slice();
    for (let i = 0; i < n; i++) {
      if (count[i]! >= max) {
        truncated[i] = 1;
        done[i] = 1;
      }
    }
    next.set(this.truncatedKey, batchFlag(next.batchSize, truncated));
    next.set(this.doneKey, batchFlag(next.batchSize, done));
    return next;
  }

  /** Standalone use has no episode to count: a replay sample carries its `step_count` already. */
  override forward(td: TensorDict): TensorDict {
    throw new Error(
      `StepCounter: forward() on a standalone record is not supported; the count is made by a TransformedEnv (record keys: ${td.keys().join(", ") || "(none)"})`,
    );
  }

  override transformObservationSpec(spec: Composite): Composite {
    const b = spec.batchSize;
    spec.set(
      this.stepCountKey,
      new Bounded({ low: 0, high: this.maxSteps ?? INT32_MAX, shape: [...b, 1], dtype: "int32" }),
    );
    return spec;
  }

  override transformDoneSpec(spec: Composite): Composite {
    if (this.maxSteps === null) return spec;
    for (const key of [this.truncatedKey, this.doneKey]) {
      const leaf = this.leafSpec(spec, key, "the done spec");
      if (!(leaf instanceof Binary) && leaf.dtype !== "bool")
        throw new Error(`StepCounter: "${key}" in the done spec is ${leaf.toString()}, expected a bool flag`);
    }
    return spec;
  }

  private count(record: TensorDict, where: string): HostArray<"int32"> {
    const key = this.stepCountKey;
    if (!record.has(key)) throw this.missingKey(key, record, where);
    const value = this.hostLeaf(record, key);
    if (value.dtype !== "int32" || value.size !== rowsOf(record)) {
      throw new Error(
        `StepCounter: "${key}" must be int32 with one count per sub-env (${rowsOf(record)}), got ${value.dtype} of shape [${value.shape.join(", ")}]`,
      );
    }
    return value as HostArray<"int32">;
  }
}
