import "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { HostArray } from "../host-array";
import { Rng } from "../rng/rng";
import { TensorDict } from "../tensordict";
import { Binary } from "./binary";
import { Bounded } from "./bounded";
import { Categorical } from "./categorical";
import { Composite, type SpecRecord } from "./composite";
import { OneHot } from "./one-hot";
import { Unbounded } from "./unbounded";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

/** A batched env's specs: 2 envs, 3-dim observations, 2 discrete actions. */
function envSpec() {
  return new Composite(
    {
      observation: new Bounded({ low: -1, high: 1, shape: [2, 3] }),
      action: new Categorical({ n: 2, shape: [2] }),
      next: {
        reward: new Unbounded({ shape: [2, 1] }),
        done: new Binary({ shape: [2, 1] }),
      },
    },
    [2],
  );
}

/** A TensorDict that fits `envSpec()`. */
function validTd(): TensorDict {
  return new TensorDict(
    {
      observation: HostArray.from("float32", [2, 3], [0, 0.5, -1, 1, 0, 0]),
      action: HostArray.from("int32", [2], [1, 0]),
      next: {
        reward: HostArray.from("float32", [2, 1], [1.5, -2]),
        done: HostArray.from("bool", [2, 1], [0, 1]),
      },
    },
    [2],
  );
}

describe("Composite: structure", () => {
  it("turns nested records into Composites with the same batch size", () => {
    const spec = envSpec();
    expect(spec.batchSize).toEqual([2]);
    expect(spec.keys()).toEqual(["observation", "action", "next"]);
    expect(spec.keys({ nested: true })).toEqual(["observation", "action", "next", "next.reward", "next.done"]);
    expect(spec.keys({ nested: true, leavesOnly: true })).toEqual([
      "observation",
      "action",
      "next.reward",
      "next.done",
    ]);
    const next = spec.get("next");
    expect(next).toBeInstanceOf(Composite);
    expect((next as Composite).batchSize).toEqual([2]);
    expect(spec.get(["next", "done"])).toBeInstanceOf(Binary);
    expect(spec.leaves().map(([path, s]) => `${path}:${s.kind}`)).toEqual([
      "observation:Bounded",
      "action:Categorical",
      "next.reward:Unbounded",
      "next.done:Binary",
    ]);
  });

  it("rejects leaf shapes that do not start with the batch size, naming the full key", () => {
    expect(() => new Composite({ next: { reward: new Unbounded({ shape: [1] }) } }, [4])).toThrow(
      'Composite: the spec at "next.reward" has shape [1], which does not start with the batch size [4]',
    );
    expect(() => new Composite({ sub: new Composite({}, [3]) }, [4])).toThrow(
      'Composite: the Composite at "sub" has batch size [3], which does not start with the batch size [4]',
    );
    expect(
      new Composite({ sub: new Composite({ x: new Unbounded({ shape: [4, 5, 1] }) }, [4, 5]) }, [4]).keys({
        nested: true,
      }),
    ).toEqual(["sub", "sub.x"]);
  });

  it("rejects entries that are not specs and keys with dots", () => {
    expect(() => new Composite({ a: HostArray.zeros("float32", [1]) } as unknown as SpecRecord)).toThrow(
      'Composite: the entry at "a" must be a spec, a Composite or a plain record of them, got a host array float32[1]',
    );
    expect(() => new Composite({ "a.b": new Unbounded({ shape: [] }) })).toThrow('invalid key "a.b"');
    expect(() => new Composite({}, [-2])).toThrow("Composite: shape [-2] has an invalid dimension -2");
  });

  it("has, get errors, set (creating parents), delete", () => {
    const spec = envSpec();
    expect(spec.has("next.reward")).toBe(true);
    expect(spec.has("next.rewrd")).toBe(false);
    expect(spec.has("observation.x")).toBe(false);
    expect(() => spec.get("next.rewrd")).toThrow(
      'Composite.get("next.rewrd"): no key "rewrd" in "next"; keys are: reward, done',
    );
    expect(() => spec.get("observation.x")).toThrow(
      '"observation" is a leaf spec (Bounded(shape=[2, 3], dtype=float32, low=-1, high=1)), not a Composite',
    );

    spec.set("info.stats.steps", new Unbounded({ shape: [2], dtype: "int32" }));
    expect(spec.get("info")).toBeInstanceOf(Composite);
    expect(spec.keys({ nested: true, leavesOnly: true })).toContain("info.stats.steps");
    expect(() => spec.set("info.bad", new Unbounded({ shape: [3] }))).toThrow(
      'Composite.set("info.bad"): the spec at "info.bad" has shape [3], which does not start with the batch size [2]',
    );
    expect(spec.has("info.bad")).toBe(false);
    expect(() => spec.set("observation.x", new Unbounded({ shape: [2] }))).toThrow(
      'Composite.set("observation.x"): "observation" is a leaf spec',
    );
    spec.set("extra", { a: new Unbounded({ shape: [2] }) });
    expect(spec.get("extra.a")).toBeInstanceOf(Unbounded);

    spec.delete("next.done");
    expect(spec.keys({ nested: true })).not.toContain("next.done");
    expect(() => spec.delete("next.done")).toThrow('Composite.delete("next.done"): no key "done" in "next"');
  });
});

describe("Composite: values", () => {
  it("zero builds a TensorDict of zeros with the batch size, shapes and dtypes", () => {
    const td = envSpec().zero();
    expect(td).toBeInstanceOf(TensorDict);
    expect(td.batchSize).toEqual([2]);
    expect(td.keys({ nested: true, leavesOnly: true })).toEqual(["observation", "action", "next.reward", "next.done"]);
    const done = td.getHost("next.done");
    expect(done.dtype).toBe("bool");
    expect(done.shape).toEqual([2, 1]);
    expect([...td.getHost("observation").data]).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it("a nested Composite with a longer batch size becomes a nested TensorDict with that batch size", () => {
    const spec = new Composite({ agents: new Composite({ obs: new Unbounded({ shape: [2, 3, 4] }) }, [2, 3]) }, [2]);
    const td = spec.zero();
    expect(td.get("agents").batchSize).toEqual([2, 3]);
    expect(spec.isInRange(td)).toBe(true);
  });

  it("rand is in range and reproducible with a seeded rng", () => {
    const spec = envSpec();
    const a = spec.rand(new Rng(11));
    spec.assert(a);
    const b = spec.rand(new Rng(11));
    const c = spec.rand(new Rng(12));
    expect([...a.getHost("observation").data]).toEqual([...b.getHost("observation").data]);
    expect([...a.getHost("next.reward").data]).toEqual([...b.getHost("next.reward").data]);
    expect([...a.getHost("observation").data]).not.toEqual([...c.getHost("observation").data]);
  });

  it("assert passes a valid TensorDict, extra keys included", () => {
    const td = validTd();
    td.set("next.info", HostArray.zeros("float32", [2, 7]));
    td.set("collector", { traj: HostArray.zeros("int32", [2]) });
    expect(() => envSpec().assert(td)).not.toThrow();
    expect(envSpec().isInRange(td)).toBe(true);
  });

  it("assert accepts tensor leaves and reads their values", () => {
    const td = validTd();
    td.set("observation", tf.tensor([0, 0, 0, 0, 0, 2], [2, 3]));
    expect(() => envSpec().assert(td)).toThrow(
      'Bounded.assert("observation"): value 2 at index [1, 2] is out of bounds [-1, 1]',
    );
    td.set("observation", tf.zeros([2, 3]));
    expect(envSpec().isInRange(td)).toBe(true);
  });

  it("a wrong shape fails naming the full path", () => {
    const td = validTd();
    td.set("next.reward", HostArray.zeros("float32", [2]));
    expect(() => envSpec().assert(td)).toThrow('Unbounded.assert("next.reward"): expected shape [2, 1], got [2]');
    expect(envSpec().isInRange(td)).toBe(false);
  });

  it("a wrong dtype fails naming the full path", () => {
    const td = validTd();
    td.set("next.done", HostArray.zeros("uint8", [2, 1]));
    expect(() => envSpec().assert(td)).toThrow('Binary.assert("next.done"): expected dtype bool, got uint8');
  });

  it("an out-of-range value fails naming the path, value, index and bounds", () => {
    const td = validTd();
    td.set("action", HostArray.from("int32", [2], [1, 2]));
    expect(() => envSpec().assert(td)).toThrow(
      'Categorical.assert("action"): value 2 at index [1] is out of range [0, 2)',
    );
  });

  it("a missing key fails naming it and listing the keys found", () => {
    const td = validTd();
    td.delete("next.reward");
    expect(() => envSpec().assert(td)).toThrow(
      'Composite.assert: missing key "next.reward"; the TensorDict has keys: observation, action, next, next.done',
    );
    expect(envSpec().isInRange(td)).toBe(false);
  });

  it("a leaf where a nested TensorDict belongs, and the reverse, fail naming the path", () => {
    const td = validTd();
    td.delete("next");
    td.set("next", HostArray.zeros("float32", [2]));
    expect(() => envSpec().assert(td)).toThrow(
      'Composite.assert: "next" is a host array float32[2], but the spec has a Composite there',
    );
    const td2 = validTd();
    td2.delete("action");
    td2.set("action", { index: HostArray.zeros("int32", [2]) });
    expect(() => envSpec().assert(td2)).toThrow(
      'Composite.assert: "action" is a nested TensorDict, but the spec has a leaf there: Categorical(n=2, shape=[2], dtype=int32)',
    );
  });

  it("strict rejects keys the spec does not have, at any depth", () => {
    const td = validTd();
    expect(() => envSpec().assert(td, { strict: true })).not.toThrow();
    td.set("next.info", HostArray.zeros("float32", [2]));
    expect(() => envSpec().assert(td, { strict: true })).toThrow(
      'Composite.assert: unexpected key "next.info" (strict); the spec has keys: next.reward, next.done',
    );
    expect(envSpec().isInRange(td, { strict: true })).toBe(false);
    expect(envSpec().isInRange(td)).toBe(true);
  });

  it("rejects something that is not a TensorDict", () => {
    expect(() => envSpec().assert({} as TensorDict)).toThrow(
      "Composite.assert: expected a TensorDict, got a plain object",
    );
  });

  it("project projects every covered leaf and carries other keys over unchanged", () => {
    const spec = new Composite({
      action: new Bounded({ low: 0, high: 1, shape: [3] }),
      choice: { k: new OneHot({ n: 3 }) },
    });
    const extra = HostArray.from("float32", [2], [7, 8]);
    const td = new TensorDict({
      action: HostArray.from("float32", [3], [-1, 0.25, 4]),
      choice: { k: HostArray.from("float32", [3], [0.1, 0.2, 0.9]) },
      extra,
    });
    const out = spec.project(td);
    expect([...out.getHost("action").data]).toEqual([0, 0.25, 1]);
    expect(out.getHost("choice.k").dtype).toBe("bool");
    expect([...out.getHost("choice.k").data]).toEqual([0, 0, 1]);
    expect((out as unknown as TensorDict).get("extra")).toBe(extra);
    expect([...td.getHost("action").data]).toEqual([-1, 0.25, 4]);
    expect(spec.isInRange(out)).toBe(true);
  });

  it("project needs host leaves for every covered key", () => {
    const spec = new Composite({ a: new Unbounded({ shape: [1] }) });
    expect(() => spec.project(new TensorDict({}))).toThrow(
      'Composite.project: "a" must be a host array (it is missing)',
    );
    expect(() => spec.project(new TensorDict({ a: tf.zeros([1]) }))).toThrow(
      'Composite.project: "a" must be a host array (found a tensor float32[1])',
    );
  });
});

describe("Composite: whole-spec operations", () => {
  it("expand takes the whole new batch size (TorchRL's): new leading dims go on every leaf, nested ones included", () => {
    const big = envSpec().expand([5, 2]);
    expect(big.batchSize).toEqual([5, 2]);
    expect((big.get("next") as Composite).batchSize).toEqual([5, 2]);
    expect((big.get("next.reward") as Unbounded).shape).toEqual([5, 2, 1]);
    const obs = big.get("observation") as Bounded;
    expect(obs.shape).toEqual([5, 2, 3]);
    expect(obs.high.size).toBe(30);
    const td = big.rand(new Rng(1));
    expect(td.batchSize).toEqual([5, 2]);
    big.assert(td);
    expect(() => envSpec().expand([-1])).toThrow("Composite.expand: shape [-1] has an invalid dimension -1");
    expect(envSpec().expand([2]).equals(envSpec())).toBe(true);
  });

  it("expand refuses a shape not ending with the batch size, naming both (the batch-dims-only call of tdrl < 0.2)", () => {
    const spec = envSpec();
    expect(() => spec.expand([5])).toThrow(
      "Composite.expand: the new shape [5] must end with the batch size [2] (the whole new batch size, as TorchRL's expand: to add batch dims [5], give [5, 2])",
    );
    expect(() => spec.expand([])).toThrow("Composite.expand: the new shape [] must end with the batch size [2]");
    expect(() => spec.expand([2, 3])).toThrow("must end with the batch size [2]");
    expect(spec.batchSize).toEqual([2]);
  });

  it("clone is deep; equals compares batch size, keys (in any order) and specs", () => {
    const spec = envSpec();
    const copy = spec.clone();
    expect(copy.equals(spec)).toBe(true);
    copy.delete("next.done");
    expect(spec.has("next.done")).toBe(true);
    expect(copy.equals(spec)).toBe(false);
    const reordered = new Composite(
      {
        next: { done: new Binary({ shape: [2, 1] }), reward: new Unbounded({ shape: [2, 1] }) },
        action: new Categorical({ n: 2, shape: [2] }),
        observation: new Bounded({ low: -1, high: 1, shape: [2, 3] }),
      },
      [2],
    );
    expect(reordered.equals(spec)).toBe(true);
    expect(spec.expand([1, 2]).equals(spec)).toBe(false);
    const changed = envSpec();
    changed.set("action", new Categorical({ n: 3, shape: [2] }));
    expect(changed.equals(spec)).toBe(false);
    expect(spec.equals(spec.zero())).toBe(false);
  });

  it("toString lists the nested specs", () => {
    expect(envSpec().toString()).toBe(
      [
        "Composite(batchSize=[2]) {",
        "  observation: Bounded(shape=[2, 3], dtype=float32, low=-1, high=1)",
        "  action: Categorical(n=2, shape=[2], dtype=int32)",
        "  next: Composite(batchSize=[2]) {",
        "    reward: Unbounded(shape=[2, 1], dtype=float32)",
        "    done: Binary(n=1, shape=[2, 1], dtype=bool)",
        "  }",
        "}",
      ].join("\n"),
    );
  });
});
