import * as tf from "@tensorflow/tfjs-core";
import { Categorical, HostArray, OneHot, TensorDict } from "@tdrl/tensordict";
import { initBackend } from "@tdrl/backend";
import { beforeAll, describe, expect, it } from "vitest";
import { QValueModule } from "./q-value-module";

beforeAll(async () => {
  await initBackend({ prefer: "cpu" });
});

describe("QValueModule", () => {
  it("writes the greedy categorical action and its value", () => {
    const q = new QValueModule({ spec: new Categorical({ n: 3 }) });
    expect(q.outKeys).toEqual(["action", "chosen_action_value"]);
    const td = new TensorDict({ action_value: HostArray.from("float32", [2, 3], [1, 5, 2, -1, -3, -2]) }, [2]);
    q.forward(td);
    expect(Array.from(td.getTensor("action").dataSync())).toEqual([1, 0]);
    expect(td.getTensor("chosen_action_value").shape).toEqual([2, 1]);
    expect(Array.from(td.getTensor("chosen_action_value").dataSync())).toEqual([5, -1]);
    td.dispose();
  });

  it("writes one-hot actions in the spec's dtype and respects the action mask", () => {
    const q = new QValueModule({ spec: new OneHot({ n: 3 }), actionMaskKey: "action_mask" });
    const td = new TensorDict(
      {
        action_value: HostArray.from("float32", [2, 3], [1, 5, 2, 4, 3, 2]),
        action_mask: HostArray.from("bool", [2, 3], [1, 0, 1, 0, 0, 1]),
      },
      [2],
    );
    q.forward(td);
    expect(td.getTensor("action").dtype).toBe("bool");
    expect(Array.from(td.getTensor("action").dataSync())).toEqual([0, 0, 1, 0, 0, 1]);
    expect(Array.from(td.getTensor("chosen_action_value").dataSync())).toEqual([2, 2]);
    td.dispose();
    expect(() => new QValueModule({})).toThrow("QValueModule: give actionSpace");
    const bad = new TensorDict({ action_value: HostArray.zeros("float32", [2, 4]) }, [2]);
    expect(() => new QValueModule({ spec: new OneHot({ n: 3 }) }).forward(bad)).toThrow(
      'QValueModule: "action_value" has shape [2, 4]; expected [..., 3]',
    );
  });

  it("passes gradients to the values through chosen_action_value", () => {
    const q = new QValueModule({ actionSpace: "categorical" });
    const v = tf.variable(
      tf.tensor2d([
        [1, 2],
        [4, 3],
      ]),
    );
    const { grads, value } = tf.variableGrads(() => {
      const td = new TensorDict({ action_value: tf.mul(v, 1) }, [2]);
      q.forward(td);
      return tf.sum(td.getTensor("chosen_action_value")) as tf.Scalar;
    }, [v]);
    expect(Array.from(grads[v.name]!.dataSync())).toEqual([0, 1, 1, 0]);
    tf.dispose([value, v, ...Object.values(grads)]);
  });
});
