import { describe, expect, it } from "vitest";
import { brandClass } from "./brand";
import { HostArray } from "./host-array";
import { TensorDict } from "./tensordict";
import { Bounded } from "./specs/bounded";
import { Unbounded } from "./specs/unbounded";
import { TensorSpec } from "./specs/spec";

describe("brandClass", () => {
  it("recognises an instance of another copy of the class by its brand", () => {
    class Point {
      static {
        brandClass(this, "test.Point");
      }
    }
    const otherCopy = Object.create({ [Symbol.for("tdrl.test.Point")]: true }) as object;
    expect(otherCopy instanceof Point).toBe(true);
    expect(new Point() instanceof Point).toBe(true);
    expect({} instanceof Point).toBe(false);
    expect((null as unknown) instanceof Point).toBe(false);
  });

  it("keeps subclasses apart: a branded subclass tests its own brand, an unbranded one the prototype chain", () => {
    class Base {
      static {
        brandClass(this, "test.Base");
      }
    }
    class Plain extends Base {}
    expect(new Base() instanceof Plain).toBe(false);
    expect(new Plain() instanceof Base).toBe(true);
    expect(new Unbounded({ shape: [1] }) instanceof TensorSpec).toBe(true);
    expect(new Unbounded({ shape: [1] }) instanceof Bounded).toBe(false);
  });

  it("brands the classes other packages check", () => {
    expect(HostArray.zeros("float32", [1]) instanceof HostArray).toBe(true);
    expect((HostArray.zeros("float32", [1]) as unknown) instanceof TensorDict).toBe(false);
    expect(Symbol.for("tdrl.HostArray") in HostArray.prototype).toBe(true);
    expect(Symbol.for("tdrl.TensorDict") in TensorDict.prototype).toBe(true);
  });
});
