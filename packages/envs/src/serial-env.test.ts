import { HostArray, Rng, TensorDict, type TensorSpec } from "@tdrl/tensordict";
import { describe, expect, it } from "vitest";
import { CartPoleEnv } from "./cartpole/cartpole-env";
import { checkEnvSpecs } from "./check-env-specs";
import { CountingEnv } from "./counting-env";
import { SerialEnv } from "./serial-env";

const values = (td: TensorDict, key: string): number[] => Array.from(td.getHost(key).data);

describe("SerialEnv batch and specs", () => {
  it("has batch size [n, ...sub] and specs expanded from sub-env 0's", () => {
    const env = new SerialEnv(3, () => new CartPoleEnv());
    expect(env.batchSize).toEqual([3]);
    expect((env.observationSpec.get("observation") as TensorSpec).shape).toEqual([3, 4]);
    expect(env.actionSpec.get("action").toString()).toBe("Categorical(n=2, shape=[3], dtype=int32)");
    expect((env.rewardSpec.get("reward") as TensorSpec).shape).toEqual([3, 1]);
    const batched = new SerialEnv(2, () => new CountingEnv({ batchSize: [4] }));
    expect(batched.batchSize).toEqual([2, 4]);
    expect(batched.subBatchSize).toEqual([4]);
    expect((batched.doneSpec.get("done") as TensorSpec).shape).toEqual([2, 4, 1]);
  });

  it("passes checkEnvSpecs with unbatched and batched sub-envs", () => {
    checkEnvSpecs(new SerialEnv(3, () => new CartPoleEnv(), { seed: 2 }), { steps: 60 });
    checkEnvSpecs(new SerialEnv(2, () => new CountingEnv({ batchSize: [3], maxCount: 2 })), { steps: 12 });
    checkEnvSpecs(new SerialEnv(2, () => new CartPoleEnv({ categoricalActionEncoding: false })), { steps: 30 });
  });

  it("names the sub-env index whose specs or batch size differ, and closes the envs it made", () => {
    const closed: number[] = [];
    const make = (maxCount: (i: number) => number) => (i: number) => {
      const env = new CountingEnv({ maxCount: maxCount(i) });
      env.close = () => void closed.push(i);
      return env;
    };
    expect(
      () =>
        new SerialEnv(
          3,
          make((i) => (i === 2 ? 7 : 5)),
        ),
    ).toThrow(
      'SerialEnv: sub-env 2 (CountingEnv) differs from sub-env 0 (CountingEnv): its observation spec has "observation" Bounded(shape=[1], dtype=float32, low=0, high=7) instead of Bounded(shape=[1], dtype=float32, low=0, high=5)',
    );
    expect(closed).toEqual([0, 1, 2]);
    expect(() => new SerialEnv(2, (i) => new CountingEnv({ batchSize: [i + 1] }))).toThrow(
      "SerialEnv: sub-env 1 (CountingEnv) differs from sub-env 0 (CountingEnv): batch size [2] instead of [1]",
    );
    expect(() => new SerialEnv(2, (i) => new CartPoleEnv({ categoricalActionEncoding: i === 0 }))).toThrow(
      'SerialEnv: sub-env 1 (CartPoleEnv) differs from sub-env 0 (CartPoleEnv): its action spec has "action" OneHot(n=2, shape=[2], dtype=bool) instead of Categorical(n=2, shape=[], dtype=int32)',
    );
  });

  it("reports a makeEnv that throws or returns something else, with the index", () => {
    const error = (() => {
      try {
        new SerialEnv(3, (i) => {
          if (i === 1) throw new RangeError("no second env");
          return new CountingEnv();
        });
      } catch (e) {
        return e as Error;
      }
      throw new Error("expected a throw");
    })();
    expect(error.message).toBe("SerialEnv: makeEnv(1) threw: no second env");
    expect(error.cause).toBeInstanceOf(RangeError);
    expect(() => new SerialEnv(2, () => ({}) as unknown as CountingEnv)).toThrow(
      "SerialEnv: makeEnv(0) returned a plain object, not an EnvBase",
    );
    expect(() => new SerialEnv(0, () => new CountingEnv())).toThrow(
      "SerialEnv: the number of sub-envs must be a positive integer, got 0",
    );
  });
});

describe("SerialEnv transitions", () => {
  it("gives the transitions of individual CartPoles seeded seed + i, stepped by hand, through resets", () => {
    const n = 3;
    const seed = 40;
    const env = new SerialEnv(n, () => new CartPoleEnv(), { seed });
    const singles = Array.from({ length: n }, (_, i) => new CartPoleEnv({ seed: seed + i }));
    const rng = new Rng(9);
    let root = env.reset();
    let singleRoots = singles.map((s) => s.reset());
    expect(values(root, "observation")).toEqual(singleRoots.flatMap((r) => values(r, "observation")));
    let resets = 0;
    for (let t = 0; t < 400; t++) {
      const actions = Array.from({ length: n }, () => rng.int(0, 2));
      root.set("action", HostArray.from("int32", [n], actions));
      const [stepped, next] = env.stepAndMaybeReset(root);
      const singleSteps = singles.map((s, i) =>
        s.stepAndMaybeReset(singleRoots[i]!.set("action", HostArray.from("int32", [], [actions[i]!]))),
      );
      for (const key of ["next.observation", "next.reward", "next.done", "next.terminated", "next.truncated"]) {
        expect(values(stepped, key), `${key} at step ${t}`).toEqual(singleSteps.flatMap(([s]) => values(s, key)));
      }
      expect(values(next, "observation")).toEqual(singleSteps.flatMap(([, r]) => values(r, "observation")));
      resets += values(stepped, "next.done").filter((d) => d === 1).length;
      root = next;
      singleRoots = singleSteps.map(([, r]) => r);
    }
    expect(resets).toBeGreaterThan(5);
  });

  it("steps the same physics as a batched CartPoleEnv from the same states", () => {
    const n = 4;
    const serial = new SerialEnv(n, () => new CartPoleEnv());
    const batched = new CartPoleEnv({ batchSize: [n] });
    let a = serial.reset();
    let b = batched.reset();
    for (let i = 0; i < n; i++) {
      const state = [0.01 * i, -0.02, 0.03 - 0.01 * i, 0.05];
      (serial.subEnv(i) as CartPoleEnv).setState(0, state);
      batched.setState(i, state);
    }
    const rng = new Rng(3);
    for (let t = 0; t < 8; t++) {
      const action = HostArray.from(
        "int32",
        [n],
        Array.from({ length: n }, () => rng.int(0, 2)),
      );
      serial.step(a.set("action", action));
      batched.step(b.set("action", action.clone()));
      expect(values(a, "next.observation")).toEqual(values(b, "next.observation"));
      expect(values(a, "next.done")).toEqual(values(b, "next.done"));
      a = serial.stepMdp(a);
      b = batched.stepMdp(b);
    }
  });

  it("resets only the flagged sub-envs; the others keep their state and observation", () => {
    const env = new SerialEnv(3, () => new CountingEnv({ maxCount: 2 }));
    env.reset();
    const step = (actions: number[]) =>
      env.step(TensorDict.from({ action: HostArray.from("int32", [3], actions) }, [3]));
    step([1, 1, 0]);
    const td = step([1, 0, 1]);
    expect(values(td, "next.done")).toEqual([1, 0, 0]);
    const root = env.stepMdp(td).set("_reset", HostArray.from("bool", [3, 1], [1, 0, 0]));
    const after = env.reset(root);
    expect(values(after, "observation")).toEqual([0, 1, 1]);
    expect(values(after, "steps")).toEqual([0, 2, 2]);
    expect(values(after, "done")).toEqual([0, 0, 0]);
    expect(values(step([1, 1, 1]), "next.observation")).toEqual([1, 2, 2]);
  });

  it("passes the flags of a partial reset down to batched sub-envs", () => {
    const env = new SerialEnv(2, () => new CountingEnv({ batchSize: [2] }));
    env.reset();
    env.step(TensorDict.from({ action: HostArray.from("int32", [2, 2], [1, 1, 1, 1]) }, [2, 2]));
    const after = env.reset(new TensorDict({ _reset: HostArray.from("bool", [2, 2, 1], [0, 1, 0, 0]) }, [2, 2]));
    expect(values(after, "steps")).toEqual([1, 0, 1, 1]);
    expect(values(after, "observation")).toEqual([1, 0, 1, 1]);
  });

  it("reseeds sub-env i with seed + i, at construction and with setSeed", () => {
    const first = (seed: number) => values(new CartPoleEnv({ seed }).reset(), "observation");
    const env = new SerialEnv(2, () => new CartPoleEnv({ seed: 1234 }), { seed: 7 });
    expect(values(env.reset(), "observation")).toEqual([...first(7), ...first(8)]);
    env.setSeed(20);
    expect(values(env.reset(), "observation")).toEqual([...first(20), ...first(21)]);
    const again = new SerialEnv(2, () => new CartPoleEnv(), { seed: 20 });
    env.setSeed(20);
    const r1 = env.rollout(50, undefined, { breakWhenAnyDone: false });
    const r2 = again.rollout(50, undefined, { breakWhenAnyDone: false });
    expect(values(r1, "next.observation")).toEqual(values(r2, "next.observation"));
    expect(values(r1, "action")).toEqual(values(r2, "action"));
  });

  it("closes every sub-env", () => {
    const closed: number[] = [];
    const env = new SerialEnv(3, (i) => {
      const sub = new CountingEnv();
      sub.close = () => void closed.push(i);
      return sub;
    });
    env.close();
    expect(closed).toEqual([0, 1, 2]);
  });
});
