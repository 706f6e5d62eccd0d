import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { Categorical, Composite, Rng, type TensorDict } from "@tdrl/tensordict";
import { initBackend } from "@tdrl/backend";
import { CartPoleEnv } from "@tdrl/envs";
import { EGreedyModule } from "./e-greedy-module";
import { QValueModule } from "./q-value-module";

describe("env.actionSpec in QValueModule and EGreedyModule", () => {
  beforeAll(async () => {
    await initBackend({ prefer: "cpu" });
  });

  it("CartPole's categorical actionSpec: greedy int32 indices, random indices in range, and the env steps with them", () => {
    const env = new CartPoleEnv({ batchSize: [4], seed: 1 });
    const greedy = new QValueModule({ spec: env.actionSpec });
    const explore = new EGreedyModule({ spec: env.actionSpec, epsInit: 1, epsEnd: 1, rng: new Rng(0) });
    expect(greedy.actionSpace).toBe("categorical");
    expect(greedy.numActions).toBe(2);
    expect(explore.spec.toString()).toBe("Categorical(n=2, shape=[4], dtype=int32)");
    const td: TensorDict = env.reset();
    td.set(
      "action_value",
      tf.tensor2d([
        [1, 2],
        [3, 0],
        [0, 5],
        [4, 4],
      ]),
    );
    greedy.forward(td);
    expect([...td.getTensor("action").dataSync()]).toEqual([1, 0, 1, 0]);
    expect(td.getTensor("action").dtype).toBe("int32");
    explore.forward(td, "random");
    const a = [...td.getTensor("action").dataSync()];
    expect(a.every((x) => x === 0 || x === 1)).toBe(true);
    const host = td.exclude("action_value", "chosen_action_value").toHost();
    expect(env.actionSpec.isInRange(host.select("action"))).toBe(true);
    expect(env.step(host).getHost("next.reward").shape).toEqual([4, 1]);
    td.dispose();
  });

  it("CartPole's one-hot actionSpec: greedy one-hot bool rows, random one-hot rows, and the env steps with them", () => {
    const env = new CartPoleEnv({ batchSize: [3], categoricalActionEncoding: false, seed: 2 });
    const greedy = new QValueModule({ spec: env.actionSpec });
    const explore = new EGreedyModule({ spec: env.actionSpec, epsInit: 1, epsEnd: 1, rng: new Rng(3) });
    expect(greedy.actionSpace).toBe("one_hot");
    const td: TensorDict = env.reset();
    td.set(
      "action_value",
      tf.tensor2d([
        [1, 2],
        [3, 0],
        [0, 5],
      ]),
    );
    greedy.forward(td);
    const action = td.getTensor("action");
    expect(action.dtype).toBe("bool");
    expect(action.arraySync()).toEqual([
      [0, 1],
      [1, 0],
      [0, 1],
    ]);
    explore.forward(td, "random");
    const rows = td.getTensor("action").arraySync() as number[][];
    expect(rows.every((r) => r.filter(Boolean).length === 1)).toBe(true);
    const host = td.exclude("action_value", "chosen_action_value").toHost();
    expect(env.actionSpec.isInRange(host.select("action"))).toBe(true);
    expect(env.step(host).getHost("next.reward").shape).toEqual([3, 1]);
    td.dispose();
  });

  it("picks the leaf by the module's action key, and names the key when the Composite lacks it", () => {
    const spec = new Composite({ agent: new Composite({ move: new Categorical({ n: 5 }) }) });
    expect(new QValueModule({ spec, actionKey: ["agent", "move"] }).numActions).toBe(5);
    expect(new EGreedyModule({ spec, actionKey: "agent.move" }).spec.n).toBe(5);
    expect(() => new QValueModule({ spec })).toThrow(
      'QValueModule: the Composite spec has no action key "action" (it has agent.move); give actionKey',
    );
    expect(() => new EGreedyModule({ spec })).toThrow(
      'EGreedyModule: the Composite spec has no action key "action" (it has agent.move); give actionKey',
    );
    expect(() => new EGreedyModule({ spec: new Composite({ action: new Composite({}) }) })).toThrow(
      "EGreedyModule: the action spec must be a Categorical or OneHot spec",
    );
  });
});
