import { HostArray, TensorDict, Unbounded } from "@tdrl/tensordict";
import { describe, expect, it } from "vitest";
import { expectSpecsPassOnCartPole } from "../test/env-checks";
import { CartPoleEnv } from "@tdrl/envs";
import { FlattenObservation } from "./flatten-observation";
import { TransformedEnv } from "./transformed-env";

describe("FlattenObservation", () => {
  it("passes checkEnvSpecs on a single and a batched CartPole", () => {
    expectSpecsPassOnCartPole(() => new FlattenObservation({ inKeys: ["pixels"] }), {
      fromPixels: true,
      renderSize: [16, 24],
    });
    expectSpecsPassOnCartPole(() => new FlattenObservation({ firstDim: 0, lastDim: 1, inKeys: ["pixels"] }), {
      fromPixels: true,
      renderSize: [16, 24],
    });
  });

  it("merges the chosen event dims, sharing the data", () => {
    const x = HostArray.from("float32", [2, 2, 3, 1], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    const td = new TensorDict({ x }, [2]);
    const out = new FlattenObservation({ firstDim: 0, lastDim: -2, inKeys: ["x"] }).forward(td).getHost("x");
    expect(out.shape).toEqual([2, 6, 1]);
    expect(out.data).toBe(x.data);
    expect(new FlattenObservation({ inKeys: ["x"] }).forward(new TensorDict({ x }, [2, 2])).getHost("x").shape).toEqual(
      [2, 2, 3],
    );
  });

  it("declares the flat spec", () => {
    const env = new TransformedEnv(
      new CartPoleEnv({ batchSize: [2], fromPixels: true, renderSize: [16, 24] }),
      new FlattenObservation({ inKeys: ["pixels"] }),
    );
    expect(env.observationSpec.get("pixels").toString()).toBe(
      new Unbounded({ shape: [2, 16 * 24 * 3], dtype: "uint8" }).toString(),
    );
  });

  it("rejects firstDim after lastDim and names a missing key", () => {
    const td = new TensorDict({ x: HostArray.zeros("float32", [2, 3]) });
    expect(() => new FlattenObservation({ firstDim: 1, lastDim: 0, inKeys: ["x"] }).forward(td)).toThrow(
      'FlattenObservation("x"): firstDim 1 comes after lastDim 0 for an event of shape [2, 3]',
    );
    expect(() => new FlattenObservation({ inKeys: ["pixels"] }).forward(td)).toThrow(
      'FlattenObservation: key "pixels" not found in the record; it has keys: x',
    );
  });
});
