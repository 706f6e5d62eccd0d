import { HostArray, TensorDict, type TensorSpec } from "@tdrl/tensordict";
import { describe, expect, it } from "vitest";
import { checkEnvSpecs } from "../check-env-specs";
import { CartPoleEnv } from "./cartpole-env";
import { cartPoleStep, THETA_THRESHOLD_RADIANS } from "./cartpole-physics";

const rollout0Shape = () =>
  new CartPoleEnv({ batchSize: [4] }).rollout(60, undefined, { breakWhenAnyDone: false }).batchSize;
const intActions = (values: number[]): TensorDict =>
  TensorDict.from({ action: HostArray.from("int32", [values.length], values) }, [values.length]);

/** Steps both envs with the same valid action and expects identical observations: `bad` kept its state. */
function expectSameAfterValidStep(bad: CartPoleEnv, clean: CartPoleEnv, action: TensorDict): void {
  const a = bad.step(action.clone());
  const b = clean.step(action.clone());
  expect(Array.from(a.getHost("next.observation").data)).toEqual(Array.from(b.getHost("next.observation").data));
  for (let i = 0; i < bad.batchSize.reduce((p, d) => p * d, 1); i++) expect(bad.getState(i)).toEqual(clean.getState(i));
}

describe("CartPoleEnv specs", () => {
  it("declares Gymnasium's observation bounds and TorchRL's keys and shapes", () => {
    const env = new CartPoleEnv({ batchSize: [5] });
    const obs = env.observationSpec.get("observation") as TensorSpec;
    expect(obs.shape).toEqual([5, 4]);
    expect(obs.dtype).toBe("float32");
    const high = Array.from((obs as unknown as { high: HostArray }).high.data.subarray(0, 4));
    expect(high).toEqual(
      [4.8, 3.4028234663852886e38, 2 * THETA_THRESHOLD_RADIANS, 3.4028234663852886e38].map(Math.fround),
    );
    expect(env.actionSpec.get("action").toString()).toBe("Categorical(n=2, shape=[5], dtype=int32)");
    expect((env.rewardSpec.get("reward") as TensorSpec).shape).toEqual([5, 1]);
    expect(env.doneSpec.keys()).toEqual(["done", "terminated", "truncated"]);
    expect(new CartPoleEnv({ categoricalActionEncoding: false }).actionSpec.get("action").toString()).toBe(
      "OneHot(n=2, shape=[2], dtype=bool)",
    );
    expect((new CartPoleEnv().actionSpec.get("action") as TensorSpec).shape).toEqual([]);
  });

  it("passes checkEnvSpecs single, batched, batched 2-D and one-hot", () => {
    checkEnvSpecs(new CartPoleEnv(), { steps: 40 });
    checkEnvSpecs(new CartPoleEnv({ batchSize: [16], seed: 4 }), { steps: 40 });
    checkEnvSpecs(new CartPoleEnv({ batchSize: [2, 3] }), { steps: 30 });
    checkEnvSpecs(new CartPoleEnv({ batchSize: [4], categoricalActionEncoding: false }), { steps: 40 });
  });

  it("knows its version's time limit and reward threshold", () => {
    expect([new CartPoleEnv().maxEpisodeSteps, new CartPoleEnv().rewardThreshold]).toEqual([500, 475]);
    expect([
      new CartPoleEnv({ version: "v0" }).maxEpisodeSteps,
      new CartPoleEnv({ version: "v0" }).rewardThreshold,
    ]).toEqual([200, 195]);
  });
});

describe("CartPoleEnv dynamics and resets", () => {
  it("steps every cart of a batch in one call, each as a single env would", () => {
    const batched = new CartPoleEnv({ batchSize: [3] });
    batched.reset();
    const states = [
      [0.01, -0.2, 0.03, 0.1],
      [-1, 0.5, -0.1, -0.3],
      [2.3, 1, 0.2, 2],
    ];
    states.forEach((s, i) => batched.setState(i, s));
    const td = batched.step(intActions([0, 1, 1]));
    states.forEach((s, i) => {
      const expected = Float64Array.from(s);
      const terminated = cartPoleStep(expected, 0, [0, 1, 1][i]!);
      expect(batched.getState(i)).toEqual(expected);
      expect(td.getHost("next.terminated").data[i]).toBe(terminated ? 1 : 0);
      expect(Array.from(td.getHost("next.observation").data.subarray(4 * i, 4 * i + 4))).toEqual(
        Array.from(expected, Math.fround),
      );
    });
    expect(Array.from(td.getHost("next.terminated").data)).toEqual([0, 0, 1]);
    expect(Array.from(td.getHost("next.reward").data)).toEqual([1, 1, 1]);
  });

  it("truncates at the time limit, counting steps per cart", () => {
    const env = new CartPoleEnv({ batchSize: [2] });
    env.reset();
    env.setState(0, [0, 0, 0, 0], { elapsedSteps: 498 });
    env.setState(1, [0, 0, 0, 0], { elapsedSteps: 10 });
    let td = env.step(intActions([0, 1]));
    expect(Array.from(td.getHost("next.truncated").data)).toEqual([0, 0]);
    td = env.step(intActions([1, 0]));
    expect(Array.from(td.getHost("next.truncated").data)).toEqual([1, 0]);
    expect(Array.from(td.getHost("next.done").data)).toEqual([1, 0]);
    expect(Array.from(td.getHost("next.terminated").data)).toEqual([0, 0]);
  });

  it("draws reset states uniformly from [low, high), reproducibly per seed", () => {
    const env = new CartPoleEnv({ batchSize: [200], low: -0.2, high: -0.1, seed: 9 });
    const obs = Array.from(env.reset().getHost("observation").data);
    expect(Math.min(...obs)).toBeGreaterThanOrEqual(-0.2);
    expect(Math.max(...obs)).toBeLessThan(-0.1);
    // Mean of 800 uniforms on [-0.2, -0.1): -0.15 give or take a few thousandths.
    expect(Math.abs(obs.reduce((s, v) => s + v, 0) / obs.length + 0.15)).toBeLessThan(0.005);
    const again = new CartPoleEnv({ batchSize: [200], low: -0.2, high: -0.1, seed: 9 })
      .reset()
      .getHost("observation").data;
    expect(Array.from(again)).toEqual(obs);
    const other = new CartPoleEnv({ batchSize: [200], low: -0.2, high: -0.1, seed: 10 })
      .reset()
      .getHost("observation").data;
    expect(Array.from(other)).not.toEqual(obs);
    env.setSeed(9);
    expect(Array.from(env.reset().getHost("observation").data)).toEqual(obs);
  });

  it("same seed, same rollout; another seed, another rollout", () => {
    const run = (seed: number) => {
      const rollout = new CartPoleEnv({ batchSize: [4], seed }).rollout(60, undefined, { breakWhenAnyDone: false });
      return [Array.from(rollout.getHost("action").data), Array.from(rollout.getHost("next.observation").data)];
    };
    expect(rollout0Shape()).toEqual([4, 60]);
    expect(run(3)).toEqual(run(3));
    expect(run(3)[0]).not.toEqual(run(4)[0]);
    expect(run(3)[1]).not.toEqual(run(4)[1]);
  });

  it("gives each cart its own reset stream: a cart's resets do not depend on the others'", () => {
    const flag = (values: number[]) => TensorDict.from({ _reset: HostArray.from("bool", [2, 1], values) }, [2]);
    const a = new CartPoleEnv({ batchSize: [2], seed: 5 });
    const b = new CartPoleEnv({ batchSize: [2], seed: 5 });
    a.reset();
    b.reset();
    b.reset(flag([1, 0]));
    b.reset(flag([1, 0]));
    const fromA = a
      .reset(flag([0, 1]))
      .getHost("observation")
      .data.slice(4);
    const fromB = b
      .reset(flag([0, 1]))
      .getHost("observation")
      .data.slice(4);
    expect(Array.from(fromB)).toEqual(Array.from(fromA));
  });

  it("partial reset keeps the other carts' state, step count and flags", () => {
    const env = new CartPoleEnv({ batchSize: [2] });
    env.reset();
    env.setState(1, [0, 0, 0.3, 0]); // already past 12 degrees: terminates on the next step
    env.step(intActions([0, 0]));
    const before = env.getState(0);
    const root = env.reset(TensorDict.from({ _reset: HostArray.from("bool", [2], [0, 1]) }, [2]));
    expect(env.getState(0)).toEqual(before);
    expect(Array.from(root.getHost("observation").data.subarray(0, 4))).toEqual(Array.from(before, Math.fround));
    expect(Array.from(root.getHost("done").data)).toEqual([0, 0]);
    expect(Math.max(...Array.from(env.getState(1), Math.abs))).toBeLessThan(0.05);
  });

  it("partial reset copies the other carts' entries from the record it is given", () => {
    const env = new CartPoleEnv({ batchSize: [2] });
    const root: TensorDict = env.reset(); // untyped: "_reset" is not one of the env's keys
    root.getHost("observation").data.set([9, 9, 9, 9], 4); // the caller's record, edited: kept as it is
    const next = env.reset(root.set("_reset", HostArray.from("bool", [2, 1], [1, 0])));
    expect(Array.from(next.getHost("observation").data.subarray(4))).toEqual([9, 9, 9, 9]);
    expect(Array.from(next.getHost("observation").data.subarray(0, 4))).toEqual(
      Array.from(env.getState(0), Math.fround),
    );
  });

  it("semi-implicit Euler updates velocities first", () => {
    const env = new CartPoleEnv({ kinematicsIntegrator: "semi-implicit-euler" });
    env.reset();
    env.setState(0, [0, 1, 0, 0]);
    env.step(TensorDict.from({ action: HostArray.from("int32", [], [1]) }));
    const [x, xDot] = env.getState(0);
    // Euler would move x by tau * (old x_dot) = 0.02; semi-implicit moves it by tau * (new x_dot), more under a push right.
    expect(x).toBeCloseTo(0.02 * xDot!, 15);
    expect(xDot).toBeGreaterThan(1);
  });
});

describe("CartPoleEnv bad input", () => {
  function pair(batchSize: number[] = [3]): [CartPoleEnv, CartPoleEnv] {
    const bad = new CartPoleEnv({ batchSize, seed: 2 });
    const clean = new CartPoleEnv({ batchSize, seed: 2 });
    bad.reset();
    clean.reset();
    return [bad, clean];
  }

  it("refuses step before reset", () => {
    expect(() => new CartPoleEnv().step(TensorDict.from({ action: HostArray.from("int32", [], [0]) }))).toThrow(
      "CartPoleEnv.step(): the env has not been reset; call reset() before step()",
    );
  });

  it("names env, key, value and batch index for an out-of-range action and keeps the state", () => {
    const [bad, clean] = pair();
    expect(() => bad.step(intActions([0, 1, 3]))).toThrow(
      "CartPoleEnv.step(): action 3 is out of range [0, 2) at batch index [2]",
    );
    expect(() => bad.step(intActions([-1, 1, 0]))).toThrow(
      "CartPoleEnv.step(): action -1 is out of range [0, 2) at batch index [0]",
    );
    expectSameAfterValidStep(bad, clean, intActions([1, 0, 1]));
  });

  it("rejects a wrong shape, a wrong dtype and NaN, keeping the state", () => {
    const [bad, clean] = pair();
    expect(() => bad.step(TensorDict.from({ action: HostArray.from("int32", [3, 1], [0, 1, 0]) }, [3]))).toThrow(
      'CartPoleEnv.step(): "action": expected shape [3], got [3, 1]',
    );
    expect(() => bad.step(TensorDict.from({ action: HostArray.from("float32", [3], [0, 1, 0]) }, [3]))).toThrow(
      'CartPoleEnv.step(): "action": expected dtype int32, got float32',
    );
    expect(() =>
      bad.step(TensorDict.from({ action: HostArray.from("float32", [3], [0, Number.NaN, 1]) }, [3])),
    ).toThrow("CartPoleEnv.step(): action NaN at batch index [1] is not a valid action");
    expect(() => bad.step(TensorDict.from({ action: HostArray.from("uint8", [3], [0, 1, 1]) }, [3]))).toThrow(
      "expected dtype int32, got uint8",
    );
    expectSameAfterValidStep(bad, clean, intActions([0, 0, 1]));
  });

  it("rejects a one-hot row with two ones or none", () => {
    const bad = new CartPoleEnv({ batchSize: [2], categoricalActionEncoding: false });
    const clean = new CartPoleEnv({ batchSize: [2], categoricalActionEncoding: false });
    bad.reset();
    clean.reset();
    const oneHot = (values: number[]) => TensorDict.from({ action: HostArray.from("bool", [2, 2], values) }, [2]);
    expect(() => bad.step(oneHot([1, 0, 1, 1]))).toThrow(
      "CartPoleEnv.step(): action row has 2 ones, expected exactly one: [1, 1] at batch index [1]",
    );
    expect(() => bad.step(oneHot([0, 0, 0, 1]))).toThrow(
      "CartPoleEnv.step(): action row has 0 ones, expected exactly one: [0, 0] at batch index [0]",
    );
    expect(() => bad.step(intActions([0, 1]))).toThrow('CartPoleEnv.step(): "action": expected shape [2, 2], got [2]');
    expectSameAfterValidStep(bad, clean, oneHot([0, 1, 1, 0]));
  });

  it("refuses to step a done cart, naming its index, and keeps every cart's state", () => {
    const [bad, clean] = pair([2]);
    for (const env of [bad, clean]) env.setState(1, [0, 0, 0.25, 0]);
    bad.step(intActions([0, 0]));
    clean.step(intActions([0, 0]));
    expect(() => bad.step(intActions([1, 1]))).toThrow("CartPoleEnv.step(): the sub-env at batch index [1] is done");
    const reset = TensorDict.from({ _reset: HostArray.from("bool", [2, 1], [0, 1]) }, [2]);
    bad.reset(reset);
    clean.reset(reset.clone());
    expectSameAfterValidStep(bad, clean, intActions([1, 1]));
  });

  it("hands out new arrays every step and reset: past records keep their values (large batch, pooled buffers)", () => {
    // 64 carts: past the size at which one step's arrays are views of one buffer.
    const n = 64;
    const env = new CartPoleEnv({ batchSize: [n], seed: 3 });
    const keys = ["observation", "done", "terminated", "truncated"];
    const snap = (td: TensorDict, prefix: string, withReward: boolean) =>
      [...keys, ...(withReward ? ["reward"] : [])].map((k) => Array.from(td.getHost(prefix + k).data));
    let root = env.reset();
    // Each record with where its leaves are and their values when it was made (a root gets "next" later, when stepped).
    const kept: [TensorDict, string, boolean, number[][]][] = [];
    let terminations = 0;
    for (let t = 0; t < 120; t++) {
      root.set(
        "action",
        HostArray.from(
          "int32",
          [n],
          Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 1 : (t + i) & 1)),
        ),
      );
      const [stepped, next] = env.stepAndMaybeReset(root);
      terminations += Array.from(stepped.getHost("next.terminated").data).filter((v) => v === 1).length;
      kept.push([stepped, "next.", true, snap(stepped, "next.", true)], [next, "", false, snap(next, "", false)]);
      root = next;
    }
    expect(terminations).toBeGreaterThan(n); // the carts pushed right every third step fall: partial resets happen
    for (const [td, prefix, withReward, values] of kept) expect(snap(td, prefix, withReward)).toEqual(values);
    const last = kept[kept.length - 2]![0];
    expect(Array.from(last.getHost("next.reward").data)).toEqual(new Array<number>(n).fill(1));
    const done = Array.from(last.getHost("next.done").data);
    const term = Array.from(last.getHost("next.terminated").data);
    const trunc = Array.from(last.getHost("next.truncated").data);
    expect(done).toEqual(term.map((v, i) => v | trunc[i]!));
  });

  it("validates constructor options and setState arguments", () => {
    expect(() => new CartPoleEnv({ version: "v2" as "v1" })).toThrow(
      'CartPoleEnv: version must be "v0" or "v1", got "v2"',
    );
    expect(() => new CartPoleEnv({ low: 0.1, high: -0.1 })).toThrow(
      "CartPoleEnv: reset bounds must be finite with low < high, got low 0.1 and high -0.1",
    );
    expect(() => new CartPoleEnv({ batchSize: [0] })).toThrow(
      "CartPoleEnv: batchSize must be an array of positive integers, got [0]",
    );
    expect(() => new CartPoleEnv({ renderSize: [84, 84] })).toThrow("CartPoleEnv: renderSize needs fromPixels: true");
    expect(() => new CartPoleEnv({ fromPixels: true, renderSize: [84, 0] as [number, number] })).toThrow(
      "renderSize must be [height, width]",
    );
    // Sizes too large to allocate name the option and the bytes, at construction.
    expect(() => new CartPoleEnv({ fromPixels: true, renderSize: [1e5, 1e5] })).toThrow(
      "CartPoleEnv: renderSize [100000, 100000] with 3 channels for 1 sub-env would need 30000000000 bytes (27.9 GiB); the limit is 2 GiB",
    );
    expect(() => new CartPoleEnv({ batchSize: [100000, 100000] })).toThrow(
      "CartPoleEnv: batchSize [100000, 100000] would need 20000000000 bytes (18.6 GiB)",
    );
    // Unknown options are refused, with the likely meant one.
    expect(() => new CartPoleEnv({ batch_size: [4] } as never)).toThrow(
      'CartPoleEnv: unknown option "batch_size" (known: batchSize, version, suttonBartoReward, low, high, categoricalActionEncoding, fromPixels, pixelsOnly, renderSize, grayscale, kinematicsIntegrator, seed; did you mean batchSize?)',
    );
    const env = new CartPoleEnv({ batchSize: [2] });
    expect(() => env.setState(2, [0, 0, 0, 0])).toThrow(
      "CartPoleEnv.setState(): sub-env index 2 is out of range [0, 2)",
    );
    expect(() => env.setState(0, [0, 0, 0])).toThrow(
      "CartPoleEnv.setState(): state must hold 4 numbers [x, x_dot, theta, theta_dot], got 3 values",
    );
    expect(() => env.setState(0, [0, Number.NaN, 0, 0])).toThrow(
      "CartPoleEnv.setState(): state[1] is NaN, not a finite number",
    );
  });
});
