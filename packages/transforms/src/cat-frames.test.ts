import { CartPoleEnv, checkEnvSpecs } from "@tdrl/envs";
import { Bounded, HostArray, TensorDict, Unbounded } from "@tdrl/tensordict";
import { describe, expect, it } from "vitest";
import { clockEnv } from "../test/clock-env";
import { CatFrames } from "./cat-frames";
import { TransformedEnv } from "./transformed-env";

const values = (td: TensorDict, key: string) => Array.from(td.getHost(key).data);

describe("CatFrames in an env", () => {
  it("fills the window with the first frame at reset and drops the oldest frame each step", () => {
    const env = new TransformedEnv(clockEnv(100), new CatFrames(3, { dim: -1, inKeys: ["observation"] }));
    let td = env.reset();
    expect(values(td, "observation")).toEqual([0, 0, 0]);
    const seen: number[][] = [];
    for (let i = 0; i < 4; i++) {
      env.step(env.randAction(td));
      seen.push(values(td, "next.observation"));
      td = env.stepMdp(td);
    }
    expect(seen).toEqual([
      [0, 0, 1],
      [0, 1, 2],
      [1, 2, 3],
      [2, 3, 4],
    ]);
  });

  it("pads with a constant when asked, and restarts the window at the next episode", () => {
    const env = new TransformedEnv(
      clockEnv(2),
      new CatFrames(3, { dim: -1, inKeys: ["observation"], padding: "constant", paddingValue: -1 }),
    );
    let td = env.reset();
    expect(values(td, "observation")).toEqual([-1, -1, 0]);
    const roots: number[][] = [];
    for (let i = 0; i < 3; i++) {
      [, td] = env.stepAndMaybeReset(env.randAction(td));
      roots.push(values(td, "observation"));
    }
    // Step 2 ends the episode: the next root is the reset window.
    expect(roots).toEqual([
      [-1, 0, 1],
      [-1, -1, 0],
      [-1, 0, 1],
    ]);
  });

  it("refills only the reset sub-envs' windows under partial resets of a batched CartPole", () => {
    const n = 4;
    const env = new TransformedEnv(
      new CartPoleEnv({ batchSize: [3], seed: 1 }),
      new CatFrames(n, { dim: -1, inKeys: ["observation"], outKeys: ["stacked"] }),
    );
    let td = env.reset();
    // The expected windows, kept by hand from the raw observations: one list of frames per sub-env.
    const frames = (t: TensorDict, i: number) => Array.from(t.getHost("observation").data.subarray(i * 4, i * 4 + 4));
    const windows = [0, 1, 2].map((i) => Array.from({ length: n }, () => frames(td, i)));
    const flat = () => windows.flatMap((w) => w.flat());
    let resets = 0;
    for (let t = 0; t < 120; t++) {
      const [stepped, next] = env.stepAndMaybeReset(env.randAction(td));
      for (let i = 0; i < 3; i++) windows[i] = [...windows[i]!.slice(1), frames(stepped.get("next") as TensorDict, i)];
      expectClose(values(stepped, "next.stacked"), flat());
      const done = stepped.getHost("next.done").data;
      for (let i = 0; i < 3; i++) {
        if (done[i] === 1) {
          windows[i] = Array.from({ length: n }, () => frames(next, i));
          resets++;
        }
      }
      expectClose(values(next, "stacked"), flat());
      td = next;
    }
    expect(resets).toBeGreaterThan(3);
  });

  it("keeps the specs right on a single and a batched CartPole, state and pixels", () => {
    for (const batchSize of [[], [3]]) {
      const state = new TransformedEnv(
        new CartPoleEnv({ batchSize }),
        new CatFrames(4, { dim: -1, inKeys: ["observation"] }),
      );
      const spec = state.observationSpec.get("observation") as Bounded;
      expect(spec).toBeInstanceOf(Bounded);
      expect(spec.shape).toEqual([...batchSize, 16]);
      expect(Array.from(spec.high.data.subarray(0, 8))).toEqual(Array.from(spec.high.data.subarray(8, 16)));
      checkEnvSpecs(state, { steps: 40 });
      const pixels = new TransformedEnv(
        new CartPoleEnv({ batchSize, fromPixels: true, renderSize: [84, 84], grayscale: true }),
        new CatFrames(4, { dim: -1 }),
      );
      expect(pixels.observationSpec.get("pixels")).toBeInstanceOf(Unbounded);
      expect((pixels.observationSpec.get("pixels") as Unbounded).shape).toEqual([...batchSize, 84, 84, 4]);
      checkEnvSpecs(pixels, { steps: 15 });
    }
  });

  it("stacks along a leading feature dim too ([1, 84, 84] -> [4, 84, 84])", () => {
    const env = new TransformedEnv(
      new CartPoleEnv({ fromPixels: true, renderSize: [84, 84], grayscale: true }),
      new CatFrames(2, { dim: -3 }),
    );
    const td = env.reset();
    expect(td.getHost("pixels").shape).toEqual([168, 84, 1]);
    const data = td.getHost("pixels").data;
    expect(Array.from(data.subarray(0, 84 * 84))).toEqual(Array.from(data.subarray(84 * 84)));
  });

  it("checks every key before moving any window, so a rejected step changes nothing", () => {
    const cf = new CatFrames(2, { dim: -1, inKeys: ["a", "b"] });
    const frame = (a: number, bSize: number) =>
      new TensorDict({ a: HostArray.from("float32", [1], [a]), b: HostArray.zeros("float32", [bSize]) });
    cf.reset(new TensorDict({}), frame(1, 2), null);
    expect(() => cf.step(new TensorDict({}), frame(2, 3))).toThrow(
      'CatFrames: "b" is float32[3] in this step, but its window holds 1 x float32[2] frames',
    );
    expect(values(cf.step(new TensorDict({}), frame(3, 2)), "a")).toEqual([1, 3]);
    expect(() => cf.step(new TensorDict({}), new TensorDict({ a: HostArray.zeros("float32", [1]) }))).toThrow(
      'CatFrames: key "b" not found in the step\'s "next" record; it has keys: a',
    );
  });

  it("rejects bad options and missing keys with errors naming them", () => {
    expect(() => new CatFrames(0, { dim: -1 })).toThrow("CatFrames: n must be a positive integer, got 0");
    expect(() => new CatFrames(4, { dim: 0 })).toThrow("CatFrames: dim must be a negative integer");
    expect(() => new CatFrames(4, { dim: -1, padding: "zeros" as never })).toThrow(
      'CatFrames: padding must be "same" or "constant", got "zeros"',
    );
    expect(() => new TransformedEnv(new CartPoleEnv(), new CatFrames(4, { dim: -1 }))).toThrow(
      'CatFrames: key "pixels" not found in the observation spec; it has keys: observation',
    );
    expect(() => new TransformedEnv(new CartPoleEnv(), new CatFrames(4, { dim: -2, inKeys: ["observation"] }))).toThrow(
      'CatFrames: "observation" in the observation spec: dim -2 is not a feature dim of shape [4]',
    );
  });
});

describe("CatFrames standalone on a replay sample", () => {
  it("gives the windows the env gave online, for a [B, T] sample with episodes ending inside it", () => {
    const online = new TransformedEnv(
      new CartPoleEnv({ batchSize: [3], seed: 8 }),
      new CatFrames(4, { dim: -1, inKeys: ["observation"], outKeys: ["stacked"] }),
    );
    const rollout = online.rollout(80, undefined, { breakWhenAnyDone: false }); // batch [3, 80], starts at a reset
    expect(Array.from(rollout.getHost("next.done").data).filter((d) => d === 1).length).toBeGreaterThan(3);
    const sample = rollout.exclude("stacked", "next.stacked");
    new CatFrames(4, { dim: -1, inKeys: ["observation"], outKeys: ["stacked"] }).forward(sample);
    expect(values(sample, "stacked")).toEqual(values(rollout, "stacked"));
    expect(values(sample, "next.stacked")).toEqual(values(rollout, "next.stacked"));
  });

  it("pads at the sample's first step and after a done, and stacks in place", () => {
    const sample = new TensorDict(
      {
        observation: HostArray.from("float32", [5, 1], [1, 2, 3, 10, 11]),
        next: {
          observation: HostArray.from("float32", [5, 1], [2, 3, 4, 11, 12]),
          done: HostArray.from("bool", [5, 1], [0, 0, 1, 0, 0]),
        },
      },
      [5],
    );
    new CatFrames(3, { dim: -1, inKeys: ["observation"], padding: "constant" }).forward(sample);
    expect(values(sample, "observation")).toEqual([0, 0, 1, 0, 1, 2, 1, 2, 3, 0, 0, 10, 0, 10, 11]);
    expect(values(sample, "next.observation")).toEqual([0, 1, 2, 1, 2, 3, 2, 3, 4, 0, 10, 11, 10, 11, 12]);
  });

  it("needs the done flags and the key, and leaves the record unchanged when they are missing", () => {
    const noDone = new TensorDict(
      { observation: HostArray.zeros("float32", [2, 1]), next: { observation: HostArray.zeros("float32", [2, 1]) } },
      [2],
    );
    expect(() => new CatFrames(2, { dim: -1, inKeys: ["observation"] }).forward(noDone)).toThrow(
      'CatFrames: key "next.done" not found in the record (it separates the episodes of a replay sample); it has keys: observation, next.observation',
    );
    const noKey = new TensorDict(
      { obs: HostArray.zeros("float32", [2, 1]), next: { done: HostArray.zeros("bool", [2, 1]) } },
      [2],
    );
    expect(() => new CatFrames(2, { dim: -1, inKeys: ["obs", "observation"] }).forward(noKey)).toThrow(
      'CatFrames: key "observation" not found in the record; it has keys: obs, next.done',
    );
    expect(noKey.getHost("obs").shape).toEqual([2, 1]);
    expect(() =>
      new CatFrames(2, { dim: -1 }).forward(new TensorDict({ pixels: HostArray.zeros("uint8", [1]) })),
    ).toThrow("CatFrames: forward() needs a record with a time dim");
  });
});

function expectClose(actual: number[], expected: number[]): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < actual.length; i++)
    if (Math.fround(expected[i]!) !== actual[i]) expect(actual[i]).toBe(Math.fround(expected[i]!));
}
