import { describe, expectTypeOf, it } from "vitest";
import type { HostArray } from "../host-array";
import type { Bool, Float32, Int32, Leaf, UInt8 } from "../leaf";
import type { Rng } from "../rng/rng";
import type { TensorDict } from "../tensordict";
import { Binary } from "./binary";
import { Bounded } from "./bounded";
import { Categorical } from "./categorical";
import { Composite, type SchemaOf, type SpecRecord } from "./composite";
import { OneHot } from "./one-hot";
import type { TensorSpec } from "./spec";
import { Unbounded } from "./unbounded";

declare const rng: Rng;

describe("SchemaOf", () => {
  it("maps each leaf spec to the leaf type of its dtype, through records and nested Composites", () => {
    const spec = new Composite(
      {
        observation: new Unbounded({ shape: [4] }),
        pixels: new Bounded({ low: 0, high: 255, shape: [2, 2], dtype: "uint8" }),
        action: new Categorical({ n: 3 }),
        onehot: new OneHot({ n: 3 }),
        next: { reward: new Bounded({ low: -1, high: 1, shape: [1] }), done: new Binary({ n: 1 }) },
        info: new Composite({ steps: new Unbounded({ shape: [], dtype: "int32" }) }),
      },
      [],
    );
    type Expected = {
      observation: Float32;
      pixels: UInt8;
      action: Int32;
      onehot: Bool;
      next: { reward: Float32; done: Bool };
      info: { steps: Int32 };
    };
    expectTypeOf<SchemaOf<{ a: Bounded<"float32">; b: { c: Categorical<"uint8"> } }>>().toEqualTypeOf<{
      a: Float32;
      b: { c: UInt8 };
    }>();
    expectTypeOf(spec.zero()).toEqualTypeOf<TensorDict<Expected>>();
    expectTypeOf(spec.rand(rng)).toEqualTypeOf<TensorDict<Expected>>();
    const td = spec.rand(rng);
    expectTypeOf(td.getHost("next.reward")).toEqualTypeOf<HostArray<"float32">>();
    expectTypeOf(td.getHost(["info", "steps"])).toEqualTypeOf<HostArray<"int32">>();
    expectTypeOf(td.get("pixels")).toEqualTypeOf<Leaf<"uint8">>();
    // @ts-expect-error: not a key of the schema
    td.get("next.rewrd");
    // A typed value passes where any TensorDict is accepted.
    spec.assert(td);
    expectTypeOf(spec.expand([4]).zero()).toEqualTypeOf<TensorDict<Expected>>();
  });

  it("leaf specs keep their dtype parameter", () => {
    expectTypeOf(new Unbounded({ shape: [1] })).toEqualTypeOf<Unbounded<"float32">>();
    expectTypeOf(new Unbounded({ shape: [1], dtype: "bool" }).rand(rng)).toEqualTypeOf<HostArray<"bool">>();
    expectTypeOf(new Categorical({ n: 2 }).zero()).toEqualTypeOf<HostArray<"int32">>();
    expectTypeOf(new OneHot({ n: 2, dtype: "float32" }).toCategorical).returns.toEqualTypeOf<HostArray<"int32">>();
    expectTypeOf(new Bounded({ low: 0, high: 1, dtype: "int32" }).expand([3])).toEqualTypeOf<Bounded<"int32">>();
    expectTypeOf(new Binary({ n: 2 })).toMatchTypeOf<TensorSpec<"bool">>();
  });

  it("an untyped Composite gives an untyped TensorDict, and typed Composites nest in untyped ones", () => {
    const untyped = new Composite<SpecRecord>({ a: new Unbounded({ shape: [1] }) });
    expectTypeOf(untyped.zero()).toEqualTypeOf<TensorDict>();
    untyped.set("b", new Composite({ c: new Binary({ n: 1 }) }));
    expectTypeOf(untyped.get("b")).toEqualTypeOf<TensorSpec | Composite>();
  });
});

describe("Composite assignability", () => {
  it("a typed Composite is a plain Composite", () => {
    const typed = new Composite({ a: new Unbounded({ shape: [2] }) }, []);
    const plain: Composite = typed;
    expectTypeOf(plain.zero()).toEqualTypeOf<ReturnType<Composite["zero"]>>();
    expectTypeOf(typed.zero().getHost("a")).toEqualTypeOf<HostArray<"float32">>();
  });
});
