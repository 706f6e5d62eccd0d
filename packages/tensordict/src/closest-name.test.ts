import { describe, expect, it } from "vitest";
import { checkOptions } from "./check-options";
import { closestName } from "./closest-name";

describe("closestName", () => {
  it("matches ignoring case and separators first, then by edit distance", () => {
    expect(closestName("batch_size", ["batchSize", "seed"])).toBe("batchSize");
    expect(closestName("batch-size", ["batchSize", "seed"])).toBe("batchSize");
    expect(closestName("sed", ["batchSize", "seed"])).toBe("seed");
    expect(closestName("xyz", ["train", "eval"])).toBeUndefined();
    expect(closestName("frobnicate", ["lr", "gamma", "device", "verbose"])).toBeUndefined();
  });

  it("counts a swap of two neighbouring letters as one typo", () => {
    expect(closestName("trian", ["train", "eval"])).toBe("train");
    expect(() => checkOptions("Env", { sede: 1 }, { seed: true, maxSteps: true })).toThrow("did you mean seed?");
  });
});
