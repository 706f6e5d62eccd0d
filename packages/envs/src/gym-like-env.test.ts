import * as tf from "@tensorflow/tfjs-core";
import { HostArray, TensorDict, type TensorSpec } from "@tdrl/tensordict";
import { initBackend } from "@tdrl/backend";
import { describe, expect, it } from "vitest";
import { checkEnvSpecs } from "./check-env-specs";
import {
  GymLikeEnv,
  type GymAction,
  type GymLike,
  type GymResetOptions,
  type GymResetResult,
  type GymStepResult,
} from "./gym-like-env";
import { SerialEnv } from "./serial-env";

/**
 * A 1-D random walk, Gymnasium style: reset puts the walker at a random integer in [-2, 2] (a seeded LCG),
 * action 1 steps right and 0 left, the reward is -1 per step and +10 on reaching |x| = 5 (terminated);
 * episodes are truncated after 12 steps.
 */
class RandomWalk implements GymLike {
  readonly observationSpace = { type: "Box", low: -5, high: 5, shape: [1], dtype: "float64" } as const;
  readonly actionSpace = { type: "Discrete", n: 2 } as const;
  readonly resets: GymResetOptions[] = [];
  readonly actions: GymAction[] = [];
  private x = 0;
  private t = 0;
  private lcg = 1;

  reset(options: GymResetOptions = {}): GymResetResult {
    this.resets.push(options);
    if (options.seed !== undefined) this.lcg = options.seed + 1;
    this.lcg = (this.lcg * 1103515245 + 12345) % 2147483648;
    this.x = (this.lcg % 5) - 2;
    this.t = 0;
    return [[this.x], { start: this.x }];
  }

  step(action: GymAction): GymStepResult {
    this.actions.push(action);
    this.x += action === 1 ? 1 : -1;
    this.t++;
    const terminated = Math.abs(this.x) >= 5;
    return [Float64Array.of(this.x), terminated ? 10 : -1, terminated, !terminated && this.t >= 12, {}];
  }
}

/** The same walk behind `async` methods. */
class AsyncRandomWalk implements GymLike {
  readonly inner = new RandomWalk();
  readonly observationSpace = this.inner.observationSpace;
  readonly actionSpace = this.inner.actionSpace;
  async reset(options?: GymResetOptions): Promise<GymResetResult> {
    await new Promise((resolve) => setTimeout(resolve, 1));
    return this.inner.reset(options);
  }
  async step(action: GymAction): Promise<GymStepResult> {
    await Promise.resolve();
    return this.inner.step(action);
  }
}

/** N walks as one Gymnasium-1.x-style vector env: batched values, `reset_mask`, sub-env i seeded seed + i. */
class VectorRandomWalk implements GymLike {
  readonly walks: RandomWalk[];
  readonly singleObservationSpace = new RandomWalk().observationSpace;
  readonly singleActionSpace = new RandomWalk().actionSpace;
  readonly observationSpace = { type: "Box", low: -5, high: 5, shape: [3, 1] } as const;
  readonly actionSpace = { type: "MultiDiscrete", nvec: [2, 2, 2] } as const;
  readonly masks: boolean[][] = [];
  constructor(n: number) {
    this.walks = Array.from({ length: n }, () => new RandomWalk());
  }
  reset(options: GymResetOptions = {}): GymResetResult {
    const mask = options.options?.reset_mask ?? this.walks.map(() => true);
    this.masks.push(mask);
    const obs = this.walks.map((walk, i) => {
      if (mask[i]) return walk.reset(options.seed === undefined ? {} : { seed: options.seed + i })[0] as number[];
      return [(walk as unknown as { x: number }).x];
    });
    return [obs, {}];
  }
  step(action: GymAction): GymStepResult {
    const results = this.walks.map((walk, i) => walk.step((action as number[])[i]!));
    return [
      results.map((r) => Array.from(r[0] as Float64Array)),
      results.map((r) => r[1] as number),
      results.map((r) => r[2] as boolean),
      results.map((r) => r[3] as boolean),
      {},
    ];
  }
}

const values = (td: TensorDict, key: string): number[] => Array.from(td.getHost(key).data);

function expectSameRecords(a: TensorDict, b: TensorDict): void {
  expect(a.keys({ nested: true, leavesOnly: true }).sort()).toEqual(b.keys({ nested: true, leavesOnly: true }).sort());
  for (const [path, leaf] of a.leaves()) {
    expect(leaf.shape, path).toEqual(b.getHost(path).shape);
    expect(Array.from((leaf as HostArray).data), path).toEqual(values(b, path));
  }
}

/** Alternates right, right, left: reaches the ends sometimes, gets truncated other times. */
const pattern = (td: TensorDict, t: number) => td.set("action", HostArray.from("int32", [], [t % 3 === 2 ? 0 : 1]));

describe("GymLikeEnv on a synchronous env", () => {
  it("builds specs from the spaces and passes checkEnvSpecs", () => {
    const env = new GymLikeEnv(new RandomWalk(), { name: "RandomWalk" });
    expect(env.observationSpec.get("observation").toString()).toBe("Bounded(shape=[1], dtype=float32, low=-5, high=5)");
    expect(env.actionSpec.get("action").toString()).toBe("Categorical(n=2, shape=[], dtype=int32)");
    expect((env.rewardSpec.get("reward") as TensorSpec).shape).toEqual([1]);
    checkEnvSpecs(env, { steps: 80 });
  });

  it("gives the numbers of the wrapped env stepped by hand, through terminations and truncations", () => {
    const env = new GymLikeEnv(new RandomWalk(), { name: "RandomWalk", seed: 3 });
    let t = 0;
    const rollout = env.rollout(60, (td) => pattern(td, t++), { breakWhenAnyDone: false });
    const reference = new RandomWalk();
    const expected = {
      observation: [] as number[],
      next: [] as number[],
      reward: [] as number[],
      terminated: [] as number[],
      truncated: [] as number[],
    };
    let obs = (reference.reset({ seed: 3 })[0] as number[])[0]!;
    for (let s = 0; s < 60; s++) {
      const [next, reward, terminated, truncated] = reference.step(s % 3 === 2 ? 0 : 1);
      expected.observation.push(obs);
      expected.next.push((next as Float64Array)[0]!);
      expected.reward.push(reward as number);
      expected.terminated.push(terminated ? 1 : 0);
      expected.truncated.push(truncated ? 1 : 0);
      obs = terminated || truncated ? (reference.reset()[0] as number[])[0]! : (next as Float64Array)[0]!;
    }
    expect(values(rollout, "observation")).toEqual(expected.observation);
    expect(values(rollout, "next.observation")).toEqual(expected.next);
    expect(values(rollout, "next.reward")).toEqual(expected.reward);
    expect(values(rollout, "next.terminated")).toEqual(expected.terminated);
    expect(values(rollout, "next.truncated")).toEqual(expected.truncated);
    expect(expected.terminated.filter(Boolean).length).toBeGreaterThan(0);
    expect(expected.truncated.filter(Boolean).length).toBeGreaterThan(0);
  });

  it("passes the seed on the first reset only, and again after setSeed", () => {
    const walk = new RandomWalk();
    const env = new GymLikeEnv(walk, { name: "RandomWalk", seed: 3 });
    env.reset();
    env.reset();
    env.setSeed(9);
    env.reset();
    expect(walk.resets).toEqual([{ seed: 3 }, {}, { seed: 9 }]);
    const a = new GymLikeEnv(new RandomWalk(), { name: "A", seed: 21 }).rollout(40, undefined, {
      breakWhenAnyDone: false,
    });
    const b = new GymLikeEnv(new RandomWalk(), { name: "B", seed: 21 }).rollout(40, undefined, {
      breakWhenAnyDone: false,
    });
    expectSameRecords(a, b);
  });

  it("checks actions before the wrapped env sees them, and names the env, key and value", () => {
    const walk = new RandomWalk();
    const env = new GymLikeEnv(walk, { name: "RandomWalk" });
    const root = env.reset();
    expect(() => env.step(root.set("action", HostArray.from("int32", [], [2])))).toThrow(
      "RandomWalk.step(): action 2 is out of range [0, 2) at batch index []",
    );
    expect(walk.actions).toEqual([]);
  });

  it("rejects malformed results from the wrapped env, naming what was wrong", () => {
    const broken = (step: GymStepResult | unknown): GymLike => ({
      observationSpace: { type: "Box", low: -1, high: 1, shape: [2] },
      actionSpace: { type: "Discrete", n: 2 },
      reset: () => [[0, 0], {}],
      step: () => step as GymStepResult,
    });
    const tryStep = (result: unknown) => {
      const env = new GymLikeEnv(broken(result), { name: "Broken" });
      return () => env.step(env.reset().set("action", HostArray.from("int32", [], [0])));
    };
    expect(tryStep([[0, 0, 0], 0, false, false, {}])).toThrow(
      "Broken.step(): the observation has 3 values ([0, 0, 0]); Bounded(shape=[2], dtype=float32, low=-1, high=1) needs 2",
    );
    expect(tryStep([[0, 0], Number.NaN, false, false, {}])).toThrow(
      "Broken.step(): the reward must be a number, got number NaN",
    );
    expect(tryStep([[0, 0], 0, "yes", false, {}])).toThrow(
      "Broken.step(): terminated must be a boolean, got string yes",
    );
    expect(tryStep([[0, 0], 0, false])).toThrow(
      "Broken.step(): the wrapped env's step() must return [observation, reward, terminated, truncated, info], got a JS array of 3",
    );
    expect(tryStep([[0, "a"], 0, false, false, {}])).toThrow(
      "Broken.step(): the observation: expected a number, a boolean, nested arrays or a typed array, got string a",
    );
    const env = new GymLikeEnv(
      { ...broken(null), reset: () => ({ obs: 1 }) as unknown as GymResetResult },
      { name: "Broken" },
    );
    expect(() => env.reset()).toThrow(
      "Broken.reset(): the wrapped env's reset() must return [observation, info], got a plain object",
    );
    expect(() => new GymLikeEnv({} as GymLike, { name: "Empty" })).toThrow(
      "Empty: the wrapped env must have reset() and step() methods, got a plain object",
    );
  });

  it("refuses missing options and unknown option keys with a clear error", () => {
    const walk = new RandomWalk();
    expect(() => new GymLikeEnv(walk, undefined as unknown as { name: string })).toThrow(
      'GymLikeEnv: pass options with at least a name, e.g. new GymLikeEnv(env, { name: "MyEnv" }); got undefined',
    );
    expect(() => new GymLikeEnv(walk, {} as { name: string })).toThrow(
      "GymLikeEnv: options.name must be a non-empty string, got undefined",
    );
    expect(() => new GymLikeEnv(walk, { name: "Walk", batch_size: [2] } as { name: string })).toThrow(
      'GymLikeEnv: unknown option "batch_size" (known: name, batchSize, seed, checkObservations; did you mean batchSize?)',
    );
  });

  it("checks observations against the Box and refuses NaN by default; checkObservations: false skips the check", () => {
    const box = (observation: number[], onReset = false): GymLike => ({
      observationSpace: { type: "Box", low: -10, high: 10, shape: [2] },
      actionSpace: { type: "Discrete", n: 2 },
      reset: () => [onReset ? observation : [0, 0], {}],
      step: () => [observation, 0, false, false, {}],
    });
    const step = (env: GymLikeEnv) => env.step(env.reset().set("action", HostArray.from("int32", [], [0])));
    const outside = new GymLikeEnv(box([1, 50]), { name: "Box" });
    expect(outside.checkObservations).toBe(true);
    expect(() => step(outside)).toThrow(
      "Box.step(): the observation does not fit Bounded(shape=[2], dtype=float32, low=-10, high=10): value 50 at index [1] is out of bounds [-10, 10] (checkObservations: pass false to skip this check)",
    );
    expect(() => step(new GymLikeEnv(box([Number.NaN, 0]), { name: "Box" }))).toThrow(
      "Box.step(): the observation has NaN at flat index 0",
    );
    expect(() => new GymLikeEnv(box([0, -11], true), { name: "Box" }).reset()).toThrow(
      "Box.reset(): the observation does not fit",
    );
    // An unbounded Box still refuses NaN.
    const unbounded: GymLike = {
      ...box([Number.NaN, 1]),
      observationSpace: { type: "Box", low: -Infinity, high: Infinity, shape: [2] },
    };
    expect(() => step(new GymLikeEnv(unbounded, { name: "Free" }))).toThrow(
      "Free.step(): the observation has NaN at flat index 0",
    );
    // Off: the value passes through as before.
    const unchecked = new GymLikeEnv(box([1, 50]), { name: "Box", checkObservations: false });
    expect(Array.from(step(unchecked).getHost("next.observation").data)).toEqual([1, 50]);
    expect(() => new GymLikeEnv(box([0, 0]), { name: "Box", checkObservations: "yes" as unknown as boolean })).toThrow(
      "Box: checkObservations must be a boolean, got string yes",
    );
  });
});

describe("GymLikeEnv on an async env", () => {
  it("refuses the synchronous methods before calling the wrapped env, and says what to use", () => {
    const walk = new AsyncRandomWalk();
    const env = new GymLikeEnv(walk, { name: "AsyncWalk" });
    const message =
      "AsyncWalk.reset(): the wrapped env's reset() returns a Promise, so AsyncWalk cannot reset synchronously; use resetAsync(), stepAsync(), stepAndMaybeResetAsync() and rolloutAsync() instead of reset(), step(), stepAndMaybeReset() and rollout()";
    expect(() => env.reset()).toThrow(message);
    expect(() => env.rollout(5)).toThrow(message);
    expect(walk.inner.resets).toEqual([]);
  });

  it("gives the same rollouts through the async methods as the synchronous env", async () => {
    const sync = new GymLikeEnv(new RandomWalk(), { name: "Walk", seed: 5 }).rollout(70, undefined, {
      breakWhenAnyDone: false,
    });
    const env = new GymLikeEnv(new AsyncRandomWalk(), { name: "AsyncWalk", seed: 5 });
    const viaAsync = await env.rolloutAsync(70, undefined, { breakWhenAnyDone: false });
    expectSameRecords(viaAsync, sync);
    const short = await new GymLikeEnv(new AsyncRandomWalk(), { name: "AsyncWalk", seed: 5 }).rolloutAsync(
      70,
      async (td) => td.set("action", HostArray.from("int32", [], [1])),
    );
    const shortSync = new GymLikeEnv(new RandomWalk(), { name: "Walk", seed: 5 }).rollout(70, (td) =>
      td.set("action", HostArray.from("int32", [], [1])),
    );
    expect(short.batchSize).toEqual(shortSync.batchSize);
    expectSameRecords(short, shortSync);
  });

  it("downloads and frees the tensors an async policy writes", async () => {
    await initBackend({ prefer: "cpu" });
    const before = tf.memory().numTensors;
    const rollout = await new GymLikeEnv(new AsyncRandomWalk(), { name: "AsyncWalk", seed: 5 }).rolloutAsync(
      20,
      async (td) => td.set("action", tf.scalar(1, "int32")),
    );
    expect(tf.memory().numTensors).toBe(before);
    expect(Array.from(rollout.getHost("action").data).every((a) => a === 1)).toBe(true);
  });

  it("works for synchronous envs too", async () => {
    const viaAsync = await new GymLikeEnv(new RandomWalk(), { name: "Walk", seed: 8 }).rolloutAsync(30, undefined, {
      breakWhenAnyDone: false,
    });
    const sync = new GymLikeEnv(new RandomWalk(), { name: "Walk", seed: 8 }).rollout(30, undefined, {
      breakWhenAnyDone: false,
    });
    expectSameRecords(viaAsync, sync);
  });

  it("checks input before awaiting the wrapped env, and refuses overlapping calls", async () => {
    const walk = new AsyncRandomWalk();
    const env = new GymLikeEnv(walk, { name: "AsyncWalk" });
    await expect(env.stepAsync(TensorDict.from({ action: HostArray.from("int32", [], [1]) }))).rejects.toThrow(
      "AsyncWalk.step(): the env has not been reset; call reset() before step()",
    );
    const root = await env.resetAsync();
    await expect(env.stepAsync(root.clone().set("action", HostArray.from("int32", [], [5])))).rejects.toThrow(
      "AsyncWalk.step(): action 5 is out of range [0, 2) at batch index []",
    );
    expect(walk.inner.actions).toEqual([]);
    const first = env.stepAsync(root.clone().set("action", HostArray.from("int32", [], [1])));
    await expect(env.stepAsync(root.clone().set("action", HostArray.from("int32", [], [1])))).rejects.toThrow(
      "AsyncWalk.stepAsync(): another resetAsync() or stepAsync() is still running; await it first",
    );
    const stepped = await first;
    expect(values(stepped, "next.observation")).toEqual([values(root, "observation")[0]! + 1]);
    expect(walk.inner.actions).toEqual([1]);
  });

  it("recognises a Promise-returning (not async) method at its first call", async () => {
    const inner = new RandomWalk();
    const walk: GymLike = {
      observationSpace: inner.observationSpace,
      actionSpace: inner.actionSpace,
      reset: (options) => Promise.resolve(inner.reset(options)),
      step: (action) => Promise.resolve(inner.step(action)),
    };
    const env = new GymLikeEnv(walk, { name: "ThenableWalk", seed: 2 });
    expect(() => env.reset()).toThrow("ThenableWalk.reset(): the wrapped env's reset() returns a Promise");
    expect(() => env.reset()).toThrow("ThenableWalk.reset(): the wrapped env's reset() returns a Promise");
    expect(inner.resets).toHaveLength(1);
    const rollout = await env.rolloutAsync(10, undefined, { breakWhenAnyDone: false });
    expect(rollout.batchSize).toEqual([10]);
  });
});

describe("GymLikeEnv on a vectorized env", () => {
  it("matches a SerialEnv of single envs for the same seed, with partial resets through reset_mask", () => {
    const vector = new VectorRandomWalk(3);
    const env = new GymLikeEnv(vector, { name: "VectorWalk", batchSize: [3], seed: 4 });
    const serial = new SerialEnv(3, () => new GymLikeEnv(new RandomWalk(), { name: "Walk" }), { seed: 4 });
    expect(env.actionSpec.get("action").toString()).toBe("Categorical(n=2, shape=[3], dtype=int32)");
    const a = env.rollout(50, undefined, { breakWhenAnyDone: false });
    const b = serial.rollout(50, undefined, { breakWhenAnyDone: false });
    expectSameRecords(a, b);
    expect(vector.masks[0]).toEqual([true, true, true]);
    expect(vector.masks.some((mask) => mask.includes(false) && mask.includes(true))).toBe(true);
    checkEnvSpecs(new GymLikeEnv(new VectorRandomWalk(3), { name: "VectorWalk", batchSize: [3] }), { steps: 40 });
  });

  it("refuses batch sizes with more than one dim", () => {
    expect(() => new GymLikeEnv(new VectorRandomWalk(4), { name: "VectorWalk", batchSize: [2, 2] })).toThrow(
      "VectorWalk: batchSize must be [] or [N] (a vectorized env), got [2, 2]",
    );
  });
});

describe("GymLikeEnv spaces", () => {
  /** An env with the given spaces that records the actions it gets and returns `obs` every time. */
  const withSpaces = (
    observationSpace: GymLike["observationSpace"],
    actionSpace: GymLike["actionSpace"],
    obs: unknown,
  ) => {
    const actions: GymAction[] = [];
    const wrapped: GymLike = {
      observationSpace,
      actionSpace,
      reset: () => [obs, {}],
      step: (a) => (actions.push(a), [obs, 0, false, false, {}]),
    };
    return { env: new GymLikeEnv(wrapped, { name: "Spaces" }), actions };
  };

  it("maps Box, Discrete, MultiDiscrete and MultiBinary to specs", () => {
    const spec = (space: GymLike["observationSpace"]) =>
      withSpaces(space, { type: "Discrete", n: 2 }, 0).env.observationSpec.get("observation").toString();
    expect(spec({ type: "Box", low: [0, -1], high: [1, 1] })).toBe(
      "Bounded(shape=[2], dtype=float32, low=[0, -1], high=1)",
    );
    expect(spec({ type: "Box", low: -Infinity, high: Infinity, shape: [3] })).toBe(
      "Unbounded(shape=[3], dtype=float32)",
    );
    expect(spec({ type: "Box", low: 0, high: 255, shape: [2, 2, 3], dtype: "uint8" })).toBe(
      "Bounded(shape=[2, 2, 3], dtype=uint8, low=0, high=255)",
    );
    expect(spec({ type: "Box", low: -3, high: 3, shape: [2], dtype: "int64" })).toBe(
      "Bounded(shape=[2], dtype=int32, low=-3, high=3)",
    );
    expect(spec({ type: "Discrete", n: 4, start: -1 })).toBe("Bounded(shape=[], dtype=int32, low=-1, high=2)");
    expect(spec({ type: "MultiDiscrete", nvec: [3, 3] })).toBe("Categorical(n=3, shape=[2], dtype=int32)");
    expect(spec({ type: "MultiDiscrete", nvec: [2, 5] })).toBe("Bounded(shape=[2], dtype=int32, low=0, high=[1, 4])");
    expect(spec({ type: "MultiBinary", n: [2, 3] })).toBe("Binary(n=3, shape=[2, 3], dtype=bool)");
    expect(() => spec({ type: "Tuple" } as unknown as GymLike["observationSpace"])).toThrow(
      'Spaces: observationSpace: unsupported space type "Tuple"; expected Box, Discrete, MultiDiscrete or MultiBinary',
    );
    expect(() => spec({ type: "Box", low: [0, 0, 0], high: 1, shape: [2] })).toThrow(
      "Spaces: observationSpace: Box low has shape [3]; the space has shape [2]",
    );
  });

  it("passes actions as numbers or nested arrays, and reads nested, flat and typed observations", () => {
    const box = { type: "Box", low: 0, high: 9, shape: [2, 2] } as const;
    const nested = withSpaces(box, { type: "MultiDiscrete", nvec: [3, 4] }, [
      [1, 2],
      [3, 4],
    ]);
    const root = nested.env.reset();
    expect(values(root, "observation")).toEqual([1, 2, 3, 4]);
    nested.env.step(root.set("action", HostArray.from("int32", [2], [2, 3])));
    const binary = withSpaces(box, { type: "MultiBinary", n: 3 }, Float64Array.of(5, 6, 7, 8));
    expect(values(binary.env.reset(), "observation")).toEqual([5, 6, 7, 8]);
    binary.env.step(binary.env.reset().set("action", HostArray.from("bool", [3], [1, 0, 1])));
    const scalar = withSpaces({ type: "Discrete", n: 3 }, { type: "Box", low: -1, high: 1, shape: [] }, 2);
    scalar.env.step(scalar.env.reset().set("action", HostArray.from("float32", [], [0.5])));
    expect([nested.actions, binary.actions, scalar.actions]).toEqual([[[2, 3]], [[1, 0, 1]], [0.5]]);
    checkEnvSpecs(nested.env, { steps: 5 });
  });
});
