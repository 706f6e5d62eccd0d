import { stepMdp } from "@tdrl/envs";
import { Composite, HostArray, TensorDict, Unbounded } from "@tdrl/tensordict";
import { describe, expect, it } from "vitest";
import { countingEnv, expectSpecsPassOnCartPole, resetMask, values, withAction } from "../test/env-checks";
import { TensorDictPrimer } from "./tensordict-primer";
import { TransformedEnv } from "./transformed-env";

const lstmSpecs = () =>
  new Composite({
    recurrent_state_h: new Unbounded({ shape: [1, 2] }),
    recurrent_state_c: new Unbounded({ shape: [1, 2] }),
  });

describe("TensorDictPrimer", () => {
  it("passes checkEnvSpecs on a single and a batched CartPole", () => {
    expectSpecsPassOnCartPole(() => new TensorDictPrimer({ specs: lstmSpecs() }));
  });

  it("fromModule builds the primer from a module's recurrentStateSpecs, keeping the other options", () => {
    const module = { recurrentStateSpecs: lstmSpecs };
    const primer = TensorDictPrimer.fromModule(module, { defaultValue: 2 });
    expect(primer.specs.keys()).toEqual(["recurrent_state_h", "recurrent_state_c"]);
    expect(primer.defaultValue).toBe(2);
    expect(values(new TransformedEnv(countingEnv(1), primer).reset(), "recurrent_state_h")).toEqual([2, 2]);
    expect(() => TensorDictPrimer.fromModule({} as typeof module)).toThrow(
      /fromModule: the module must have recurrentStateSpecs\(\)/,
    );
  });

  it("adds the keys to the specs with the env's batch dims", () => {
    const env = new TransformedEnv(countingEnv(3), new TensorDictPrimer({ specs: lstmSpecs() }));
    const spec = env.observationSpec.get("recurrent_state_h");
    expect(spec.toString()).toBe(new Unbounded({ shape: [3, 1, 2] }).toString());
    expect(env.reset().getHost("recurrent_state_c").shape).toEqual([3, 1, 2]);
  });

  it("carries what the policy writes to next through stepMdp, and zero-fills reset rows", () => {
    const env = new TransformedEnv(countingEnv(2), new TensorDictPrimer({ specs: lstmSpecs() }));
    let root = env.reset();
    expect(values(root, "recurrent_state_h")).toEqual([0, 0, 0, 0]);
    // A recurrent policy: reads the root state, writes the new one to next.
    const policy = (td: TensorDict, h: number[]): TensorDict => {
      withAction(td, 0);
      td.set(["next", "recurrent_state_h"], HostArray.from("float32", [2, 1, 2], h));
      td.set(
        ["next", "recurrent_state_c"],
        HostArray.from(
          "float32",
          [2, 1, 2],
          h.map((x) => -x),
        ),
      );
      return td;
    };
    const stepped = env.step(policy(root, [1, 2, 3, 4]));
    expect(values(stepped, "next.recurrent_state_h")).toEqual([1, 2, 3, 4]);
    expect(values(stepped, "next.observation")).toEqual([0, 0]); // the env's own keys are there too
    root = stepMdp(stepped);
    expect(values(root, "recurrent_state_h")).toEqual([1, 2, 3, 4]);
    expect(values(root, "recurrent_state_c")).toEqual([-1, -2, -3, -4]);
    const after = env.reset(resetMask(root, [0, 1]));
    expect(values(after, "recurrent_state_h")).toEqual([1, 2, 0, 0]);
    expect(values(after, "recurrent_state_c")).toEqual([-1, -2, 0, 0]);
  });

  it("copies the root state to next when the policy wrote none", () => {
    const env = new TransformedEnv(countingEnv(1), new TensorDictPrimer({ specs: lstmSpecs(), defaultValue: 0.5 }));
    const root = env.reset();
    expect(values(root, "recurrent_state_h")).toEqual([0.5, 0.5]);
    root.set("recurrent_state_h", HostArray.from("float32", [1, 1, 2], [7, 8]));
    expect(values(env.step(withAction(root, 0)), "next.recurrent_state_h")).toEqual([7, 8]);
  });

  it("forward adds missing entries to a standalone record of any batch size", () => {
    const td = new TensorDict({ observation: HostArray.zeros("float32", [4, 5, 3]) }, [4, 5]);
    new TensorDictPrimer({ specs: lstmSpecs() }).forward(td);
    expect(td.getHost("recurrent_state_h").shape).toEqual([4, 5, 1, 2]);
  });

  it("rejects bad specs and names a missing root key", () => {
    expect(() => new TensorDictPrimer({ specs: new Composite({}) })).toThrow(
      "TensorDictPrimer: options.specs has no keys",
    );
    expect(() => new TensorDictPrimer({ specs: {} as Composite })).toThrow(
      "TensorDictPrimer: options.specs must be a Composite",
    );
    const batched = new Composite({ h: new Unbounded({ shape: [5, 2] }) }, [5]);
    expect(() => new TransformedEnv(countingEnv(3), new TensorDictPrimer({ specs: batched }))).toThrow(
      "TensorDictPrimer: the primer specs have batch size [5], the env has [3]",
    );
    const env = new TransformedEnv(countingEnv(1), new TensorDictPrimer({ specs: lstmSpecs() }));
    const root = withAction(env.reset(), 0).exclude("recurrent_state_h");
    expect(() => env.step(root)).toThrow('TensorDictPrimer: key "recurrent_state_h" not found in the root record');
  });
});
