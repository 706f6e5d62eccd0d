import { describe, expect, it } from "vitest";
import { joinPath, toParts } from "./key-path";

describe("key paths", () => {
  it("splits dotted strings and passes tuples through", () => {
    expect(toParts("next.reward", "t")).toEqual(["next", "reward"]);
    expect(toParts(["next", "reward"], "t")).toEqual(["next", "reward"]);
    expect(toParts("observation", "t")).toEqual(["observation"]);
    expect(joinPath(["a", "b", "c"])).toBe("a.b.c");
  });

  it("returns the same cached parts for the same string", () => {
    expect(toParts("a.b", "t")).toBe(toParts("a.b", "t"));
  });

  it("rejects empty parts and dotted tuple entries", () => {
    expect(() => toParts("next..reward", "TensorDict.get")).toThrow('TensorDict.get: invalid key path "next..reward"');
    expect(() => toParts([], "t")).toThrow("empty key path");
    expect(() => toParts(["a.b"], "t")).toThrow('invalid key "a.b"');
    expect(() => toParts(["a", ""], "t")).toThrow('invalid key ""');
  });
});
