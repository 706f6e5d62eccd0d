import fc from "fast-check";
import * as tf from "@tensorflow/tfjs-core";
import { HostArray, Rng, TensorDict } from "@tdrl/tensordict";
import { initBackend } from "@tdrl/backend";
import { MLP, TensorDictModule } from "@tdrl/modules";
import { beforeAll, describe, expect, it } from "vitest";
import { fuzzParams, hostileNumber } from "../../../test-support/fuzz";
import { DQNLoss } from "./dqn-loss";

beforeAll(async () => {
  await initBackend({ prefer: "cpu" });
});

const N = 4;

function batch(): TensorDict {
  return new TensorDict(
    {
      observation: HostArray.full("float32", [N, 3], 0.5),
      action: HostArray.from("int32", [N], [0, 1, 0, 1]),
      next: {
        observation: HostArray.full("float32", [N, 3], 0.25),
        reward: HostArray.full("float32", [N, 1], 1),
        terminated: HostArray.zeros("bool", [N, 1]),
      },
    },
    [N],
  );
}

/** A hostile change to one entry of a valid batch. */
const changeArb = fc.oneof(
  fc.record({
    kind: fc.constant("action" as const),
    values: fc.array(hostileNumber(), { minLength: N, maxLength: N }),
  }),
  fc.record({
    kind: fc.constant("weight" as const),
    values: fc.array(hostileNumber(), { minLength: N, maxLength: N }),
  }),
  fc.record({
    kind: fc.constant("reward" as const),
    values: fc.array(hostileNumber(), { minLength: N, maxLength: N }),
  }),
  fc.record({
    kind: fc.constant("drop" as const),
    key: fc.constantFrom("observation", "action", "next.observation", "next.reward", "next.terminated"),
  }),
);

describe("DQNLoss (property)", () => {
  it("a bad batch is refused naming the key or value, leaks nothing, leaves the parameters unchanged; a valid batch still works", () => {
    const qnet = new TensorDictModule(new MLP({ inFeatures: 3, outFeatures: 2, numCells: [4], rng: new Rng(0) }), {
      inKeys: ["observation"],
      outKeys: ["action_value"],
    });
    const loss = new DQNLoss(qnet, { gamma: 0.9 });
    const params = () =>
      [...loss.parameters().values(), ...loss.targetParameters().values()].map((v) => Array.from(v.dataSync()));
    const before = params();
    fc.assert(
      fc.property(changeArb, (change) => {
        const td = batch();
        if (change.kind === "action")
          td.set("action", HostArray.from("float32", [N], change.values, { onOutOfRange: "clamp" }));
        if (change.kind === "weight")
          td.set("priority_weight", HostArray.from("float32", [N], change.values, { onOutOfRange: "clamp" }));
        if (change.kind === "reward")
          td.set("next.reward", HostArray.from("float32", [N, 1], change.values, { onOutOfRange: "clamp" }));
        if (change.kind === "drop") td.delete(change.key.split("."));
        const tensors = tf.memory().numTensors;
        let value: number | null = null;
        let message: string | null = null;
        try {
          const out = loss.forward(td);
          value = out.getTensor("loss").dataSync()[0]!;
          out.dispose();
        } catch (error) {
          message = (error as Error).message;
        }
        if (message === null) {
          // Accepted: the loss is a number unless the data itself was huge (rewards, weights near float32's max).
          if (change.kind === "action") expect(Number.isFinite(value)).toBe(true);
          if (change.kind === "weight")
            expect(Array.from(td.getHost("priority_weight").data).every((w) => Number.isFinite(w) && w >= 0)).toBe(
              true,
            );
          expect(change.kind).not.toBe("drop");
        } else {
          expect(message).toContain("DQNLoss");
          const named =
            change.kind === "drop"
              ? message.includes(change.key)
              : change.kind === "weight"
                ? message.includes("priority_weight")
                : message.includes(change.kind);
          expect(named, message).toBe(true);
        }
        expect(tf.memory().numTensors).toBe(tensors);
      }),
      fuzzParams(),
    );
    expect(params()).toEqual(before);
    const ok = loss.forward(batch());
    expect(Number.isFinite(ok.getTensor("loss").dataSync()[0]!)).toBe(true);
    ok.dispose();
    loss.dispose();
  });
});
