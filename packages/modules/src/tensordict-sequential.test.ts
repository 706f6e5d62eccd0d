import * as tf from "@tensorflow/tfjs-core";
import { HostArray, Rng, TensorDict } from "@tdrl/tensordict";
import { initBackend } from "@tdrl/backend";
import { beforeAll, describe, expect, it } from "vitest";
import { MLP } from "./mlp";
import { QValueModule } from "./q-value-module";
import { TensorDictModule } from "./tensordict-module";
import { TensorDictSequential } from "./tensordict-sequential";

beforeAll(async () => {
  await initBackend({ prefer: "cpu" });
});

describe("TensorDictSequential", () => {
  it("chains modules, derives keys, prefixes parameter names, and drops unselected outputs", () => {
    const mlp = new MLP({ inFeatures: 4, outFeatures: 2, numCells: [8], rng: new Rng(0) });
    const qnet = new TensorDictModule(mlp, { inKeys: ["observation"], outKeys: ["action_value"] });
    const full = new TensorDictSequential(qnet, new QValueModule({ actionSpace: "categorical" }));
    expect(full.inKeys).toEqual(["observation"]);
    expect(full.outKeys).toEqual(["action_value", "action", "chosen_action_value"]);
    expect([...full.parameters().keys()]).toEqual(["0.0.weight", "0.0.bias", "0.2.weight", "0.2.bias"]);
    const policy = new TensorDictSequential(qnet, new QValueModule({ actionSpace: "categorical" }), {
      selectOutKeys: ["action"],
    });
    const before = tf.memory().numTensors;
    const td = policy.forward(new TensorDict({ observation: HostArray.full("float32", [3, 4], 1) }, [3]));
    expect(td.keys()).toEqual(["observation", "action"]);
    expect(td.getTensor("action").dtype).toBe("int32");
    td.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(() => new TensorDictSequential(qnet, { selectOutKeys: ["nope"] })).toThrow(
      'TensorDictSequential: selectOutKeys has "nope", which no module writes (they write action_value)',
    );
    mlp.dispose();
  });
});
