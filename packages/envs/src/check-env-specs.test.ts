import { HostArray, type TensorDict } from "@tdrl/tensordict";
import { describe, expect, it } from "vitest";
import { checkEnvSpecs } from "./check-env-specs";
import { CountingEnv } from "./counting-env";

/** A CountingEnv whose step output is edited by `breakIt`, to check that each kind of fault is caught. */
class BrokenEnv extends CountingEnv {
  constructor(private readonly breakIt: (out: TensorDict) => void) {
    super({ batchSize: [2], maxCount: 100 });
  }

  protected override _step(td: TensorDict): TensorDict {
    const out = super._step(td);
    this.breakIt(out);
    return out;
  }
}

describe("checkEnvSpecs", () => {
  it("passes for a correct env, single and batched", () => {
    expect(() => checkEnvSpecs(new CountingEnv())).not.toThrow();
    expect(() => checkEnvSpecs(new CountingEnv({ batchSize: [3], maxCount: 2 }), { steps: 12 })).not.toThrow();
  });

  it("catches a wrong dtype, naming the key", () => {
    const env = new BrokenEnv((out) => out.set("reward", HostArray.zeros("int32", [2, 1])));
    expect(() => checkEnvSpecs(env)).toThrow(
      'checkEnvSpecs(CountingEnv): step 0: Unbounded.assert("next.reward"): expected dtype float32, got int32',
    );
  });

  it("catches a missing key", () => {
    const env = new BrokenEnv((out) => out.delete("terminated"));
    expect(() => checkEnvSpecs(env)).toThrow(
      'checkEnvSpecs(CountingEnv): step 0: Composite.assert: missing key "next.terminated"',
    );
  });

  it("catches an out-of-bounds observation, naming the key and the value", () => {
    const env = new BrokenEnv((out) => {
      out.getHost("observation").data[1] = 101;
    });
    expect(() => checkEnvSpecs(env)).toThrow(
      'step 0: Bounded.assert("next.observation"): value 101 at index [1, 0] is out of bounds [0, 100]',
    );
  });

  it("catches a key the specs do not declare", () => {
    const env = new BrokenEnv((out) => out.set("secret", HostArray.zeros("float32", [2])));
    expect(() => checkEnvSpecs(env)).toThrow('unexpected key "next.secret"');
  });

  it("catches done that is not terminated or truncated", () => {
    const env = new BrokenEnv((out) => {
      out.getHost("truncated").data[0] = 1;
    });
    expect(() => checkEnvSpecs(env)).toThrow(
      'step 0, "next": "done" is 0 at batch index [0], but "terminated" is 0 and "truncated" is 1',
    );
  });
});
