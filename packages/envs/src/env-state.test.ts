import { describe, expect, it } from "vitest";
import { HostArray, TensorDict, Composite, Unbounded, Categorical } from "@tdrl/tensordict";
import { expectExactResume, runSteps } from "../../../test-support/resume-check";
import { CartPoleEnv, type CartPoleEnvOptions } from "./cartpole/cartpole-env";
import { CountingEnv } from "./counting-env";
import { EnvBase } from "./env-base";
import type { EnvState } from "./env-state";
import { SerialEnv } from "./serial-env";

const json = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

describe("env checkpoints (state / loadState)", () => {
  const cases: [string, CartPoleEnvOptions][] = [
    ["single CartPole", { seed: 3 }],
    ["batched CartPole", { batchSize: [4], seed: 5 }],
    [
      "batched pixel CartPole (small frames)",
      { batchSize: [3], seed: 7, fromPixels: true, pixelsOnly: false, renderSize: [40, 60] },
    ],
    ["single pixel CartPole (full RGB frame)", { seed: 2, fromPixels: true }],
    [
      "one-hot sutton-barto CartPole",
      { batchSize: [2, 2], seed: 1, categoricalActionEncoding: false, suttonBartoReward: true },
    ],
  ];
  for (const [label, options] of cases) {
    it(`resumes ${label} bit for bit, across episode ends`, () => {
      // Full 400x600 frames are slow to compare: a short stretch, which need not reach an episode end.
      const full = options.fromPixels === true && options.renderSize === undefined;
      const records = expectExactResume(() => new CartPoleEnv(options), full ? 4 : 37, full ? 4 : 80);
      // The continued stretch saw resets, so the per-cart reset streams were restored too.
      if (!full)
        expect(
          records.some(
            (r) =>
              (JSON.parse(r) as { entries: { next: { entries: { done: { base64: string } } } } }).entries.next.entries
                .done.base64 !== "AA==",
          ),
        ).toBe(true);
    });
  }

  it("resumes a SerialEnv of CartPoles (sub-env states and the roots partial resets keep)", () => {
    expectExactResume(() => new SerialEnv(3, () => new CartPoleEnv({ batchSize: [2] }), { seed: 11 }), 29, 60);
  });

  it("resumes a CountingEnv and a never-reset env", () => {
    const make = () => new CountingEnv({ batchSize: [2], maxCount: 4, seed: 9 });
    expectExactResume(make, 3, 12);
    const untouched = new CartPoleEnv({ seed: 4 });
    const fresh = new CartPoleEnv({ seed: 0 });
    fresh.loadState(json(untouched.state()));
    expect(() => fresh.step(fresh.randAction(new TensorDict({})))).toThrow("has not been reset");
    expect(Array.from(fresh.reset().getHost("observation").data)).toEqual(
      Array.from(untouched.reset().getHost("observation").data),
    );
  });

  it("refuses a bad state naming the env and the field, and changes nothing", () => {
    const env = new CartPoleEnv({ batchSize: [2], seed: 1 });
    let root: TensorDict = env.reset();
    root = runSteps(env, root, 5).root;
    const good = json(env.state());
    const before = JSON.stringify(env.state());
    const bad: [string, EnvState, string][] = [
      ["kind", { ...good, kind: "CountingEnv" }, 'CartPoleEnv.loadState(): "kind" is "CountingEnv"'],
      ["version", { ...good, version: 99 }, '"version" is 99'],
      ["batch size", new CartPoleEnv({ batchSize: [3] }).state(), '"batchSize" is [3], this env has [2]'],
      ["rng", { ...good, rng: { algorithm: "mt" } }, '"rng": Rng.setState: algorithm must be'],
      [
        "physics length",
        {
          ...good,
          env: {
            ...(good.env as object),
            physics: new CartPoleEnv().state().env && (new CartPoleEnv().state().env as { physics: never }).physics,
          },
        },
        '"env.physics": expected 8 elements, got 4',
      ],
      [
        "sub-rng count",
        { ...good, env: { ...(good.env as object), subRngs: [] } },
        '"env.subRngs": expected an array of 2',
      ],
      ["config", new CartPoleEnv({ batchSize: [2], version: "v0" }).state(), '"env.config" is'],
      [
        "done flags",
        { ...good, doneFlags: { type: "uint8", length: 2, base64: "AgA=" } },
        '"doneFlags": holds 2 at index 0',
      ],
    ];
    for (const [, state, message] of bad) {
      expect(() => env.loadState(state)).toThrow(message);
      expect(JSON.stringify(env.state())).toBe(before);
    }
    const serial = new SerialEnv(2, () => new CountingEnv(), { seed: 1 });
    serial.reset();
    const s = json(serial.state());
    const sub = (s.env as { subEnvs: EnvState[] }).subEnvs;
    const broken = {
      ...s,
      env: { ...(s.env as object), subEnvs: [new CountingEnv({ seed: 42 }).state(), { ...sub[1]!, version: 0 }] },
    };
    const serialBefore = JSON.stringify(serial.state());
    expect(() => serial.loadState(broken as EnvState)).toThrow(
      'SerialEnv.loadState(): sub-env 1: CountingEnv.loadState(): "version" is 0',
    );
    expect(JSON.stringify(serial.state())).toBe(serialBefore);
  });

  it("says an env without the hooks does not support checkpoints, naming it", () => {
    class PlainEnv extends EnvBase {
      constructor() {
        super({ name: "PlainEnv" });
        this.setSpecs({
          observation: new Composite({ observation: new Unbounded({ shape: [1] }) }),
          action: new Composite({ action: new Categorical({ n: 2 }) }),
        });
      }
      protected _reset(): TensorDict {
        return new TensorDict({
          observation: HostArray.zeros("float32", [1]),
          done: HostArray.zeros("bool", [1]),
          terminated: HostArray.zeros("bool", [1]),
          truncated: HostArray.zeros("bool", [1]),
        });
      }
      protected _step(): TensorDict {
        return this._reset();
      }
      protected _setSeed(): void {}
    }
    const env = new PlainEnv();
    expect(() => env.state()).toThrow("PlainEnv.state(): not supported");
    expect(() => env.loadState(new CountingEnv().state())).toThrow('"kind" is "CountingEnv"');
    expect(() => env.loadState({ ...new CountingEnv().state(), kind: "PlainEnv" })).toThrow(
      "PlainEnv.loadState(): not supported",
    );
  });
});
