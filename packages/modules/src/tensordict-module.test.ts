import * as tf from "@tensorflow/tfjs-core";
import { HostArray, Rng, TensorDict } from "@tdrl/tensordict";
import { initBackend } from "@tdrl/backend";
import { beforeAll, describe, expect, it } from "vitest";
import { MLP } from "./mlp";
import { TensorDictModule } from "./tensordict-module";

beforeAll(async () => {
  await initBackend({ prefer: "cpu" });
});

describe("TensorDictModule", () => {
  it("wraps a function: reads in keys (host or tensor, nested), writes out keys", () => {
    const m = new TensorDictModule((a, b) => [tf.add(a, b), tf.mul(a, b)], {
      inKeys: ["a", ["next", "b"]],
      outKeys: ["sum", "next.prod"],
    });
    const td = new TensorDict({ a: HostArray.from("float32", [2], [1, 2]), next: { b: tf.tensor1d([3, 4]) } }, [2]);
    const before = tf.memory().numTensors;
    m.forward(td);
    expect(tf.memory().numTensors).toBe(before + 2); // just the two outputs
    expect(Array.from(td.getTensor("sum").dataSync())).toEqual([4, 6]);
    expect(Array.from(td.getTensor(["next", "prod"]).dataSync())).toEqual([3, 8]);
    expect(m.parameters().size).toBe(0);
    td.dispose();
  });

  it("wraps a model and exposes its parameters", () => {
    const mlp = new MLP({ inFeatures: 3, outFeatures: 2, numCells: [4], rng: new Rng(0) });
    const m = new TensorDictModule(mlp, { inKeys: ["observation"], outKeys: ["action_value"] });
    expect([...m.parameters().keys()]).toEqual(["0.weight", "0.bias", "2.weight", "2.bias"]);
    const td = new TensorDict({ observation: HostArray.zeros("float32", [5, 3]) }, [5]);
    expect(m.forward(td).getTensor("action_value").shape).toEqual([5, 2]);
    td.dispose();
    mlp.dispose();
  });

  it("names the module and the key in errors, and leaks nothing when it throws", () => {
    const m = new TensorDictModule((x) => tf.reshape(x, [3]), { inKeys: ["x"], outKeys: ["y"], name: "reshaper" });
    const before = tf.memory().numTensors;
    expect(() => m.forward(new TensorDict({ z: HostArray.zeros("float32", [3]) }, [3]))).toThrow(
      'reshaper(x -> y): input key "x" is missing from the TensorDict (it has z)',
    );
    expect(() => m.forward(new TensorDict({ x: HostArray.zeros("float32", [1, 3]) }, [1]))).toThrow(
      'reshaper(x -> y): cannot write out key "y"',
    );
    const two = new TensorDictModule((x) => x, { inKeys: ["x"], outKeys: ["y", "z"] });
    expect(() => two.forward(new TensorDict({ x: HostArray.zeros("float32", [1]) }, [1]))).toThrow(
      "produced 1 output(s) for 2 out key(s) (y, z)",
    );
    expect(tf.memory().numTensors).toBe(before);
  });
});
