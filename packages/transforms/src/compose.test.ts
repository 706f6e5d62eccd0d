import { HostArray, TensorDict } from "@tdrl/tensordict";
import { describe, expect, it } from "vitest";
import { countingEnv, expectSpecsPassOnCartPole, values, withAction } from "../test/env-checks";
import { Compose } from "./compose";
import { DTypeCast } from "./dtype-cast";
import { Exclude } from "./exclude";
import { InitTracker } from "./init-tracker";
import { Rename } from "./rename";
import { RewardScaling } from "./reward-scaling";
import { RewardSum } from "./reward-sum";
import { StepCounter } from "./step-counter";
import { TransformedEnv } from "./transformed-env";

const names = (c: Compose) => c.transforms.map((t) => t.name);

describe("Compose", () => {
  it("passes checkEnvSpecs on a single and a batched CartPole with a chain of transforms", () => {
    expectSpecsPassOnCartPole(
      () =>
        new Compose(new StepCounter({ maxSteps: 10 }), new InitTracker(), new RewardScaling(0, 0.1), new RewardSum()),
    );
  });

  it("indexes with at (negative from the end), appends and inserts", () => {
    const c = new Compose(new StepCounter(), new InitTracker());
    expect(c.at(-1).name).toBe("InitTracker");
    c.append(new RewardSum());
    c.insert(0, new RewardScaling(0, 1));
    c.insert(-1, new SignLike());
    expect(names(c)).toEqual(["RewardScaling", "StepCounter", "InitTracker", "SignLike", "RewardSum"]);
    expect(c.length).toBe(5);
    expect(String(c)).toBe("Compose(RewardScaling, StepCounter, InitTracker, SignLike, RewardSum)");
    expect(() => c.at(5)).toThrow(
      "Compose.at(5): index out of range for 5 transform(s) (RewardScaling, StepCounter, InitTracker, SignLike, RewardSum)",
    );
  });

  it("at(i, Type) returns the transform typed as Type, and names the index and both classes when it is another", () => {
    const c = new Compose(new StepCounter({ maxSteps: 7 }), new InitTracker());
    const counter: StepCounter = c.at(0, StepCounter); // typed: no cast
    expect(counter).toBe(c.at(-2));
    expect(counter.maxSteps).toBe(7);
    expect(c.at(-1, InitTracker)).toBe(c.at(1));
    expect(() => c.at(-1, StepCounter)).toThrow(
      "Compose.at(-1): expected StepCounter, got InitTracker (transform 1 of 2)",
    );
    expect(() => c.at(0, "StepCounter" as never)).toThrow(
      "Compose.at(0): the type must be a Transform class, got string StepCounter",
    );
    expect(() => c.at(2, StepCounter)).toThrow(
      "Compose.at(2): index out of range for 2 transform(s) (StepCounter, InitTracker)",
    );
  });

  it("flattens nested Composes", () => {
    const inner = new Compose(new InitTracker(), new RewardSum());
    const c = new Compose(new StepCounter(), inner);
    c.append(new Compose(new RewardScaling(0, 1)));
    expect(names(c)).toEqual(["StepCounter", "InitTracker", "RewardSum", "RewardScaling"]);
    expect(inner.length).toBe(0);
    expect(c.at(1).container).toBe(c);
  });

  it("runs outputs first to last and inverses last to first", () => {
    // Forward: scale then sum, so the sum adds scaled rewards.
    const env = new TransformedEnv(countingEnv(1), new Compose(new RewardScaling(0, 10), new RewardSum()));
    expect(values(env.step(withAction(env.reset(), 1)), "next.episode_reward")).toEqual([10]);
    // Inverse: the policy writes float32 "move"; the last transform renames it, then the first casts it.
    const chain = new Compose(
      new DTypeCast({ dtypeIn: "int32", dtypeOut: "float32", inKeysInv: ["action"] }),
      new Rename({ inKeysInv: ["move"], outKeysInv: ["action"] }),
    );
    const out = chain.inv(new TensorDict({ move: HostArray.from("float32", [1], [1.9]) }));
    expect(out.getHost("action").dtype).toBe("int32");
    expect(values(out, "action")).toEqual([1]);
  });

  it("refuses a transform that already sits somewhere", () => {
    const t = new StepCounter();
    new Compose(t);
    expect(() => new Compose(t)).toThrow(
      "Compose: StepCounter is already in a Compose or TransformedEnv; a transform can sit in one place only (make a new one)",
    );
    const u = new InitTracker();
    expect(() => new Compose(u, u)).toThrow("Compose: InitTracker is already in a Compose or TransformedEnv");
  });

  it("leaves the env unchanged when an appended transform does not fit its specs", () => {
    const env = new TransformedEnv(countingEnv(1), new StepCounter());
    const specBefore = env.observationSpec;
    expect(() => env.transform.append(new Exclude(["pixels"]))).toThrow(
      'Exclude: key "pixels" not found in the observation spec',
    );
    expect(names(env.transform)).toEqual(["StepCounter"]);
    expect(env.observationSpec).toBe(specBefore);
    env.appendTransform(new InitTracker());
    expect(env.observationSpec.keys()).toEqual(["observation", "steps", "step_count", "is_init"]);
  });
});

class SignLike extends RewardScaling {
  constructor() {
    super(0, 1);
  }
  override get name(): string {
    return "SignLike";
  }
}

describe("Compose, refused inserts", () => {
  it("leaves a nested Compose intact when the env refuses its transforms", () => {
    const env = new TransformedEnv(countingEnv(1), new StepCounter());
    const inner = new Compose(new InitTracker(), new Exclude(["pixels"]));
    expect(() => env.transform.append(inner)).toThrow('Exclude: key "pixels" not found');
    expect(names(inner)).toEqual(["InitTracker", "Exclude"]);
    expect(inner.at(0).container).toBe(inner);
    expect(names(env.transform)).toEqual(["StepCounter"]);
  });

  it("refuses a Compose that already sits in an env, taking nothing from it", () => {
    const env = new TransformedEnv(countingEnv(1), new Compose(new StepCounter()));
    expect(() => new Compose(env.transform)).toThrow("Compose: the Compose is already in a Compose or TransformedEnv");
    expect(names(env.transform)).toEqual(["StepCounter"]);
  });
});
