import { HostArray, TensorDict } from "@tdrl/tensordict";
import { describe, expect, it } from "vitest";
import { countingEnv, expectSpecsPassOnCartPole, values, withAction } from "../test/env-checks";
import { Rename } from "./rename";
import { TransformedEnv } from "./transformed-env";

describe("Rename", () => {
  it("passes checkEnvSpecs on a single and a batched CartPole", () => {
    expectSpecsPassOnCartPole(() => new Rename({ inKeys: ["observation"], outKeys: ["state"] }));
    expectSpecsPassOnCartPole(() => new Rename({ inKeys: ["observation"], outKeys: ["state"], createCopy: true }));
  });

  it("moves observation keys in records and specs, sharing the leaves", () => {
    const env = new TransformedEnv(countingEnv(2), new Rename({ inKeys: ["steps"], outKeys: ["t"] }));
    expect(env.observationSpec.keys()).toEqual(["observation", "t"]);
    const root = env.reset();
    expect(root.has("steps")).toBe(false);
    const stepped = env.step(withAction(root, 1));
    expect(values(stepped, "next.t")).toEqual([1, 1]);
    const td = new TensorDict({ a: HostArray.from("float32", [1], [3]) });
    const leaf = td.getHost("a");
    expect(new Rename({ inKeys: ["a"], outKeys: ["b"], createCopy: true }).forward(td).getHost("b")).toBe(leaf);
    expect(td.keys()).toEqual(["a", "b"]);
  });

  it("renames input keys on the way to the env (inverse)", () => {
    const t = new Rename({ inKeysInv: ["move"], outKeysInv: ["action"] });
    const out = t.inv(new TensorDict({ move: HostArray.from("int32", [1], [1]) }));
    expect(out.keys()).toEqual(["action"]);
    expect(() => t.inv(new TensorDict({ action: HostArray.zeros("int32", [1]) }))).toThrow(
      'Rename: key "move" not found in the input record (inv); it has keys: action',
    );
  });

  it("requires outKeys and names a missing key", () => {
    expect(() => new Rename({ inKeys: ["a"] })).toThrow("Rename: outKeys is required with inKeys");
    expect(() => new TransformedEnv(countingEnv(1), new Rename({ inKeys: ["pixels"], outKeys: ["p"] }))).toThrow(
      'Rename: key "pixels" not found in the observation or reward spec; it has keys: observation, steps',
    );
  });

  it("refuses renaming onto a key the env already has, naming both keys, when the env is built", () => {
    expect(
      () => new TransformedEnv(countingEnv(2), new Rename({ inKeys: ["observation"], outKeys: ["done"] })),
    ).toThrow(
      'Rename: cannot rename "observation" onto "done": the env already has a "done" entry (in its done spec), which it would overwrite; pick another outKey',
    );
    expect(
      () => new TransformedEnv(countingEnv(2), new Rename({ inKeys: ["observation"], outKeys: ["steps"] })),
    ).toThrow(
      'Rename: cannot rename "observation" onto "steps": the env already has a "steps" entry (in its observation or reward spec)',
    );
    expect(
      () => new TransformedEnv(countingEnv(2), new Rename({ inKeys: ["observation"], outKeys: ["action"] })),
    ).toThrow(
      'Rename: cannot rename "observation" onto "action": the env already has a "action" entry (in its action spec)',
    );
    expect(() => new Rename({ inKeys: ["a", "b"], outKeys: ["c", "c"] })).toThrow('Rename: outKeys names "c" twice');
    // A rename onto a name freed by an earlier one of the same transform is fine.
    const env = new TransformedEnv(
      countingEnv(2),
      new Rename({ inKeys: ["steps", "observation"], outKeys: ["t", "steps"] }),
    );
    expect(env.observationSpec.keys().sort()).toEqual(["steps", "t"]);
    expect(env.reset().keys().sort()).toEqual(["done", "steps", "t", "terminated", "truncated"]);
  });
});
