import { describe, expect, it } from "vitest";
import { checkAllocation, MAX_ALLOCATION_BYTES } from "./allocation";
import { Bounded } from "./specs/bounded";

describe("checkAllocation", () => {
  it("passes sizes up to the limit and names the option and bytes beyond it", () => {
    expect(() => checkAllocation("X", "size", MAX_ALLOCATION_BYTES)).not.toThrow();
    expect(() => checkAllocation("X", "size 1e12", 1e12)).toThrow(
      "X: size 1e12 would need 1000000000000 bytes (931.3 GiB); the limit is 2 GiB",
    );
    expect(() => checkAllocation("X", "size", Infinity)).toThrow("X: size would need Infinity bytes");
  });
});

describe("specs refuse unknown options", () => {
  it("names the key", () => {
    expect(() => new Bounded({ low: 0, high: 1, shape: [2], lo: 0 } as never)).toThrow(
      'Bounded: unknown option "lo" (known: low, high, shape, dtype)',
    );
  });
});
