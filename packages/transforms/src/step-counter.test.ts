import { CountingEnv } from "@tdrl/envs";
import { HostArray, TensorDict } from "@tdrl/tensordict";
import { describe, expect, it } from "vitest";
import { countingEnv, expectSpecsPassOnCartPole, resetMask, values, withAction } from "../test/env-checks";
import { StepCounter } from "./step-counter";
import { TransformedEnv } from "./transformed-env";

describe("StepCounter", () => {
  it("passes checkEnvSpecs on a single and a batched CartPole, with and without a limit", () => {
    expectSpecsPassOnCartPole(() => new StepCounter());
    expectSpecsPassOnCartPole(() => new StepCounter({ maxSteps: 7 }));
  });

  it("counts from 0 at reset and adds one per step", () => {
    const env = new TransformedEnv(countingEnv(2), new StepCounter());
    let root = env.reset();
    expect(values(root, "step_count")).toEqual([0, 0]);
    for (let t = 1; t <= 3; t++) {
      const [stepped, next] = env.stepAndMaybeReset(withAction(root, 0));
      expect(values(stepped, "next.step_count")).toEqual([t, t]);
      root = next;
    }
    expect(values(root, "step_count")).toEqual([3, 3]);
    expect(env.observationSpec.get("step_count").toString()).toContain("int32");
  });

  it("truncates at maxSteps: the transformed env is done and stepAndMaybeReset resets the base env", () => {
    const base = countingEnv(2);
    const env = new TransformedEnv(base, new StepCounter({ maxSteps: 3 }));
    let root = env.reset();
    const done: number[][] = [];
    const truncated: number[][] = [];
    const baseSteps: number[][] = [];
    for (let t = 0; t < 7; t++) {
      const [stepped, next] = env.stepAndMaybeReset(withAction(root, 0));
      done.push(values(stepped, "next.done"));
      truncated.push(values(stepped, "next.truncated"));
      baseSteps.push(values(next, "steps"));
      root = next;
    }
    expect(done.map((d) => d[0])).toEqual([0, 0, 1, 0, 0, 1, 0]);
    expect(truncated.map((d) => d[1])).toEqual([0, 0, 1, 0, 0, 1, 0]);
    // CountingEnv's own "steps" counts since ITS last reset: 1, 2, then 0 after the truncation reset.
    expect(baseSteps.map((s) => s[0])).toEqual([1, 2, 0, 1, 2, 0, 1]);
    expect(values(root, "step_count")).toEqual([1, 1]);
  });

  it("keeps the count of the sub-envs a partial reset leaves alone", () => {
    const env = new TransformedEnv(countingEnv(3), new StepCounter());
    let root = env.reset();
    for (let t = 0; t < 4; t++) [, root] = env.stepAndMaybeReset(withAction(root, 0));
    const after = env.reset(resetMask(root, [0, 1, 0]));
    expect(values(after, "step_count")).toEqual([4, 0, 4]);
    expect(values(after, "steps")).toEqual([4, 0, 4]);
    // The counted sub-envs go on from there.
    expect(values(env.step(withAction(after, 0)), "next.step_count")).toEqual([5, 1, 5]);
  });

  it("does not write into the base env's flag arrays when it truncates", () => {
    class Recording extends CountingEnv {
      last: TensorDict | null = null;
      protected override _step(td: TensorDict): TensorDict {
        this.last = super._step(td);
        return this.last;
      }
    }
    const base = new Recording({ batchSize: [2], maxCount: 1000 });
    const env = new TransformedEnv(base, new StepCounter({ maxSteps: 1 }));
    const stepped = env.step(withAction(env.reset(), 0));
    expect(values(stepped, "next.truncated")).toEqual([1, 1]);
    expect(values(stepped, "next.done")).toEqual([1, 1]);
    expect(values(stepped, "next.terminated")).toEqual([0, 0]);
    expect(values(base.last!, "truncated")).toEqual([0, 0]);
    expect(values(base.last!, "done")).toEqual([0, 0]);
  });

  it("names itself, the key and the keys found when the root has no step_count", () => {
    const env = new TransformedEnv(countingEnv(2), new StepCounter());
    const root = withAction(env.reset(), 0).exclude("step_count");
    expect(() => env.step(root)).toThrow(
      'StepCounter: key "step_count" not found in the root record the step was taken from; it has keys: observation, steps, done, terminated, truncated, action',
    );
    const partial = resetMask(root, [1, 0]);
    expect(() => env.reset(partial)).toThrow('StepCounter: key "step_count" not found in the reset input record');
  });

  it("rejects a bad maxSteps, a done spec without the truncated key, and standalone forward", () => {
    expect(() => new StepCounter({ maxSteps: 0 })).toThrow("StepCounter: maxSteps must be a positive integer, got 0");
    expect(() => new TransformedEnv(countingEnv(1), new StepCounter({ maxSteps: 5, truncatedKey: "timeout" }))).toThrow(
      'StepCounter: key "timeout" not found in the done spec; it has keys: done, terminated, truncated',
    );
    expect(() => new StepCounter().forward(new TensorDict({ x: HostArray.zeros("float32", [1]) }))).toThrow(
      "StepCounter: forward() on a standalone record is not supported",
    );
  });
});
