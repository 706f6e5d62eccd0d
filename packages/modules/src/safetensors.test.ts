import * as tf from "@tensorflow/tfjs-core";
import { Rng } from "@tdrl/tensordict";
import { initBackend } from "@tdrl/backend";
import { beforeAll, describe, expect, it } from "vitest";
import { LSTMModule } from "./lstm-module";
import { MLP } from "./mlp";
import { loadWeights, readSafetensorsHeader, saveWeights } from "./safetensors";

beforeAll(async () => {
  await initBackend({ prefer: "cpu" });
});

describe("saveWeights / loadWeights (safetensors)", () => {
  it("writes the safetensors layout and round-trips", () => {
    const a = new MLP({ inFeatures: 3, outFeatures: 2, numCells: [5], rng: new Rng(1) });
    const bytes = saveWeights(a, { metadata: { format: "pt" } });
    const headerLength = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
    expect(headerLength % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength))) as Record<string, unknown>;
    expect(header.__metadata__).toEqual({ format: "pt" });
    expect(header["0.weight"]).toEqual({ dtype: "F32", shape: [5, 3], data_offsets: [0, 60] });
    expect(header["2.bias"]).toEqual({ dtype: "F32", shape: [2], data_offsets: [60 + 20 + 40, 60 + 20 + 40 + 8] });
    expect(bytes.length).toBe(8 + headerLength + 128);
    // Raw little-endian float32 data.
    const w = a.parameters().get("0.weight")!.dataSync();
    expect(new DataView(bytes.buffer, bytes.byteOffset + 8 + headerLength).getFloat32(4, true)).toBe(w[1]);
    const b = new MLP({ inFeatures: 3, outFeatures: 2, numCells: [5], rng: new Rng(2) });
    loadWeights(b, bytes);
    for (const [name, v] of a.parameters())
      expect(Array.from(b.parameters().get(name)!.dataSync())).toEqual(Array.from(v.dataSync()));
    expect(readSafetensorsHeader(bytes).entries.size).toBe(4);
    a.dispose();
    b.dispose();
  });

  it("loads PyTorch-named LSTM weights and refuses mismatched names or shapes, naming them", () => {
    const lstm = new LSTMModule({ inputSize: 3, hiddenSize: 4, inKey: "x", outKey: "y" });
    const other = new LSTMModule({ inputSize: 3, hiddenSize: 4, inKey: "x", outKey: "y", rng: new Rng(9) });
    loadWeights(other, saveWeights(lstm));
    expect(Array.from(other.parameters().get("weight_hh_l0")!.dataSync())).toEqual(
      Array.from(lstm.parameters().get("weight_hh_l0")!.dataSync()),
    );
    const wide = new LSTMModule({ inputSize: 3, hiddenSize: 5, inKey: "x", outKey: "y" });
    const before = Array.from(wide.parameters().get("weight_ih_l0")!.dataSync());
    expect(() => loadWeights(wide, saveWeights(lstm))).toThrow(
      'loadWeights: tensor "weight_ih_l0" has shape [16, 3] in the file and [20, 3] in the module',
    );
    expect(Array.from(wide.parameters().get("weight_ih_l0")!.dataSync())).toEqual(before); // nothing loaded
    const mlp = new MLP({ inFeatures: 3, outFeatures: 2, numCells: [] });
    expect(() => loadWeights(lstm, saveWeights(mlp))).toThrow(
      'loadWeights: parameter "weight_ih_l0" is missing from the file (it holds 0.weight, 0.bias)',
    );
    const two = new LSTMModule({ inputSize: 3, hiddenSize: 4, numLayers: 2, inKey: "x", outKey: "y" });
    expect(() => loadWeights(lstm, saveWeights(two))).toThrow(
      'loadWeights: the file has tensor "weight_ih_l1", which the module does not',
    );
    expect(() => loadWeights(lstm, new Uint8Array(4))).toThrow("too short");
    [lstm, other, wide, two, mlp].forEach((m) => m.dispose());
    expect(tf.memory().numTensors).toBe(0);
  });
});

describe("loadWeights with PyTorch's names and layout", () => {
  it("loads an nn.LSTM state dict written the way safetensors' Python writer does (sorted keys, metadata)", async () => {
    const { flat, loadGolden, maxAbsDiff } = await import("../test/golden");
    const g = loadGolden().lstm;
    const tensors: [string, number[], number[]][] = [
      ["bias_hh_l0", [28], flat(g.bias_hh)],
      ["bias_ih_l0", [28], flat(g.bias_ih)],
      ["weight_hh_l0", [28, 7], flat(g.weight_hh)],
      ["weight_ih_l0", [28, 5], flat(g.weight_ih)],
    ];
    // An encoder independent of saveWeights: unpadded header, keys sorted, offsets in that order.
    const header: Record<string, unknown> = { __metadata__: { format: "pt" } };
    let offset = 0;
    for (const [name, shape, values] of tensors) {
      header[name] = { dtype: "F32", shape, data_offsets: [offset, offset + values.length * 4] };
      offset += values.length * 4;
    }
    const json = new TextEncoder().encode(JSON.stringify(header));
    const bytes = new Uint8Array(8 + json.length + offset);
    const view = new DataView(bytes.buffer);
    view.setUint32(0, json.length, true);
    bytes.set(json, 8);
    let at = 8 + json.length;
    for (const [, , values] of tensors) for (const v of values) view.setFloat32(at, v, true), (at += 4);
    const lstm = new LSTMModule({ inputSize: 5, hiddenSize: 7, inKey: "x", outKey: "y" });
    loadWeights(lstm, bytes);
    for (const [name, , values] of tensors)
      expect(maxAbsDiff(lstm.parameters().get(name)!.dataSync(), values)).toBeLessThan(1e-7);
    lstm.dispose();
  });
});
