import * as tf from "@tensorflow/tfjs-core";
import { Rng } from "@tdrl/tensordict";
import { initBackend } from "@tdrl/backend";
import { beforeAll, describe, expect, it } from "vitest";
import { flat, loadGolden, maxAbsDiff } from "../test/golden";
import { MLP } from "./mlp";
import { copyParams, lerpParams, makeVariable, paramList, type HasParameters } from "./parameters";

beforeAll(async () => {
  await initBackend({ prefer: "cpu" });
});

function single(values: number[]): HasParameters & { v: tf.Variable } {
  const v = makeVariable(Float32Array.from(values), [values.length]);
  return { v, parameters: () => new Map([["w", v]]) };
}

describe("copyParams / lerpParams", () => {
  it("copies every parameter by name", () => {
    const a = new MLP({ inFeatures: 3, outFeatures: 2, numCells: [4], rng: new Rng(1) });
    const b = new MLP({ inFeatures: 3, outFeatures: 2, numCells: [4], rng: new Rng(2) });
    copyParams(a, b);
    const pa = paramList(a);
    paramList(b).forEach((v, i) => expect(Array.from(v.dataSync())).toEqual(Array.from(pa[i]!.dataSync())));
    a.dispose();
    b.dispose();
  });

  it("matches TorchRL's SoftUpdate on the golden case (tau = 1 - eps)", () => {
    const { soft_update: g } = loadGolden();
    const online = single(g.online);
    const target = single(g.target);
    const before = tf.memory().numTensors;
    lerpParams(target, online, 1 - g.eps);
    expect(tf.memory().numTensors).toBe(before);
    expect(maxAbsDiff(target.v.dataSync(), flat(g.after_one_update))).toBeLessThan(1e-6);
    online.v.dispose();
    target.v.dispose();
  });

  it("refuses mismatched names or shapes, naming the parameter", () => {
    const a = new MLP({ inFeatures: 3, outFeatures: 2, numCells: [4], rng: new Rng(1) });
    const b = new MLP({ inFeatures: 3, outFeatures: 2, numCells: [5], rng: new Rng(1) });
    const c = new MLP({ inFeatures: 3, outFeatures: 2, numCells: [4, 4], rng: new Rng(1) });
    expect(() => copyParams(a, b)).toThrow(
      'copyParams: parameter "0.weight" has shape [4, 3] in the source and [5, 3] in the destination',
    );
    expect(() => copyParams(a, c)).toThrow(
      'parameter "2.weight" has shape [2, 4] in the source and [4, 4] in the destination',
    );
    const d = new MLP({ inFeatures: 3, outFeatures: 4, numCells: [4], rng: new Rng(1) });
    expect(() => copyParams(d, c)).toThrow('parameter "4.weight" of the destination is missing from the source');
    d.dispose();
    expect(() => lerpParams(a, a, 2)).toThrow("lerpParams: tau must be in [0, 1], got 2");
    [a, b, c].forEach((m) => m.dispose());
  });
});
