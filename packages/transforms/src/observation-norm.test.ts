import { CartPoleEnv, GymLikeEnv, checkEnvSpecs, type EnvBase } from "@tdrl/envs";
import { Bounded, HostArray, TensorDict, Unbounded } from "@tdrl/tensordict";
import { initBackend } from "@tdrl/backend";
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { Compose } from "./compose";
import { ObservationNorm, OBSERVATION_NORM_EPS, catHost, reduceMeanStd } from "./observation-norm";
import { ToTensorImage } from "./to-tensor-image";
import { TransformedEnv } from "./transformed-env";

/**
 * The rollouts initStats makes, repeated on a fresh copy of the base env: each asks for the frames still
 * missing. The env below the transform draws its random actions from the base env's seeded stream, so the
 * copy's own rollouts are the same.
 */
function handRollouts(env: EnvBase, key: string, numIter: number): HostArray[] {
  const parts: HostArray[] = [];
  let collected = 0;
  const perStep = env.batchSize.reduce((a, b) => a * b, 1);
  while (collected < numIter) {
    const r = env.rollout(Math.ceil((numIter - collected) / perStep));
    parts.push(r.getHost(key));
    collected += r.numel;
  }
  return parts;
}

/** Mean and unbiased std of every column of `rows` (the last `width` values of each row), by hand. */
function columnStats(parts: HostArray[], width: number): { mean: number[]; std: number[] } {
  const values: number[][] = Array.from({ length: width }, () => []);
  for (const p of parts) for (let i = 0; i < p.size; i++) values[i % width]!.push(p.data[i]!);
  const mean = values.map((v) => v.reduce((a, b) => a + b, 0) / v.length);
  const std = values.map((v, j) => Math.sqrt(v.reduce((a, b) => a + (b - mean[j]!) ** 2, 0) / (v.length - 1)));
  return { mean, std };
}

describe("ObservationNorm with given loc and scale", () => {
  it("maps x * scale + loc by default and (x - loc) / scale with standardNormal", () => {
    const x = () => new TensorDict({ observation: HostArray.from("float32", [3], [1, 2, 4]) });
    expect(Array.from(new ObservationNorm({ loc: 1, scale: 2 }).forward(x()).getHost("observation").data)).toEqual([
      3, 5, 9,
    ]);
    expect(
      Array.from(
        new ObservationNorm({ loc: 1, scale: 2, standardNormal: true }).forward(x()).getHost("observation").data,
      ),
    ).toEqual([0, 0.5, 1.5]);
  });

  it("broadcasts a per-feature loc over the batch dims and writes float32 from uint8 into outKeys", () => {
    const norm = new ObservationNorm({
      loc: HostArray.from("float32", [2], [10, 20]),
      scale: HostArray.from("float32", [2], [2, 4]),
      standardNormal: true,
      inKeys: ["pixels"],
      outKeys: ["pixels_norm"],
    });
    const td = new TensorDict({ pixels: HostArray.from("uint8", [2, 2], [12, 24, 10, 28]) }, [2]);
    norm.forward(td);
    const out = td.getHost("pixels_norm");
    expect(out.dtype).toBe("float32");
    expect(Array.from(out.data)).toEqual([1, 1, 0, 2]);
    expect(Array.from(td.getHost("pixels").data)).toEqual([12, 24, 10, 28]); // input untouched
  });

  it("rejects bad parameters, an uninitialized transform and a missing key with clear errors", () => {
    expect(() => new ObservationNorm({ loc: 0 })).toThrow(
      "ObservationNorm: give both loc and scale or neither (got loc only)",
    );
    expect(() => new ObservationNorm({ loc: 0, scale: 0 })).toThrow(
      "ObservationNorm: scale holds 0 at flat index 0; it must be positive and finite",
    );
    expect(() => new ObservationNorm({ loc: Number.NaN, scale: 1 })).toThrow("loc holds NaN");
    expect(() => new ObservationNorm({ eps: 0 })).toThrow("ObservationNorm: eps must be a positive number, got 0");
    const td = new TensorDict({ observation: HostArray.from("float32", [2], [1, 2]) });
    expect(() => new ObservationNorm().forward(td)).toThrow(
      'ObservationNorm: loc and scale of "observation" are not set; pass them to the constructor or call initStats() first',
    );
    expect(() => new ObservationNorm({ loc: 0, scale: 1, inKeys: ["pixels"] }).forward(td)).toThrow(
      'ObservationNorm: key "pixels" not found in the record; it has keys: observation',
    );
    const wide = new ObservationNorm({ loc: HostArray.zeros("float32", [3]), scale: 1 });
    expect(() => wide.forward(td)).toThrow(
      `ObservationNorm: "observation": loc: shape [3] does not broadcast to the observation's feature shape [2]`,
    );
    expect(Array.from(td.getHost("observation").data)).toEqual([1, 2]);
    expect(() => new ObservationNorm({ loc: 0, scale: 1 }).initStats(10)).toThrow(
      "ObservationNorm.initStats(): the transform is not in a TransformedEnv",
    );
  });

  it("raises a standard-normal scale below eps to eps, so a constant input maps to 0", () => {
    const norm = new ObservationNorm({ loc: 5, scale: 1e-30, standardNormal: true });
    expect(norm.scale!.data[0]).toBeCloseTo(OBSERVATION_NORM_EPS, 12);
    const out = norm
      .forward(new TensorDict({ observation: HostArray.from("float32", [1], [5]) }))
      .getHost("observation");
    expect(out.data[0]).toBe(0);
  });
});

describe("reduceMeanStd", () => {
  it("averages over the reduced dims, keeps the kept ones as size 1, and uses the unbiased std", () => {
    // [2, 3, 2]: reduce dims 0 and 2, keep dim 0 -> shape [1, 3].
    const data = HostArray.from("float32", [2, 3, 2], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    const { mean, std } = reduceMeanStd(data, [0, 2], [0], "t");
    expect(mean.shape).toEqual([1, 3]);
    // column j holds data[0, j, :] and data[1, j, :]: {1, 2, 7, 8}, {3, 4, 9, 10}, {5, 6, 11, 12}.
    expect(Array.from(mean.data)).toEqual([4.5, 6.5, 8.5]);
    const s = Math.sqrt(((3.5 ** 2 + 2.5 ** 2) * 2) / 3);
    for (const v of std.data) expect(v).toBeCloseTo(s, 5);
    expect(reduceMeanStd(data, [0, 1, 2], [], "t").mean.shape).toEqual([]);
    expect(() => reduceMeanStd(HostArray.zeros("float32", [1, 4]), [0], [], "t")).toThrow(
      "t: reducing shape [1, 4] over dims [0] leaves 1 sample(s) per statistic",
    );
  });

  it("catHost concatenates along any dim and names mismatched parts", () => {
    const a = HostArray.from("int32", [2, 1], [1, 2]);
    const b = HostArray.from("int32", [2, 2], [3, 4, 5, 6]);
    expect(Array.from(catHost([a, b], 1, "t").data)).toEqual([1, 3, 4, 2, 5, 6]);
    expect(() => catHost([a, b], 0, "t")).toThrow(
      "t: rollout 1 gave int32[2, 2], which does not concatenate along dim 0 with rollout 0's int32[2, 1]",
    );
  });
});

describe("ObservationNorm.initStats", () => {
  it("fits loc and scale to the statistics of seeded CartPole rollouts, computed by hand", () => {
    const env = new TransformedEnv(new CartPoleEnv({ seed: 3 }), new ObservationNorm({ standardNormal: true }));
    const norm = env.transform.at(-1, ObservationNorm);
    norm.initStats(300);
    const hand = columnStats(handRollouts(new CartPoleEnv({ seed: 3 }), "observation", 300), 4);
    expect(norm.loc!.shape).toEqual([4]);
    for (let j = 0; j < 4; j++) {
      expect(norm.loc!.data[j]).toBeCloseTo(hand.mean[j]!, 5);
      expect(norm.scale!.data[j]).toBeCloseTo(hand.std[j]!, 5);
    }
    // Afterwards the env normalizes with them.
    const raw = new CartPoleEnv({ seed: 11 }).reset().getHost("observation");
    env.setSeed(11);
    const out = env.reset().getHost("observation");
    for (let j = 0; j < 4; j++) expect(out.data[j]).toBeCloseTo((raw.data[j]! - hand.mean[j]!) / hand.std[j]!, 4);
    checkEnvSpecs(env, { steps: 30 });
  });

  it("follows the env's seed: setSeed(s) changes the fitted statistics, and the same seed gives them again", () => {
    const env = new TransformedEnv(new CartPoleEnv({ seed: 0 }), new ObservationNorm({ standardNormal: true }));
    const norm = env.transform.at(0, ObservationNorm);
    const fit = (seed: number) => {
      env.setSeed(seed);
      norm.initStats(200);
      return Array.from(norm.loc!.data);
    };
    const first = fit(9);
    // By hand on a fresh base env of that seed: its resets and its random actions.
    const hand = columnStats(handRollouts(new CartPoleEnv({ seed: 9 }), "observation", 200), 4);
    for (let j = 0; j < 4; j++) expect(first[j]).toBeCloseTo(hand.mean[j]!, 5);
    expect(fit(10)).not.toEqual(first);
    expect(fit(9)).toEqual(first);
  });

  it("in affine mode stores scale = 1 / std and loc = -mean / std, so it standardizes too", () => {
    const env = new TransformedEnv(new CartPoleEnv({ seed: 3 }), new ObservationNorm());
    const norm = env.transform.at(0, ObservationNorm);
    norm.initStats(300);
    const hand = columnStats(handRollouts(new CartPoleEnv({ seed: 3 }), "observation", 300), 4);
    for (let j = 0; j < 4; j++) {
      expect(norm.scale!.data[j]).toBeCloseTo(1 / hand.std[j]!, 4);
      expect(norm.loc!.data[j]).toBeCloseTo(-hand.mean[j]! / hand.std[j]!, 4);
    }
  });

  it("collects exactly numIter frames and concatenates along a batched env's time dim", () => {
    const env = new TransformedEnv(
      new CartPoleEnv({ batchSize: [4], seed: 5 }),
      new ObservationNorm({ standardNormal: true }),
    );
    const norm = env.transform.at(0, ObservationNorm);
    norm.initStats(200, { reduceDim: [0, 1], catDim: 1 });
    const parts = handRollouts(new CartPoleEnv({ batchSize: [4], seed: 5 }), "observation", 200);
    const hand = columnStats(parts, 4);
    expect(parts.reduce((n, p) => n + p.size / 4, 0)).toBeGreaterThanOrEqual(200);
    for (let j = 0; j < 4; j++) expect(norm.loc!.data[j]).toBeCloseTo(hand.mean[j]!, 5);
    checkEnvSpecs(env, { steps: 30 });
  });

  it("runs the flagship call on 84x84 grey pixels, channels last and channels first, with hand-computed statistics", () => {
    // Channels last [T, 84, 84, 1]: reduce T, H, W and keep T -> loc of shape [1, 1] (one mean over every pixel).
    const pixels = (seed: number) => new CartPoleEnv({ fromPixels: true, renderSize: [84, 84], grayscale: true, seed });
    const env = new TransformedEnv(
      pixels(0),
      new Compose(new ObservationNorm({ standardNormal: true, inKeys: ["pixels"] })),
    );
    env.transform.at(-1, ObservationNorm).initStats(1000, { reduceDim: [0, 1, 2], catDim: 0, keepDims: [0] });
    const norm = env.transform.at(-1, ObservationNorm);
    const all = columnStats(handRollouts(pixels(0), "pixels", 1000), 1);
    expect(norm.loc!.shape).toEqual([1, 1]);
    expect(norm.loc!.data[0]).toBeCloseTo(all.mean[0]!, 3);
    expect(norm.scale!.data[0]).toBeCloseTo(all.std[0]!, 3);
    const td = env.reset();
    expect(td.getHost("pixels").dtype).toBe("float32");
    expect(env.observationSpec.get("pixels")).toBeInstanceOf(Unbounded);
    checkEnvSpecs(env, { steps: 20 });

    // Channels first [T, 1, 84, 84] (after ToTensorImage): the same call reduces T, C, H and keeps T -> [1, 84].
    const first = new TransformedEnv(
      pixels(0),
      new Compose(
        new ToTensorImage({ channelsFirst: true }),
        new ObservationNorm({ standardNormal: true, inKeys: ["pixels"] }),
      ),
    );
    const firstNorm = first.transform.at(-1, ObservationNorm);
    firstNorm.initStats(1000, { reduceDim: [0, 1, 2], catDim: 0, keepDims: [0] });
    expect(firstNorm.loc!.shape).toEqual([1, 84]);
    const columns = columnStats(handRollouts(pixels(0), "pixels", 1000), 84); // column = the W index
    for (const j of [0, 20, 42, 83]) {
      expect(firstNorm.loc!.data[j]).toBeCloseTo(columns.mean[j]! / 255, 5);
      expect(firstNorm.scale!.data[j]).toBeCloseTo(Math.max(columns.std[j]! / 255, OBSERVATION_NORM_EPS), 5);
    }
    checkEnvSpecs(first, { steps: 20 });
  });

  it("guards zero spread with eps: a constant feature maps to 0, not NaN", () => {
    let position = 0;
    const walk = {
      observationSpace: { type: "Box" as const, low: -10, high: 10, shape: [2], dtype: "float32" as const },
      actionSpace: { type: "Discrete" as const, n: 2 },
      reset: () => {
        position = 0;
        return [[position, 7], {}] as [number[], Record<string, unknown>];
      },
      step: (action: number) => {
        position += action === 1 ? 1 : -1;
        return [[position, 7], 1, Math.abs(position) >= 3, false, {}] as [
          number[],
          number,
          boolean,
          boolean,
          Record<string, unknown>,
        ];
      },
    };
    const env = new TransformedEnv(
      new GymLikeEnv(walk, { name: "Walk", seed: 0 }),
      new ObservationNorm({ standardNormal: true }),
    );
    const norm = env.transform.at(0, ObservationNorm);
    norm.initStats(50);
    expect(norm.scale!.data[1]).toBeCloseTo(OBSERVATION_NORM_EPS, 12);
    expect(env.reset().getHost("observation").data[1]).toBe(0);
    // The Box bounds went through the same map: the spec is still a Bounded, and the outputs lie in it.
    expect(env.observationSpec.get("observation")).toBeInstanceOf(Bounded);
    checkEnvSpecs(env, { steps: 20 });
  });

  it("checks its options before rolling out, naming the bad value, and stays uninitialized", () => {
    const env = new TransformedEnv(new CartPoleEnv(), new ObservationNorm());
    const norm = env.transform.at(0, ObservationNorm);
    expect(() => norm.initStats(1)).toThrow("ObservationNorm.initStats(): numIter must be an integer >= 2, got 1");
    expect(() => norm.initStats(10, { reduceDim: [0, 1] })).toThrow(
      "catDim must be given when reduceDim has several dims ([0, 1])",
    );
    expect(() => norm.initStats(10, { reduceDim: [0], catDim: 1 })).toThrow("catDim 1 must be one of reduceDim [0]");
    expect(() => norm.initStats(10, { reduceDim: [0], keepDims: [1] })).toThrow(
      "keepDims entry 1 is not one of reduceDim [0]",
    );
    expect(() => norm.initStats(10, { reduceDim: 5 })).toThrow(
      'reduceDim 5 is out of range for "observation" collected as [10, 4] ([...batch, T, ...features])',
    );
    expect(() => norm.initStats(10, { reduceDim: [1], catDim: 0 })).toThrow("catDim 0 must be one of reduceDim [1]");
    expect(() => norm.initStats(10, { key: "pixels" })).toThrow(
      'ObservationNorm: key "pixels" not found in the observation spec of the env below (ObservationNorm.initStats()); it has keys: observation',
    );
    // Keeping the time dim gives a loc of shape [T, 1], which cannot broadcast to one observation.
    expect(() => norm.initStats(10, { reduceDim: [0, 1], catDim: 0, keepDims: [1] })).not.toThrow();
    const batched = new TransformedEnv(new CartPoleEnv({ batchSize: [2] }), new ObservationNorm());
    expect(() => batched.transform.at(0, ObservationNorm).initStats(10, { reduceDim: [0, 2], catDim: 0 })).toThrow(
      'ObservationNorm.initStats(): the fitted loc/scale (reduceDim [0, 2], keepDims [] of "observation" [2, 5, 4]): shape [5] does not broadcast to the observation\'s feature shape [4]',
    );
    expect(batched.transform.at(0, ObservationNorm).initialized).toBe(false);
  });

  beforeAll(async () => {
    await initBackend();
  });

  it("allocates no tfjs tensors", () => {
    const before = tf.memory().numTensors;
    const env = new TransformedEnv(new CartPoleEnv({ batchSize: [2] }), new ObservationNorm({ loc: 0, scale: 2 }));
    env.rollout(20);
    expect(tf.memory().numTensors).toBe(before);
  });
});
