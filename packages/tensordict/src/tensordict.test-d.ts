import type { Tensor } from "@tensorflow/tfjs-core";
import { describe, expectTypeOf, it } from "vitest";
import { HostArray } from "./host-array";
import type { Bool, Float32, Int32, Leaf } from "./leaf";
import { TensorDict } from "./tensordict";

type Step = { observation: Float32; action: Int32; next: { reward: Float32; done: Bool } };
declare const td: TensorDict<Step>;

describe("typed TensorDict keys", () => {
  it("types leaves and nested records by path", () => {
    expectTypeOf(td.get("next.reward")).toEqualTypeOf<Float32>();
    expectTypeOf(td.get(["next", "done"])).toEqualTypeOf<Bool>();
    expectTypeOf(td.get("next")).toEqualTypeOf<TensorDict<{ reward: Float32; done: Bool }>>();
    expectTypeOf(td.getHost("action")).toEqualTypeOf<HostArray<"int32">>();
    expectTypeOf(td.getHost(["next", "done"])).toEqualTypeOf<HostArray<"bool">>();
    expectTypeOf(td.getTensor("observation")).toEqualTypeOf<Tensor>();
  });

  it("rejects unknown paths at compile time", () => {
    // @ts-expect-error: typo in a tuple path
    td.get(["next", "rewrd"]);
    // @ts-expect-error: typo in a dotted path
    td.get("next.rewrd");
    // @ts-expect-error: getHost needs a leaf path
    td.getHost("next");
    // @ts-expect-error: not a key
    td.has("obs");
    // @ts-expect-error: not a key
    td.select("observation", "nope");
  });

  it("checks leaf dtypes on set", () => {
    td.set("observation", HostArray.zeros("float32", [4, 4]));
    td.set("next.done", HostArray.zeros("bool", [4, 1]));
    // @ts-expect-error: observation is float32
    td.set("observation", HostArray.zeros("int32", [4]));
    // @ts-expect-error: unknown key on a typed record
    td.set("next.extra", HostArray.zeros("float32", [4]));
  });

  it("keeps the schema through batch operations", () => {
    expectTypeOf(td.index(0)).toEqualTypeOf<TensorDict<Step>>();
    expectTypeOf(TensorDict.stack([td, td])).toEqualTypeOf<TensorDict<Step>>();
    expectTypeOf(td.toTensors()).toEqualTypeOf<TensorDict<Step>>();
    expectTypeOf(td.select("observation")).toEqualTypeOf<TensorDict<Step>>();
  });

  it("a typed record is an untyped one, not the other way round", () => {
    const untyped: TensorDict = td;
    expectTypeOf(untyped.get("anything")).toEqualTypeOf<Leaf | TensorDict>();
    expectTypeOf(untyped.getHost("a.b")).toEqualTypeOf<HostArray>();
    // @ts-expect-error: an untyped record does not promise the schema
    const typed: TensorDict<Step> = untyped;
    void typed;
    // @ts-expect-error: different schemas are different types
    const other: TensorDict<{ observation: Int32 }> = td;
    void other;
  });

  it("infers the schema with TensorDict.from", () => {
    const f = TensorDict.from({ a: HostArray.zeros("float32", [2]), b: { c: HostArray.zeros("bool", [2]) } }, [2]);
    expectTypeOf(f.getHost("b.c")).toEqualTypeOf<HostArray<"bool">>();
    expectTypeOf(f.getHost("a")).toEqualTypeOf<HostArray<"float32">>();
    // @ts-expect-error: inferred schema has no key d
    f.get("d");
  });
});
