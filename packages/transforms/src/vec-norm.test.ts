import { CartPoleEnv, checkEnvSpecs } from "@tdrl/envs";
import { HostArray, TensorDict, Unbounded } from "@tdrl/tensordict";
import { describe, expect, it } from "vitest";
import { TransformedEnv } from "./transformed-env";
import { VecNorm } from "./vec-norm";

const column = (values: number[]) =>
  new TensorDict({ observation: HostArray.from("float32", [values.length, 1], values) }, [values.length]);
const normalized = (norm: VecNorm, values: number[]) =>
  Array.from(norm.forward(column(values)).getHost("observation").data);

describe("VecNorm", () => {
  it("keeps decayed running sums and standardizes with them, as computed by hand", () => {
    const norm = new VecNorm({ inKeys: ["observation"], decay: 0.5 });
    // Call 1: sum 4, ssq 10, count 2 -> mean 2, var 5 - 4 = 1.
    expect(normalized(norm, [1, 3])).toEqual([-1, 1]);
    // Call 2: sum 4 * 0.5 + 10 = 12, ssq 10 * 0.5 + 50 = 55, count 2 * 0.5 + 2 = 3 -> mean 4, var 55 / 3 - 16.
    const std = Math.sqrt(55 / 3 - 16);
    const out = normalized(norm, [5, 5]);
    expect(out[0]).toBeCloseTo(1 / std, 6);
    expect(norm.state().keys.observation).toEqual({ shape: [1], sum: [12], ssq: [55], count: 3 });
    const { mean, std: s } = norm.meanStd("observation")!;
    expect(mean.data[0]).toBeCloseTo(4, 6);
    expect(s.data[0]).toBeCloseTo(std, 6);
  });

  it("floors the std at eps, so a constant input maps to 0", () => {
    const norm = new VecNorm({ inKeys: ["observation"], eps: 1e-3 });
    expect(normalized(norm, [7, 7, 7])).toEqual([0, 0, 0]);
    expect(norm.meanStd("observation")!.std.data[0]).toBeCloseTo(1e-3, 9);
  });

  it("does not update while frozen", () => {
    const norm = new VecNorm({ inKeys: ["observation"], decay: 1 });
    normalized(norm, [1, 3]);
    norm.freeze();
    expect(normalized(norm, [2, 4])).toEqual([0, 2]);
    expect(norm.state().keys.observation!.count).toBe(2);
    norm.unfreeze();
    normalized(norm, [2, 4]);
    expect(norm.state().keys.observation!.count).toBe(4);
  });

  it("saves and loads its state as JSON, round trip exact", () => {
    const a = new VecNorm({ inKeys: ["observation"], decay: 0.99 });
    for (const values of [
      [0.1, 0.7],
      [0.3, -2],
      [5, 1e-3],
    ])
      normalized(a, values);
    const json = JSON.stringify(a.state());
    const b = new VecNorm({ inKeys: ["observation"], decay: 0.99 });
    b.loadState(JSON.parse(json));
    expect(b.state()).toEqual(a.state());
    expect(normalized(b, [0.5, 0.25])).toEqual(normalized(a, [0.5, 0.25]));
  });

  it("rejects a bad state naming what is wrong, and keeps its own", () => {
    const norm = new VecNorm({ inKeys: ["observation"] });
    normalized(norm, [1, 2]);
    const before = norm.state();
    const good = before.keys.observation!;
    const bad = (keys: object, extra: object = {}) => ({ decay: 0.9999, eps: 1e-4, keys, ...extra }) as never;
    expect(() => norm.loadState(bad({ pixels: good }))).toThrow(
      'VecNorm.loadState(): key "pixels" is not one of this VecNorm\'s inKeys (observation)',
    );
    expect(() => norm.loadState(bad({ observation: { ...good, sum: [1, 2] } }))).toThrow(
      'VecNorm.loadState(): "observation".sum must hold 1 numbers (shape [1]), got 2',
    );
    expect(() => norm.loadState(bad({ observation: { ...good, ssq: [-1] } }))).toThrow(
      '"observation".ssq[0] is -1; expected a finite number >= 0',
    );
    expect(() => norm.loadState(bad({ observation: { ...good, count: Number.NaN } }))).toThrow(
      '"observation".count must be a finite number >= 0, got NaN',
    );
    expect(() => norm.loadState(bad({ observation: good }, { decay: 0.5 }))).toThrow(
      "the state was saved with decay 0.5 and eps 0.0001; this VecNorm has decay 0.9999 and eps 0.0001",
    );
    expect(norm.state()).toEqual(before);
    expect(() => new VecNorm({ decay: 0 })).toThrow("VecNorm: decay must be in (0, 1], got 0");
  });

  it("normalizes observation and reward in an env, with float32 specs, on a single and a batched CartPole", () => {
    for (const batchSize of [[], [4]]) {
      const env = new TransformedEnv(new CartPoleEnv({ batchSize, seed: 2 }), new VecNorm());
      expect(env.observationSpec.get("observation")).toBeInstanceOf(Unbounded);
      expect(env.rewardSpec.get("reward")).toBeInstanceOf(Unbounded);
      checkEnvSpecs(env, { steps: 40 });
      const rollout = env.rollout(50, undefined, { breakWhenAnyDone: false });
      expect(rollout.getHost("next.reward").dtype).toBe("float32");
    }
  });

  it("on a partial reset adds only the reset sub-envs' rows and keeps the others' outputs", () => {
    const norm = new VecNorm({ inKeys: ["observation"], decay: 1 });
    const env = new TransformedEnv(new CartPoleEnv({ batchSize: [3], seed: 4 }), norm);
    let td = env.reset();
    expect(norm.state().keys.observation!.count).toBe(3);
    env.step(env.randAction(td));
    td = env.stepMdp(td);
    expect(norm.state().keys.observation!.count).toBe(6);
    const before = td.getHost("observation").clone();
    const sumBefore = norm.state().keys.observation!.sum;
    td.set("_reset", HostArray.from("bool", [3, 1], [0, 1, 0]));
    const after = env.reset(td).getHost("observation");
    const state = norm.state().keys.observation!;
    expect(state.count).toBe(7);
    // The sum grew by exactly the reset sub-env's new raw observation.
    for (const row of [0, 2])
      for (let j = 0; j < 4; j++) expect(after.data[row * 4 + j]).toBe(before.data[row * 4 + j]);
    const grew = state.sum.map((v, j) => v - sumBefore[j]!);
    const mean = state.sum.map((v) => v / state.count);
    for (let j = 0; j < 4; j++) {
      const std = Math.max(Math.sqrt(state.ssq[j]! / state.count - mean[j]! ** 2), 1e-4);
      expect(after.data[4 + j]).toBeCloseTo((grew[j]! - mean[j]!) / std, 4);
    }
  });

  it("checks every key's shape before updating any, so a rejected call changes nothing", () => {
    const norm = new VecNorm({ inKeys: ["a", "b"], decay: 1 });
    norm.forward(new TensorDict({ a: HostArray.zeros("float32", [2, 1]), b: HostArray.zeros("float32", [2, 3]) }, [2]));
    const before = norm.state();
    const bad = new TensorDict({ a: HostArray.full("float32", [2, 1], 5), b: HostArray.zeros("float32", [2, 2]) }, [2]);
    expect(() => norm.forward(bad)).toThrow(
      'VecNorm: "b" has feature shape [2] (leaf [2, 2]), but its statistics have [3]',
    );
    expect(norm.state()).toEqual(before);
    expect(bad.getHost("a").data[0]).toBe(5);
  });

  it("names the key it cannot find and the keys there are", () => {
    expect(() => new TransformedEnv(new CartPoleEnv(), new VecNorm({ inKeys: ["pixels"] }))).toThrow(
      'VecNorm: key "pixels" not found in the observation or reward spec; it has keys: observation',
    );
    const td = new TensorDict({ obs: HostArray.zeros("float32", [2]) });
    expect(() => new VecNorm({ inKeys: ["observation"] }).forward(td)).toThrow(
      'VecNorm: key "observation" not found in the record; it has keys: obs',
    );
  });
});
