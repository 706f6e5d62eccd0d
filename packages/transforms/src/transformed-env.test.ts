import { CartPoleEnv, type EnvBase, SerialEnv, checkEnvSpecs } from "@tdrl/envs";
import { Composite, HostArray, type TensorDict, Unbounded } from "@tdrl/tensordict";
import { initBackend } from "@tdrl/backend";
import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it, vi } from "vitest";
import { countingEnv, resetMask, values, withAction } from "../test/env-checks";
import { Compose } from "./compose";
import { DTypeCast } from "./dtype-cast";
import { RewardClipping } from "./reward-clipping";
import { RewardScaling } from "./reward-scaling";
import { SignTransform } from "./sign-transform";
import { TensorDictPrimer } from "./tensordict-primer";
import { Unsqueeze } from "./unsqueeze";
import { InitTracker } from "./init-tracker";
import { RewardSum } from "./reward-sum";
import { StepCounter } from "./step-counter";
import { Transform } from "./transform";
import { TransformedEnv } from "./transformed-env";

/** Adds 100 to "observation", keeping its key, dtype and shape (as ObservationNorm does). */
class AddHundred extends Transform {
  constructor() {
    super({ inKeys: ["observation"] });
  }
  protected override transformLeaf(leaf: HostArray): HostArray {
    const out = leaf.clone() as HostArray<"float32">;
    for (let i = 0; i < out.data.length; i++) out.data[i]! += 100;
    return out;
  }
}

const alternate = (td: TensorDict, t: number) =>
  td.set(
    "action",
    HostArray.from(
      "int32",
      td.batchSize,
      Array.from({ length: td.numel }, (_, i) => (i + t) % 2),
    ),
  );

function rolloutObservations(env: EnvBase, steps: number): number[][] {
  let root = env.reset();
  const out: number[][] = [values(root, "observation")];
  for (let t = 0; t < steps; t++) {
    const [stepped, next] = env.stepAndMaybeReset(alternate(root, t));
    out.push(values(stepped, "next.observation"), values(next, "observation"));
    root = next;
  }
  return out;
}

describe("TransformedEnv", () => {
  it("with no transform, gives exactly the base env's transitions and specs", () => {
    const base = () => new CartPoleEnv({ batchSize: [4], seed: 5 });
    const env = new TransformedEnv(base());
    expect(rolloutObservations(env, 40)).toEqual(rolloutObservations(base(), 40));
    expect(env.fullSpec.equals(base().fullSpec)).toBe(true);
    expect(env.name).toBe("TransformedEnv(CartPoleEnv)");
    expect(env.transform.length).toBe(0);
  });

  it("passes checkEnvSpecs on single, batched and serial CartPoles, with a truncating StepCounter", () => {
    const make = () => new Compose(new StepCounter({ maxSteps: 8 }), new InitTracker(), new RewardSum());
    for (const base of [
      new CartPoleEnv(),
      new CartPoleEnv({ batchSize: [4] }),
      new SerialEnv(3, () => new CartPoleEnv()),
    ]) {
      expect(() => checkEnvSpecs(new TransformedEnv(base, make()), { steps: 40 })).not.toThrow();
    }
  });

  it("on a partial reset, gives the base env its own observations, never the transformed ones", () => {
    const base = new CartPoleEnv({ batchSize: [3], seed: 1 });
    const env = new TransformedEnv(base, new AddHundred());
    let root = env.reset();
    for (let t = 0; t < 3; t++) root = env.stepMdp(env.step(alternate(root, t)));
    const before = values(root, "observation");
    const after = values(env.reset(resetMask(root, [0, 1, 0])), "observation");
    // Kept sub-envs: +100 once, exactly as before the reset; the reset one: a fresh state near 0, plus 100.
    expect(after.slice(0, 4)).toEqual(before.slice(0, 4));
    expect(after.slice(8, 12)).toEqual(before.slice(8, 12));
    for (const v of after.slice(4, 8)) expect(Math.abs(v - 100)).toBeLessThan(0.06);
    expect(after.slice(4, 8)).not.toEqual(before.slice(4, 8));
  });

  it("keeps what the policy wrote into td.next where the env wrote nothing", () => {
    const env = new TransformedEnv(countingEnv(2));
    const root = withAction(env.reset(), 1);
    root.set(["next", "memo"], HostArray.from("float32", [2], [7, 8]));
    root.set(["next", "observation"], HostArray.from("float32", [2, 1], [-1, -1]));
    const stepped = env.step(root);
    expect(values(stepped, "next.memo")).toEqual([7, 8]);
    expect(values(stepped, "next.observation")).toEqual([1, 1]); // the env's own entry wins
  });

  it("with an inverting transform too, a primer keeps the state the policy wrote into td.next", () => {
    const primer = new TensorDictPrimer({ specs: new Composite({ memo: new Unbounded({ shape: [1] }) }) });
    const env = new TransformedEnv(
      countingEnv(2),
      new Compose(new DTypeCast({ dtypeIn: "int32", dtypeOut: "float32", inKeysInv: ["action"] }), primer),
    );
    expect(env.transform.inverts).toBe(true);
    const root = env.reset();
    root.set("action", HostArray.from("float32", [2], [1, 1]));
    root.set(["next", "memo"], HostArray.from("float32", [2, 1], [7, 8]));
    expect(values(env.step(root), "next.memo")).toEqual([7, 8]);
  });

  it("stops a rollout at the transformed done (truncation), though the base env is not done", () => {
    const env = new TransformedEnv(countingEnv(2), new StepCounter({ maxSteps: 5 }));
    const rollout = env.rollout(100, (td) => withAction(td, 0));
    expect(rollout.batchSize).toEqual([2, 5]);
    expect(values(rollout, "next.terminated")).toEqual(new Array(10).fill(0));
  });

  it("parent is the base env followed by the transforms before this one", () => {
    const chain = new Compose(new StepCounter(), new InitTracker(), new RewardSum());
    const env = new TransformedEnv(countingEnv(2), chain);
    const parent = chain.at(2).parent!;
    expect(parent).toBeInstanceOf(TransformedEnv);
    expect(parent.reset().keys()).toEqual([
      "observation",
      "steps",
      "done",
      "terminated",
      "truncated",
      "step_count",
      "is_init",
    ]);
    expect(parent.rollout(4, (td) => withAction(td, 1)).batchSize).toEqual([2, 4]);
    expect(chain.at(0).parent!.observationSpec.keys()).toEqual(["observation", "steps"]);
    // The view does not take the transforms over: they still sit in the env's chain.
    expect(chain.at(1).container).toBe(chain);
    expect(env.transform).toBe(chain);
    expect(new StepCounter().parent).toBeNull();
    expect(new Compose(new InitTracker()).at(0).parent).toBeNull();
  });

  it("parent draws random actions from the base env's seeded action stream, so setSeed reaches them", () => {
    const actions = (draw: () => TensorDict) => Array.from({ length: 40 }, () => draw().getHost("action").data[0]!);
    const env = new TransformedEnv(new CartPoleEnv({ seed: 0 }), new Compose(new StepCounter(), new InitTracker()));
    const last = env.transform.at(-1);
    env.setSeed(7);
    // A new view on each access, yet one stream: the base env's, as seeded.
    const viaParent = actions(() => last.parent!.randAction());
    const base = new CartPoleEnv({ seed: 7 });
    expect(viaParent).toEqual(actions(() => base.randAction()));
    expect(new Set(viaParent).size).toBe(2);
    env.setSeed(8);
    const otherSeed = actions(() => last.parent!.randAction());
    expect(otherSeed).not.toEqual(viaParent);
    env.setSeed(7);
    expect(actions(() => last.parent!.randAction())).toEqual(viaParent);
  });

  it("parent draws from its own action spec (the one the transforms before it declare)", () => {
    const cast = new DTypeCast({ dtypeIn: "int32", dtypeOut: "float32", inKeysInv: ["action"] });
    const env = new TransformedEnv(new CartPoleEnv({ seed: 4 }), new Compose(cast, new InitTracker()));
    const parent = env.transform.at(1, InitTracker).parent!;
    const td = parent.randAction();
    // The cast's outside (the policy's side) is float32; the base env reads int32.
    expect(td.getHost("action").dtype).toBe("float32");
    expect(new CartPoleEnv().randAction().getHost("action").dtype).toBe("int32");
    // It steps: the action goes through the cast's inverse into the base env.
    expect(parent.step(parent.randAction(parent.reset())).getHost("next.observation").shape).toEqual([4]);
  });

  it("reseeds and closes the base env", () => {
    const base = new CartPoleEnv({ batchSize: [2] });
    const env = new TransformedEnv(base, new StepCounter());
    env.setSeed(11);
    const first = values(env.reset(), "observation");
    env.setSeed(11);
    expect(values(env.reset(), "observation")).toEqual(first);
    expect(values(base.reset(), "observation")).not.toEqual(first); // base stream advanced, as it was reseeded by env
    const close = vi.spyOn(base, "close");
    env.close();
    expect(close).toHaveBeenCalledOnce();
  });

  it("checks actions against the transformed action spec and rejects bad arguments", () => {
    const env = new TransformedEnv(countingEnv(2), new StepCounter());
    const root = env.reset().set("action", HostArray.from("int32", [2], [0, 2]));
    expect(() => env.step(root)).toThrow(
      "TransformedEnv(CountingEnv).step(): action 2 is out of range [0, 2) at batch index [1]",
    );
    expect(() => new TransformedEnv({} as EnvBase)).toThrow("TransformedEnv: expected an EnvBase as the base env");
    expect(() => new TransformedEnv(countingEnv(1), {} as Transform)).toThrow("TransformedEnv: expected a Transform");
    const t = new StepCounter();
    new TransformedEnv(countingEnv(1), t);
    expect(() => new TransformedEnv(countingEnv(1), t)).toThrow("already in a Compose or TransformedEnv");
  });

  it("runs the whole core chain for 500 steps creating no tensors and writing into no record it was given", async () => {
    await initBackend();
    const chain = new Compose(
      new StepCounter({ maxSteps: 30 }),
      new InitTracker(),
      new RewardScaling(0, 0.1),
      new RewardClipping(-1, 1),
      new SignTransform({ inKeys: ["observation"], outKeys: ["observation_sign"] }),
      new RewardSum(),
      new TensorDictPrimer({ specs: new Composite({ h: new Unbounded({ shape: [2] }) }) }),
      new DTypeCast({ dtypeIn: "int32", dtypeOut: "float32", inKeysInv: ["action"] }),
      new Unsqueeze({ dim: 0, inKeys: ["observation"] }),
    );
    const env = new TransformedEnv(new CartPoleEnv({ batchSize: [4], seed: 2 }), chain);
    checkEnvSpecs(env, { steps: 50 });
    const tensors = tf.memory().numTensors;
    let root = env.reset();
    for (let t = 0; t < 500; t++) {
      root.set("action", HostArray.from("float32", [4], [t % 2, 1, 0, (t >> 1) % 2]));
      // Every leaf the step was given, and a copy of its values: none may change.
      const given = root
        .leaves()
        .map(([key, leaf]) => [key, leaf as HostArray, Array.from((leaf as HostArray).data)] as const);
      [, root] = env.stepAndMaybeReset(root);
      for (const [key, leaf, data] of given) expect([key, Array.from(leaf.data)]).toEqual([key, data]);
    }
    expect(tf.memory().numTensors).toBe(tensors);
  });
});
