import {
  Bounded,
  Categorical,
  Composite,
  HostArray,
  OneHot,
  TensorDict,
  type TensorSpec,
  Unbounded,
} from "@tdrl/tensordict";
import { describe, expect, it } from "vitest";
import { CountingEnv } from "./counting-env";
import { EnvBase } from "./env-base";

const actions = (values: number[], shape: number[] = [values.length]): TensorDict =>
  TensorDict.from({ action: HostArray.from("int32", shape, values) }, shape.length === 0 ? [] : [shape[0]!]);

describe("EnvBase protocol", () => {
  it("reset returns the observation and done keys for every sub-env", () => {
    const env = new CountingEnv({ batchSize: [3] });
    const td = env.reset();
    expect(td.batchSize).toEqual([3]);
    expect(td.keys().sort()).toEqual(["done", "observation", "steps", "terminated", "truncated"]);
    expect(Array.from(td.getHost("observation").data)).toEqual([0, 0, 0]);
    expect(td.getHost("done").shape).toEqual([3, 1]);
  });

  it("step writes the transition into td.next and returns the same record", () => {
    const env = new CountingEnv({ batchSize: [2] });
    env.reset();
    const td = actions([1, 0]);
    expect(env.step(td)).toBe(td);
    expect(Array.from(td.getHost("next.observation").data)).toEqual([1, 0]);
    expect(Array.from(td.getHost("next.reward").data)).toEqual([1, 0]);
    expect(td.getHost("next.reward").shape).toEqual([2, 1]);
  });

  it("the method stepMdp follows TorchRL's defaults: next's keys, no action, no reward", () => {
    const env = new CountingEnv();
    env.reset();
    const td = env.step(actions([1], []));
    const root = env.stepMdp(td);
    expect(root.keys().sort()).toEqual(["done", "observation", "steps", "terminated", "truncated"]);
    expect(root.getHost("observation").data[0]).toBe(1);
  });

  it("refuses to step before reset, naming the env", () => {
    const env = new CountingEnv();
    expect(() => env.step(actions([1], []))).toThrow(
      "CountingEnv.step(): the env has not been reset; call reset() before step()",
    );
  });

  it("names env, key, value and batch index for an out-of-range action, and leaves the state unchanged", () => {
    const env = new CountingEnv({ batchSize: [3] });
    const clean = new CountingEnv({ batchSize: [3] });
    env.reset();
    clean.reset();
    env.step(actions([1, 1, 0]));
    clean.step(actions([1, 1, 0]));
    expect(() => env.step(actions([1, 2, 0]))).toThrow(
      "CountingEnv.step(): action 2 is out of range [0, 2) at batch index [1]",
    );
    expect(() => env.step(actions([-1, 0, 0]))).toThrow(
      "CountingEnv.step(): action -1 is out of range [0, 2) at batch index [0]",
    );
    const a = env.step(actions([1, 0, 1]));
    const b = clean.step(actions([1, 0, 1]));
    expect(Array.from(a.getHost("next.observation").data)).toEqual(Array.from(b.getHost("next.observation").data));
    expect(Array.from(a.getHost("next.steps").data)).toEqual([2, 2, 2]);
  });

  it("rejects a wrong shape, a wrong dtype, NaN, a missing key and a batch size mismatch", () => {
    const env = new CountingEnv({ batchSize: [2] });
    env.reset();
    expect(() => env.step(TensorDict.from({ action: HostArray.from("int32", [2, 1], [0, 1]) }, [2]))).toThrow(
      'CountingEnv.step(): "action": expected shape [2], got [2, 1]',
    );
    expect(() => env.step(TensorDict.from({ action: HostArray.from("float32", [2], [0, 1]) }, [2]))).toThrow(
      'CountingEnv.step(): "action": expected dtype int32, got float32',
    );
    expect(() => env.step(TensorDict.from({ action: HostArray.from("float32", [2], [0, Number.NaN]) }, [2]))).toThrow(
      "CountingEnv.step(): action NaN at batch index [1] is not a valid action",
    );
    // An int32 action built from NaN is refused where it is made, not stepped as action 0.
    expect(() => env.step(actions([0, Number.NaN]))).toThrow(
      "HostArray.from: value NaN at index [1] cannot be held by int32",
    );
    expect(() => env.step(new TensorDict({}, [2]))).toThrow('CountingEnv.step(): no "action" entry');
    expect(() => env.step(actions([1, 1, 1]))).toThrow(
      "CountingEnv.step(): the TensorDict has batch size [3], the env has [2]",
    );
    // Nothing above stepped the env.
    const td = env.step(actions([1, 1]));
    expect(Array.from(td.getHost("next.steps").data)).toEqual([1, 1]);
  });

  it("refuses to step a done sub-env, naming its index, until it is reset", () => {
    const env = new CountingEnv({ batchSize: [2], maxCount: 1 });
    env.reset();
    env.step(actions([0, 1]));
    expect(() => env.step(actions([0, 0]))).toThrow("CountingEnv.step(): the sub-env at batch index [1] is done");
    const root = env.reset(TensorDict.from({ _reset: HostArray.from("bool", [2, 1], [0, 1]) }, [2]));
    expect(root.has("_reset")).toBe(false);
    expect(Array.from(root.getHost("steps").data)).toEqual([1, 0]);
    const td = env.step(actions([0, 0]));
    expect(Array.from(td.getHost("next.steps").data)).toEqual([2, 1]);
  });

  it("partial reset accepts [...batch] and [...batch, 1] masks and leaves the others' state", () => {
    const env = new CountingEnv({ batchSize: [3], maxCount: 10 });
    env.reset();
    env.step(actions([1, 1, 1]));
    env.step(actions([1, 0, 1]));
    const root = env.reset(
      TensorDict.from({ _reset: HostArray.from("bool", [3], [1, 0, 0]), keep: HostArray.zeros("float32", [3]) }, [3]),
    );
    expect(Array.from(root.getHost("observation").data)).toEqual([0, 1, 2]);
    expect(Array.from(root.getHost("steps").data)).toEqual([0, 2, 2]);
    expect(root.has("keep")).toBe(true);
    const td = env.step(actions([1, 1, 1]));
    expect(Array.from(td.getHost("next.observation").data)).toEqual([1, 2, 3]);
  });

  it("rejects bad _reset masks and a partial first reset", () => {
    const env = new CountingEnv({ batchSize: [2] });
    expect(() => env.reset(TensorDict.from({ _reset: HostArray.from("bool", [2], [1, 0]) }, [2]))).toThrow(
      'CountingEnv.reset(): "_reset" is false at batch index [1], but the env has never been reset',
    );
    expect(() => env.reset(TensorDict.from({ _reset: HostArray.from("int32", [2], [1, 0]) }, [2]))).toThrow(
      '"_reset" must be a bool host array',
    );
    expect(() => env.reset(TensorDict.from({ _reset: HostArray.from("bool", [2, 2], [1, 0, 1, 0]) }, [2]))).toThrow(
      '"_reset" has shape [2, 2]; expected [2, 1] or [2]',
    );
    expect(() => env.step(actions([0, 0]))).toThrow("has not been reset");
  });

  it("stepAndMaybeReset resets done sub-envs in the next root and keeps the final observation in next", () => {
    const env = new CountingEnv({ batchSize: [2], maxCount: 2 });
    let root = env.reset();
    root.update(actions([1, 0]));
    [, root] = env.stepAndMaybeReset(root);
    root.update(actions([1, 0]));
    const [td, nextRoot] = env.stepAndMaybeReset(root);
    expect(Array.from(td.getHost("next.observation").data)).toEqual([2, 0]);
    expect(Array.from(td.getHost("next.done").data)).toEqual([1, 0]);
    expect(Array.from(nextRoot.getHost("observation").data)).toEqual([0, 0]);
    expect(Array.from(nextRoot.getHost("done").data)).toEqual([0, 0]);
    expect(Array.from(nextRoot.getHost("steps").data)).toEqual([0, 2]);
    expect(nextRoot.has("_reset")).toBe(false);
    expect(nextRoot.has("action")).toBe(false);
  });
});

describe("EnvBase.interactions", () => {
  it("counts the resets, steps and loadStates that changed the env, not the rejected ones", () => {
    const env = new CountingEnv({ batchSize: [2], maxCount: 1 });
    expect(env.interactions).toBe(0);
    const saved = env.state();
    env.reset();
    env.step(actions([1, 0]));
    expect(env.interactions).toBe(2);
    expect(() => env.step(actions([1, 0]))).toThrow("is done");
    expect(env.interactions).toBe(2);
    env.loadState(saved);
    expect(env.interactions).toBe(3);
  });
});

describe("EnvBase.step keeps what the policy wrote under next", () => {
  it("keeps keys the env does not write; the env's own entries win", () => {
    const env = new CountingEnv({ batchSize: [2] });
    env.reset();
    const td = actions([1, 0]);
    td.set(["next", "recurrent_state"], HostArray.from("float32", [2, 1], [7, 8]));
    td.set(["next", "observation"], HostArray.from("float32", [2, 1], [-1, -1]));
    env.step(td);
    expect(Array.from(td.getHost("next.recurrent_state").data)).toEqual([7, 8]);
    expect(Array.from(td.getHost("next.observation").data)).toEqual([1, 0]); // the env's value
  });

  it("a rollout keeps them, and stepMdp carries them to the next root", () => {
    const env = new CountingEnv({ maxCount: 3 });
    let t = 0;
    const policy = (td: TensorDict) => {
      if (!td.has("memory")) td.set("memory", HostArray.zeros("float32", [1])); // what a primer does at reset
      return td.update(actions([1], [])).set(["next", "memory"], HostArray.from("float32", [1], [++t]));
    };
    const rollout = env.rollout(3, policy);
    expect(Array.from(rollout.getHost("next.memory").data)).toEqual([1, 2, 3]);
    expect(Array.from(rollout.getHost("memory").data)).toEqual([0, 1, 2]);
  });
});

describe("EnvBase.rollout", () => {
  it("stacks steps along the last batch dim and stops at the first done", () => {
    const env = new CountingEnv({ batchSize: [2], maxCount: 3 });
    const rollout = env.rollout(10, (td) => td.update(actions([1, 0])));
    expect(rollout.batchSize).toEqual([2, 3]);
    expect(rollout.getHost("next.observation").shape).toEqual([2, 3, 1]);
    expect(Array.from(rollout.getHost("observation").data)).toEqual([0, 1, 2, 0, 0, 0]);
    expect(Array.from(rollout.getHost("next.done").data)).toEqual([0, 0, 1, 0, 0, 0]);
  });

  it("with breakWhenAnyDone false runs maxSteps steps, resetting done sub-envs", () => {
    const env = new CountingEnv({ maxCount: 2 });
    const rollout = env.rollout(5, (td) => td.update(actions([1], [])), { breakWhenAnyDone: false });
    expect(rollout.batchSize).toEqual([5]);
    expect(Array.from(rollout.getHost("observation").data)).toEqual([0, 1, 0, 1, 0]);
    expect(Array.from(rollout.getHost("next.observation").data)).toEqual([1, 2, 1, 2, 1]);
  });

  it("random actions come from the seeded stream: same seed, same rollout", () => {
    const run = (seed: number) =>
      Array.from(new CountingEnv({ batchSize: [4], maxCount: 50, seed }).rollout(20).getHost("action").data);
    expect(run(7)).toEqual(run(7));
    expect(run(7)).not.toEqual(run(8));
    const env = new CountingEnv({ batchSize: [4], maxCount: 50, seed: 8 });
    env.setSeed(7);
    expect(Array.from(env.rollout(20).getHost("action").data)).toEqual(run(7));
  });

  it("autoReset false continues from the given record", () => {
    const env = new CountingEnv({ maxCount: 10 });
    env.reset();
    env.step(actions([1], []));
    const start = env.reset(TensorDict.from({ _reset: HostArray.from("bool", [1], [0]) }));
    const rollout = env.rollout(2, (td) => td.update(actions([1], [])), { autoReset: false, tensordict: start });
    expect(Array.from(rollout.getHost("observation").data)).toEqual([1, 2]);
    expect(() => env.rollout(2, undefined, { autoReset: false })).toThrow(
      'pass the starting root record as "tensordict"',
    );
  });
});

describe("EnvBase action errors from the spec's structured mismatch", () => {
  // An unbatched env whose action spec is given: its errors place the element within the action.
  class ActionEnv extends EnvBase {
    constructor(action: TensorSpec) {
      super({ name: "ActionEnv" });
      this.setSpecs({
        observation: new Composite({ observation: new Unbounded({ shape: [1] }) }),
        action: new Composite({ action }),
      });
    }
    protected _reset(): TensorDict {
      const flag = () => HostArray.zeros("bool", [1]);
      const observation = HostArray.zeros("float32", [1]);
      return new TensorDict({ observation, done: flag(), terminated: flag(), truncated: flag() });
    }
    protected _step(): TensorDict {
      const out = this._reset();
      out.set("reward", HostArray.zeros("float32", [1]));
      return out;
    }
    protected _setSeed(): void {}
  }
  const step = (env: EnvBase, action: HostArray) => {
    env.reset();
    return () => env.step(TensorDict.from({ action }, []));
  };

  it("names the element of a multi-dimensional action that is out of bounds", () => {
    const env = new ActionEnv(new Bounded({ low: -1, high: 1, shape: [2, 2] }));
    expect(step(env, HostArray.from("float32", [2, 2], [0, 0, 0.5, 1.5]))).toThrow(
      "ActionEnv.step(): action 1.5 is out of bounds [-1, 1] at batch index [] (element [1, 1])",
    );
  });

  it("names a OneHot row that is not one-hot", () => {
    const env = new ActionEnv(new OneHot({ n: 3, dtype: "int32" }));
    expect(step(env, HostArray.from("int32", [3], [1, 1, 0]))).toThrow(
      "ActionEnv.step(): action row has 2 ones, expected exactly one: [1, 1, 0] at batch index []",
    );
  });
});

describe("EnvBase subclassing", () => {
  // The example of EnvBase's doc comment, kept here so that it runs.
  class WalkEnv extends EnvBase {
    private x = 0;
    constructor() {
      super({ name: "WalkEnv" });
      this.setSpecs({
        observation: new Composite({ observation: new Unbounded({ shape: [1] }) }),
        action: new Composite({ action: new Categorical({ n: 2 }) }),
      });
    }
    protected _reset(): TensorDict {
      this.x = 0;
      return this.record(false);
    }
    protected _step(td: TensorDict): TensorDict {
      this.x += td.getHost("action").data[0] === 1 ? 1 : -1;
      const out = this.record(Math.abs(this.x) >= 3);
      out.set("reward", HostArray.from("float32", [1], [-1]));
      return out;
    }
    protected _setSeed(): void {}
    private record(done: boolean): TensorDict {
      const flag = () => HostArray.from("bool", [1], [done]);
      return new TensorDict({
        observation: HostArray.from("float32", [1], [this.x]),
        done: flag(),
        terminated: flag(),
        truncated: HostArray.zeros("bool", [1]),
      });
    }
  }

  it("runs the doc example: a rollout ends at the first done with |x| = 3", () => {
    const env = new WalkEnv();
    const rollout = env.rollout(100);
    const last = rollout.batchSize[0]! - 1;
    expect(Math.abs(rollout.getHost("next.observation").data[last]!)).toBe(3);
    expect(rollout.getHost("next.done").data[last]).toBe(1);
    expect(Array.from(rollout.getHost("next.reward").data)).toEqual(new Array<number>(last + 1).fill(-1));
  });

  it("fills in the default reward and done specs and builds the full spec", () => {
    const env = new WalkEnv();
    expect(env.rewardSpec.keys()).toEqual(["reward"]);
    expect(env.doneSpec.keys()).toEqual(["done", "terminated", "truncated"]);
    expect(env.fullSpec.keys({ nested: true })).toEqual([
      "observation",
      "done",
      "terminated",
      "truncated",
      "action",
      "next",
      "next.observation",
      "next.reward",
      "next.done",
      "next.terminated",
      "next.truncated",
    ]);
  });

  it("rejects specs with the wrong batch size or without an action key", () => {
    class Bad extends WalkEnv {
      declareSpecs(specs: { observation: Composite; action: Composite }): void {
        this.setSpecs(specs);
      }
    }
    const env = new Bad();
    expect(() => env.declareSpecs({ observation: new Composite({}, [2]), action: new Composite({}) })).toThrow(
      "WalkEnv: the observation spec has batch size [2], the env has []",
    );
    expect(() => env.declareSpecs({ observation: new Composite({}), action: new Composite({}) })).toThrow(
      'WalkEnv: the action spec has no "action" key',
    );
  });
});
