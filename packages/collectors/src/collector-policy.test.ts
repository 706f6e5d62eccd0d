import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { Categorical, HostArray, TensorDict } from "@tdrl/tensordict";
import { initBackend } from "@tdrl/backend";
import { EGreedyModule, type ExplorationType } from "@tdrl/modules";
import { checkPolicyAction, policyName, runPolicy } from "./collector-policy";

beforeAll(async () => {
  await initBackend();
});

describe("runPolicy", () => {
  it("passes the exploration type explicitly, to functions and to modules", () => {
    const seen: ExplorationType[] = [];
    const fn = (td: TensorDict, e: ExplorationType) => {
      seen.push(e);
      return td.set("action", HostArray.zeros("int32", [4]));
    };
    runPolicy(fn, new TensorDict({}, [4]), "mode");
    expect(seen).toEqual(["mode"]);
    const explore = new EGreedyModule({ spec: new Categorical({ n: 5 }), epsInit: 1 });
    const td = new TensorDict({ action: HostArray.zeros("int32", [64]) }, [64]);
    expect(
      Array.from(runPolicy(explore, td.clone(), "deterministic").getHost("action").data).every((a) => a === 0),
    ).toBe(true);
    expect(Array.from(runPolicy(explore, td.clone(), "random").getHost("action").data).some((a) => a !== 0)).toBe(true);
  });

  it("downloads and frees the tensors a policy writes, also when it throws", () => {
    const before = tf.memory().numTensors;
    const out = runPolicy((td) => td.set("action", tf.tensor1d([1, 0], "int32")), new TensorDict({}, [2]), "random");
    expect(out.get("action")).toBeInstanceOf(HostArray);
    expect(Array.from(out.getHost("action").data)).toEqual([1, 0]);
    expect(tf.memory().numTensors).toBe(before);
    const broken = function broken(td: TensorDict): TensorDict {
      td.set("action_value", tf.zeros([2, 3]));
      throw new Error("boom");
    };
    expect(() => runPolicy(broken, new TensorDict({}, [2]), "random")).toThrow("boom");
    expect(tf.memory().numTensors).toBe(before);
    expect(() => runPolicy(() => 3 as unknown as TensorDict, new TensorDict({}, [2]), "random")).toThrow(
      /returned number, not a TensorDict/,
    );
  });

  it("names the policy, key and value of a bad action", () => {
    const spec = new Categorical({ n: 2, shape: [3] });
    const td = new TensorDict({ action: HostArray.from("int32", [3], [0, 1, 2]) }, [3]);
    const p = function greedy(x: TensorDict) {
      return x;
    };
    expect(() => checkPolicyAction(td, [["action", spec]], p, "Collector")).toThrow(
      /^Collector: the policy function greedy wrote "action" = \[0, 1, 2\] \(int32\[3\]\), outside the action spec/,
    );
    expect(policyName(new EGreedyModule({ spec }))).toBe("the policy EGreedyModule");
  });
});
