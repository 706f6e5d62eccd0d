import { describe, expect, it } from "vitest";
import { TUNED } from "../../examples/src/dqn-cartpole-config";
import { configFor, DEFAULT_SETTINGS, weightsMetadata } from "./settings";

describe("configFor", () => {
  it("is the tuned state-DQN recipe with the page's defaults", () => {
    expect(configFor(DEFAULT_SETTINGS)).toEqual({ ...TUNED, totalFrames: 100_000 });
  });

  it("applies the page's settings over the recipe", () => {
    const config = configFor({ ...DEFAULT_SETTINGS, hidden: 64, lr: 1e-3, seed: 3 });
    expect(config).toMatchObject({ numCells: [64, 64], lr: 1e-3, seed: 3, double: true, nStep: 3 });
  });

  it("refuses a bad value, naming the field and the value", () => {
    expect(() => configFor({ ...DEFAULT_SETTINGS, batchSize: 0 })).toThrow(
      "settings: batchSize must be a positive integer, got 0",
    );
    expect(() => configFor({ ...DEFAULT_SETTINGS, hidden: 1.5 })).toThrow(
      "settings: hidden must be a positive integer, got 1.5",
    );
    expect(() => configFor({ ...DEFAULT_SETTINGS, gamma: 1.2 })).toThrow("settings: gamma must be in (0, 1], got 1.2");
    expect(() => configFor({ ...DEFAULT_SETTINGS, lr: Number.NaN })).toThrow(
      "settings: lr must be a positive number, got NaN",
    );
  });
});

describe("weightsMetadata", () => {
  it("says enough to rebuild the network in Node", () => {
    expect(weightsMetadata({ ...DEFAULT_SETTINGS, hidden: 32 }, 512)).toEqual({
      format: "tdrl-playground-cartpole-dqn",
      network: "mlpQNetwork",
      inFeatures: "4",
      numActions: "2",
      numCells: "[32,32]",
      frames: "512",
      seed: "0",
    });
  });
});
