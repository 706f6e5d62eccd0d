import * as tf from "@tensorflow/tfjs-core";
import { Categorical, HostArray, OneHot, Rng, TensorDict } from "@tdrl/tensordict";
import { initBackend } from "@tdrl/backend";
import { beforeAll, describe, expect, it } from "vitest";
import { EGreedyModule } from "./e-greedy-module";

beforeAll(async () => {
  await initBackend({ prefer: "cpu" });
});

describe("EGreedyModule", () => {
  it("anneals eps linearly in O(1) and clamps at epsEnd", () => {
    const e = new EGreedyModule({ spec: new Categorical({ n: 4 }), epsInit: 1, epsEnd: 0.1, annealingNumSteps: 100 });
    e.step(10);
    expect(e.eps).toBeCloseTo(0.91, 12);
    e.step();
    expect(e.eps).toBeCloseTo(0.901, 12);
    // A per-step loop would take hours for 1e12 steps; the bound is loose so a loaded machine never trips it.
    const t0 = performance.now();
    e.step(1e12);
    expect(performance.now() - t0).toBeLessThan(1_000);
    expect(e.eps).toBe(0.1);
  });

  it("state() / loadState(): a resumed module has the same eps and draws the same actions, no replay of step", () => {
    const make = () =>
      new EGreedyModule({
        spec: new Categorical({ n: 4 }),
        epsInit: 1,
        epsEnd: 0.1,
        annealingNumSteps: 100,
        rng: new Rng(5),
      });
    const live = make();
    live.step(30);
    live.forward(new TensorDict({ action: HostArray.zeros("int32", [50]) }, [50]), "random");
    live.step(7);
    const resumed = make();
    resumed.loadState(JSON.parse(JSON.stringify(live.state())));
    expect(resumed.eps).toBe(live.eps);
    const act = (e: EGreedyModule) =>
      Array.from(
        e.forward(new TensorDict({ action: HostArray.zeros("int32", [200]) }, [200]), "random").getHost("action").data,
      );
    expect(act(resumed)).toEqual(act(live));
  });

  it("loadState refuses a bad state, naming the field, and changes nothing", () => {
    const e = new EGreedyModule({ spec: new Categorical({ n: 2 }), epsInit: 0.9, epsEnd: 0.2, rng: new Rng(1) });
    const good = e.state();
    expect(() => e.loadState({ ...good, eps: 0.95 })).toThrow(
      'EGreedyModule.loadState(): "eps" must be a number in [epsEnd, epsInit] = [0.2, 0.9], got 0.95',
    );
    expect(() => e.loadState({ ...good, eps: 0.5, rng: { ...good.rng, words: [0, 0, 0, 0] } })).toThrow(
      'EGreedyModule.loadState(): "rng": Rng.setState: words are all zero',
    );
    expect(e.state()).toEqual(good);
  });

  it("explores only in random mode, seeded, with the right frequency", () => {
    const make = () =>
      new EGreedyModule({ spec: new Categorical({ n: 4 }), epsInit: 0.5, epsEnd: 0.5, rng: new Rng(11) });
    const greedy = HostArray.zeros("int32", [2000]);
    const td = new TensorDict({ action: greedy.clone() }, [2000]);
    make().forward(td, "deterministic");
    expect(td.getHost("action").data.every((a) => a === 0)).toBe(true);
    make().forward(td, "random");
    const changed = td.getHost("action").data.filter((a) => a !== 0).length;
    // eps 0.5, and a random action is 0 a quarter of the time: 0.375 of actions change.
    expect(changed / 2000).toBeGreaterThan(0.33);
    expect(changed / 2000).toBeLessThan(0.42);
    const again = new TensorDict({ action: greedy.clone() }, [2000]);
    make().forward(again, "random");
    expect(Array.from(again.getHost("action").data)).toEqual(Array.from(td.getHost("action").data));
  });

  it("replaces tensor actions without leaking, keeps one-hot rows valid and respects the mask", () => {
    const spec = new OneHot({ n: 3 });
    const e = new EGreedyModule({ spec, epsInit: 1, epsEnd: 1, actionMaskKey: "mask", rng: new Rng(1) });
    const td = new TensorDict(
      {
        action: tf.tensor2d(
          [
            [1, 0, 0],
            [1, 0, 0],
          ],
          undefined,
          "bool",
        ),
        mask: HostArray.from("bool", [2, 3], [0, 1, 1, 0, 0, 1]),
      },
      [2],
    );
    const before = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) {
      e.forward(td, "random");
      const a = td.getTensor("action").dataSync();
      expect(Array.from(a.slice(3))).toEqual([0, 0, 1]);
      expect(a[0]).toBe(0);
      expect(a[1]! + a[2]!).toBe(1);
    }
    expect(tf.memory().numTensors).toBe(before);
    td.dispose();
    expect(() => new EGreedyModule({ spec, epsInit: 0.1, epsEnd: 0.5 })).toThrow(
      "EGreedyModule: epsEnd (0.5) must not exceed epsInit (0.1)",
    );
  });
});
