import { describe, expect, it } from "vitest";
import { checkOptions, type OptionKeys } from "./check-options";

interface Opts {
  batchSize?: number[];
  seed?: number;
  maxSteps?: number;
}
const KEYS = { batchSize: true, seed: true, maxSteps: true } satisfies OptionKeys<Opts>;

describe("checkOptions", () => {
  it("passes known keys and undefined", () => {
    expect(() => checkOptions("Env", undefined, KEYS)).not.toThrow();
    expect(() => checkOptions("Env", {}, KEYS)).not.toThrow();
    expect(() => checkOptions("Env", { batchSize: [2], seed: undefined }, KEYS)).not.toThrow();
  });

  it("refuses an unknown key, listing the known ones and the likely meant one", () => {
    expect(() => checkOptions("CartPoleEnv", { batch_size: [2] }, KEYS)).toThrow(
      'CartPoleEnv: unknown option "batch_size" (known: batchSize, seed, maxSteps; did you mean batchSize?)',
    );
    expect(() => checkOptions("Env", { sed: 1 }, KEYS)).toThrow(
      'Env: unknown option "sed" (known: batchSize, seed, maxSteps; did you mean seed?)',
    );
    expect(() => checkOptions("Env", { colour: 1 }, KEYS)).toThrow(
      'Env: unknown option "colour" (known: batchSize, seed, maxSteps)',
    );
    expect(() => checkOptions("Env", { x: 1 }, {})).toThrow('Env: unknown option "x" (known: none)');
  });

  it("refuses options that are not an object", () => {
    expect(() => checkOptions("Env", null, KEYS)).toThrow("Env: options must be an object, got null");
    expect(() => checkOptions("Env", 5, KEYS)).toThrow("Env: options must be an object, got number 5");
    expect(() => checkOptions("Env", [1], KEYS)).toThrow("Env: options must be an object, got an array of length 1");
    expect(() => checkOptions("Env", "seed", KEYS)).toThrow('Env: options must be an object, got "seed"');
  });

  it("does not accept inherited names such as toString", () => {
    expect(() => checkOptions("Env", { toString: 1 }, KEYS)).toThrow('unknown option "toString"');
  });
});
