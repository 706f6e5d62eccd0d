import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { beforeAll, describe, expect, it } from "vitest";
import { HostArray } from "./host-array";
import type { Leaf } from "./leaf";
import { TensorDict } from "./tensordict";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

const f32 = (shape: number[], values?: number[]) =>
  values
    ? HostArray.from("float32", shape, values)
    : HostArray.from(
        "float32",
        shape,
        Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => i),
      );

/** A batch of 4 CartPole-like transitions with distinct values everywhere. */
function transitions(n = 4) {
  return new TensorDict(
    {
      observation: f32([n, 4]),
      action: HostArray.from(
        "int32",
        [n],
        Array.from({ length: n }, (_, i) => i % 2),
      ),
      next: {
        observation: HostArray.from(
          "float32",
          [n, 4],
          Array.from({ length: n * 4 }, (_, i) => 100 + i),
        ),
        reward: HostArray.from(
          "float32",
          [n, 1],
          Array.from({ length: n }, (_, i) => i * 10),
        ),
        done: HostArray.from(
          "bool",
          [n, 1],
          Array.from({ length: n }, (_, i) => i === n - 1),
        ),
      },
    },
    [n],
  );
}

const values = (leaf: Leaf) => Array.from(leaf instanceof HostArray ? leaf.data : leaf.dataSync());

describe("TensorDict records", () => {
  it("gets leaves by dotted path and by tuple, and nested records", () => {
    const td = transitions();
    expect(td.getHost("next.reward")).toBe(td.getHost(["next", "reward"]));
    expect(values(td.getHost("next.reward"))).toEqual([0, 10, 20, 30]);
    const next = td.get("next");
    expect(next).toBeInstanceOf(TensorDict);
    expect((next as TensorDict).batchSize).toEqual([4]);
    expect(td.has("next.done")).toBe(true);
    expect(td.has("next.nope")).toBe(false);
    expect(td.has("observation.x")).toBe(false);
    expect(td.numel).toBe(4);
  });

  it("lists keys flat, nested and leaves only", () => {
    const td = transitions();
    expect(td.keys()).toEqual(["observation", "action", "next"]);
    expect(td.keys({ nested: true })).toEqual([
      "observation",
      "action",
      "next",
      "next.observation",
      "next.reward",
      "next.done",
    ]);
    expect(td.keys({ nested: true, leavesOnly: true })).toEqual([
      "observation",
      "action",
      "next.observation",
      "next.reward",
      "next.done",
    ]);
    expect(td.leaves().map(([p]) => p)).toEqual([
      "observation",
      "action",
      "next.observation",
      "next.reward",
      "next.done",
    ]);
  });

  it("set creates missing parents with the batch size", () => {
    const td = new TensorDict({}, [3]);
    td.set("a.b.c", f32([3, 2]));
    expect(td.keys({ nested: true })).toEqual(["a", "a.b", "a.b.c"]);
    expect((td.get("a.b") as TensorDict).batchSize).toEqual([3]);
    td.set(["x"], { y: HostArray.zeros("int32", [3]) });
    expect(td.getHost("x.y").dtype).toBe("int32");
  });

  it("set rejects a shape that does not start with the batch size, naming path and shapes, and changes nothing", () => {
    const td = transitions();
    const before = td.toString();
    expect(() => td.set("next.reward", f32([3]))).toThrow(
      'TensorDict.set("next.reward"): shape [3] does not start with batch size [4]',
    );
    expect(() => td.set("extra.deep.leaf", f32([2]))).toThrow(
      'TensorDict.set("extra.deep.leaf"): shape [2] does not start with batch size [4]',
    );
    expect(td.has("extra")).toBe(false);
    expect(() => td.set("observation.x", f32([4]))).toThrow(
      '"observation" is a host array float32[4, 4], not a TensorDict',
    );
    expect(() => td.set("z", [1, 2, 3] as unknown as HostArray)).toThrow("a JS array of 3 (wrap it in HostArray.from)");
    expect(() => td.set("z", new Float32Array(4) as unknown as HostArray)).toThrow(
      "a Float32Array (wrap it in a HostArray with a shape)",
    );
    expect(td.toString()).toBe(before);
  });

  it("the constructor validates every entry before storing any", () => {
    expect(() => new TensorDict({ a: f32([4]), b: f32([3]) }, [4])).toThrow(
      'TensorDict("b"): shape [3] does not start with batch size [4]',
    );
    expect(() => new TensorDict({ a: new TensorDict({}, [2]) }, [4])).toThrow(
      'TensorDict("a"): batch size [2] does not start with batch size [4]',
    );
  });

  it("a missing key lists the keys that exist", () => {
    const td = transitions();
    expect(() => td.get("next.rewrd")).toThrow(
      'TensorDict.get("next.rewrd"): no key "rewrd" in "next"; keys are: observation, reward, done',
    );
    expect(() => td.get("obs")).toThrow('TensorDict.get("obs"): no key "obs"; keys are: observation, action, next');
    expect(() => td.getHost("next")).toThrow(
      'TensorDict.getHost("next"): the entry is a TensorDict with batch size [4], not a host array',
    );
    expect(() => td.getTensor("action")).toThrow("not a tensor; call toTensors() first");
    expect(() => td.delete("nope")).toThrow('no key "nope"');
  });

  it("select, exclude, rename, delete and update", () => {
    const td = transitions();
    const sel = td.select("observation", "next.reward");
    expect(sel.keys({ nested: true })).toEqual(["observation", "next", "next.reward"]);
    expect(sel.getHost("observation")).toBe(td.getHost("observation"));
    expect(() => td.select("next.nope")).toThrow('no key "nope" in "next"');

    const exc = td.exclude("next.observation", "action", "not-there");
    expect(exc.keys({ nested: true })).toEqual(["observation", "next", "next.reward", "next.done"]);
    expect(td.has("action")).toBe(true);

    td.rename("next.done", "next.terminated");
    expect(td.keys({ nested: true, leavesOnly: true })).toContain("next.terminated");
    expect(td.has("next.done")).toBe(false);
    expect(() => td.rename("action", "observation")).toThrow('"observation" already exists');

    td.delete("next.terminated");
    expect(td.has("next.terminated")).toBe(false);

    td.update({ next: { extra: f32([4, 2]) }, step_count: HostArray.zeros("int32", [4, 1]) });
    expect(td.keys({ nested: true, leavesOnly: true })).toEqual([
      "observation",
      "action",
      "next.observation",
      "next.reward",
      "next.extra",
      "step_count",
    ]);
    const before = td.keys({ nested: true });
    expect(() =>
      td.update(
        new TensorDict({ ok: f32([4]), next: { bad: f32([4]) } }, [4]).set("z", f32([4])).set("next.bad2", f32([4])),
      ),
    ).not.toThrow();
    expect(() => td.update({ a: f32([4]), b: f32([2]) } as never)).toThrow(
      'TensorDict("b"): shape [2] does not start with batch size [4]',
    );
    expect(td.keys({ nested: true }).filter((k) => !before.includes(k))).toEqual(["next.bad", "next.bad2", "ok", "z"]);
  });

  // The top-level-keys paths of exclude and update are the ones every env step takes (stepMdp, resets).
  it("exclude of top-level keys copies nested nodes; a flat update checks every leaf before writing", () => {
    const td = transitions();
    const exc = td.exclude("action", "not-there");
    expect(exc.keys({ nested: true })).toEqual(["observation", "next", "next.observation", "next.reward", "next.done"]);
    expect(exc.get("next")).not.toBe(td.get("next"));
    expect(exc.getHost("next.reward")).toBe(td.getHost("next.reward"));
    exc.delete("next.done");
    expect(td.has("next.done")).toBe(true);

    const obs = f32([4, 3]);
    const flat = new TensorDict({ observation: obs, extra: f32([4]) }, [4]);
    td.update(flat);
    expect(td.getHost("observation")).toBe(obs);
    expect(td.keys()).toEqual(["observation", "action", "next", "extra"]);

    const before = td.getHost("observation");
    const bad = new TensorDict({ other: f32([4]), observation: f32([2, 3]) }, []);
    expect(() => td.update(bad)).toThrow(
      'TensorDict.update("observation"): shape [2, 3] does not start with batch size [4]',
    );
    expect(td.getHost("observation")).toBe(before);
    expect(td.has("other")).toBe(false);
  });

  it("apply maps every leaf; clone copies host data", () => {
    const td = transitions();
    const doubled = td.apply((leaf) =>
      leaf instanceof HostArray && leaf.dtype === "float32"
        ? HostArray.from(
            "float32",
            leaf.shape,
            Array.from(leaf.data, (v) => v * 2),
          )
        : leaf,
    );
    expect(values(doubled.getHost("next.reward"))).toEqual([0, 20, 40, 60]);
    const copy = td.clone();
    copy.getHost("observation").data[0] = -1;
    expect(td.getHost("observation").data[0]).toBe(0);
    expect(copy.keys({ nested: true })).toEqual(td.keys({ nested: true }));
  });

  it("toString lists keys, shapes, dtypes and locations", () => {
    const td = new TensorDict({ a: f32([2, 3]), n: { t: tf.zeros([2], "int32") } }, [2]);
    expect(td.toString()).toBe(
      [
        "TensorDict(batchSize=[2]) {",
        "  a: float32[2, 3] host",
        "  n: TensorDict(batchSize=[2]) {",
        "    t: int32[2] tensor(cpu)",
        "  }",
        "}",
      ].join("\n"),
    );
    td.dispose();
  });
});

describe("TensorDict batch indexing", () => {
  it("an integer removes the dim and returns views", () => {
    const td = transitions();
    const row = td.index(2);
    expect(row.batchSize).toEqual([]);
    expect(values(row.getHost("observation"))).toEqual([8, 9, 10, 11]);
    expect(row.getHost("observation").shape).toEqual([4]);
    row.getHost("observation").data[0] = -5;
    expect(td.getHost("observation").at(2, 0)).toBe(-5);
    expect(values(td.index(-1).getHost("next.reward"))).toEqual([30]);
  });

  it("a contiguous range is a view, a stepped range a copy", () => {
    const td = transitions(6);
    const mid = td.index({ start: 1, stop: 3 });
    expect(mid.batchSize).toEqual([2]);
    expect(values(mid.getHost("action"))).toEqual([1, 0]);
    mid.getHost("action").data[0] = 7;
    expect(td.getHost("action").data[1]).toBe(7);
    const stepped = td.index({ step: 2 });
    expect(values(stepped.getHost("next.reward"))).toEqual([0, 20, 40]);
    stepped.getHost("next.reward").data[0] = 99;
    expect(td.getHost("next.reward").data[0]).toBe(0);
    expect(values(td.index({ step: -2 }).getHost("next.reward"))).toEqual([50, 30, 10]);
    expect(values(td.index({ start: -2 }).getHost("next.reward"))).toEqual([40, 50]);
    expect(td.index({ start: 4, stop: 2 }).batchSize).toEqual([0]);
  });

  it("index arrays pick rows in order, masks keep true rows", () => {
    const td = transitions();
    const picked = td.index([3, 0, 3]);
    expect(values(picked.getHost("observation"))).toEqual([12, 13, 14, 15, 0, 1, 2, 3, 12, 13, 14, 15]);
    expect(values(td.index(Int32Array.of(-1, 1)).getHost("action"))).toEqual([1, 1]);
    const masked = td.index(HostArray.from("bool", [4], [1, 0, 0, 1]));
    expect(values(masked.getHost("next.reward"))).toEqual([0, 30]);
    expect(values(td.index([false, true, true, false]).getHost("next.reward"))).toEqual([10, 20]);
  });

  it("indexes several batch dims; arrays on two dims select the outer product", () => {
    const td = new TensorDict({ x: f32([3, 4, 2]) }, [3, 4]);
    expect(values(td.index(1, 2).getHost("x"))).toEqual([12, 13]);
    expect(td.index({}, 1).batchSize).toEqual([3]);
    expect(values(td.index({}, 1).getHost("x"))).toEqual([2, 3, 10, 11, 18, 19]);
    const outer = td.index([0, 2], [1, 3]);
    expect(outer.batchSize).toEqual([2, 2]);
    expect(values(outer.getHost("x"))).toEqual([2, 3, 6, 7, 18, 19, 22, 23]);
    const mask2d = HostArray.from("bool", [3, 4], [1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0]);
    const valid = td.index(mask2d);
    expect(valid.batchSize).toEqual([3]);
    expect(values(valid.getHost("x"))).toEqual([0, 1, 14, 15, 20, 21]);
  });

  it("nested records with longer batch sizes keep their extra dims", () => {
    const td = new TensorDict({ inner: new TensorDict({ y: f32([2, 3]) }, [2, 3]) }, [2]);
    const row = td.index(1);
    expect((row.get("inner") as TensorDict).batchSize).toEqual([3]);
    expect(values(row.getHost("inner.y"))).toEqual([3, 4, 5]);
  });

  it("rejects bad indices naming the dim and the value", () => {
    const td = transitions();
    expect(() => td.index(4)).toThrow("TensorDict.index: index 4 is out of range for batch dim 0 of size 4");
    expect(() => td.index([0, 9])).toThrow("index 9 is out of range for batch dim 0 of size 4");
    expect(() => td.index(1.5)).toThrow("index 1.5 along batch dim 0 is not an integer");
    expect(() => td.index(0, 0)).toThrow("2 indices for batch size [4]");
    expect(() => td.index({ step: 0 })).toThrow("range step 0 along batch dim 0 must be a non-zero integer");
    expect(() => td.index(HostArray.from("bool", [3], [1, 0, 1]))).toThrow(
      "mask of shape [3] does not match batch dims [4] from dim 0",
    );
  });
});

describe("TensorDict stack and cat", () => {
  it("stacks records along a new leading dim", () => {
    const steps = [0, 1, 2].map((i) => transitions(2).index(i % 2));
    const stacked = TensorDict.stack(steps);
    expect(stacked.batchSize).toEqual([3]);
    expect(stacked.getHost("observation").shape).toEqual([3, 4]);
    expect(values(stacked.getHost("observation"))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3]);
    expect(values(stacked.getHost("next.done"))).toEqual([0, 1, 0]);
    expect(stacked.getHost("next.done").dtype).toBe("bool");
  });

  it("stacks records whose keys were inserted in a different order", () => {
    const a = new TensorDict({ x: f32([1], [1]), y: f32([1], [2]) }, []);
    const b = new TensorDict({ y: f32([1], [20]), x: f32([1], [10]) }, []);
    const s = TensorDict.stack([a, b]);
    expect(values(s.getHost("x"))).toEqual([1, 10]);
    expect(values(s.getHost("y"))).toEqual([2, 20]);
    const c = new TensorDict({ y: f32([1]), z: f32([1]) }, []);
    expect(() => TensorDict.stack([a, c])).toThrow(
      "element 1 has different keys than element 0 (missing: x; extra: z)",
    );
  });

  it("stacks along an inner dim", () => {
    const a = new TensorDict({ x: f32([2, 2]) }, [2]);
    const b = new TensorDict({ x: f32([2, 2], [10, 11, 12, 13]) }, [2]);
    const s = TensorDict.stack([a, b], 1);
    expect(s.batchSize).toEqual([2, 2]);
    expect(values(s.getHost("x"))).toEqual([0, 1, 10, 11, 2, 3, 12, 13]);
    const last = TensorDict.stack([a, b], -1);
    expect(last.batchSize).toEqual([2, 2]);
  });

  it("concatenates along existing dims", () => {
    const a = new TensorDict({ x: f32([2, 3]) }, [2, 3]);
    const b = new TensorDict({ x: f32([2, 1], [100, 101]) }, [2, 1]);
    const c = TensorDict.cat([a, b], 1);
    expect(c.batchSize).toEqual([2, 4]);
    expect(values(c.getHost("x"))).toEqual([0, 1, 2, 100, 3, 4, 5, 101]);
    const d = TensorDict.cat([transitions(2), transitions(3)]);
    expect(d.batchSize).toEqual([5]);
    expect(values(d.getHost("next.reward"))).toEqual([0, 10, 0, 10, 20]);
  });

  it("names the mismatch when keys, shapes or batch sizes differ", () => {
    const a = transitions(2);
    const b = transitions(2).exclude("next.reward");
    expect(() => TensorDict.stack([a, b])).toThrow(
      "TensorDict.stack: element 1 has different keys than element 0 (missing: next.reward; extra: none)",
    );
    expect(() => TensorDict.stack([a, transitions(3)])).toThrow("element 1 has batch size [3], element 0 has [2]");
    const c = transitions(2).set("observation", f32([2, 5]));
    expect(() => TensorDict.stack([a, c])).toThrow(
      'TensorDict.stack("observation"): element 1 has shape [2, 5], element 0 has [2, 4]',
    );
    const d = transitions(2).set("action", HostArray.zeros("float32", [2]));
    expect(() => TensorDict.cat([a, d])).toThrow(
      'TensorDict.cat("action"): element 1 has dtype float32, element 0 has int32',
    );
    expect(() => TensorDict.stack([])).toThrow("needs at least one TensorDict");
    const e = transitions(2).set("next", f32([2, 3]) as never);
    expect(() => TensorDict.stack([a, e])).toThrow(
      'TensorDict.stack: "next" is a TensorDict with batch size [2] in element 0 but a host array float32[2, 3] in element 1',
    );
    expect(() => TensorDict.cat([new TensorDict({}, [2, 3]), new TensorDict({}, [3, 3])], 1)).toThrow(
      "differs from element 0's [2, 3] outside dim 1",
    );
  });
});

describe("TensorDict batch reshaping", () => {
  it("reshape, flatten, unsqueeze and squeeze act on batch dims only and share host memory", () => {
    const td = new TensorDict({ x: f32([2, 3, 5]), n: { y: HostArray.zeros("int32", [2, 3]) } }, [2, 3]);
    const flat = td.flatten();
    expect(flat.batchSize).toEqual([6]);
    expect(flat.getHost("x").shape).toEqual([6, 5]);
    expect(flat.getHost("n.y").shape).toEqual([6]);
    flat.getHost("x").data[7] = -1;
    expect(td.getHost("x").at(0, 1, 2)).toBe(-1);
    expect(td.reshape([3, -1]).batchSize).toEqual([3, 2]);
    const u = td.unsqueeze(1);
    expect(u.batchSize).toEqual([2, 1, 3]);
    expect(u.getHost("x").shape).toEqual([2, 1, 3, 5]);
    expect(u.squeeze(1).batchSize).toEqual([2, 3]);
    expect(td.unsqueeze(-1).batchSize).toEqual([2, 3, 1]);
    expect(new TensorDict({}, [1, 4, 1]).squeeze().batchSize).toEqual([4]);
    expect(() => td.squeeze(0)).toThrow("TensorDict.squeeze(0): batch dim 0 has size 2, not 1");
    expect(() => td.reshape([4])).toThrow("cannot reshape [2, 3] (6 elements) to [4]");
    expect(() => td.flatten(1, 0)).toThrow("end dim 0 comes before start dim 1");
  });
});

describe("TensorDict on the backend", () => {
  it("toTensors moves leaves in one call, toHost brings them back unchanged", () => {
    const td = transitions();
    td.set("pixels", HostArray.from("uint8", [4, 2], [0, 255, 1, 2, 3, 4, 5, 6]));
    const start = tf.memory().numTensors;
    const onDevice = td.toTensors();
    expect(tf.memory().numTensors - start).toBe(6);
    expect(onDevice.getTensor("next.done").dtype).toBe("bool");
    expect(onDevice.getTensor("pixels").dtype).toBe("int32");
    const back = onDevice.toHost();
    expect(values(back.getHost("observation"))).toEqual(values(td.getHost("observation")));
    expect(values(back.getHost("pixels"))).toEqual([0, 255, 1, 2, 3, 4, 5, 6]);
    expect(back.getHost("next.done").dtype).toBe("bool");
    onDevice.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });

  it("host and backend copies never alias", () => {
    const td = new TensorDict({ x: f32([2]) }, [2]);
    const t = td.toTensors();
    td.getHost("x").data[0] = 42;
    expect(values(t.getTensor("x"))).toEqual([0, 1]);
    const h = t.toHost();
    h.getHost("x").data[1] = 7;
    expect(values(t.getTensor("x"))).toEqual([0, 1]);
    t.dispose();
  });

  it("toTensors(keys) moves only those keys", () => {
    const td = transitions();
    const t = td.toTensors(["observation", "next.reward"]);
    expect(t.keys({ nested: true, leavesOnly: true })).toEqual(["observation", "next.reward"]);
    t.dispose();
  });

  it("toHostAsync matches toHost", async () => {
    const t = transitions().toTensors();
    const a = t.toHost();
    const b = await t.toHostAsync();
    for (const [path, leaf] of a.leaves()) expect(values(b.getHost(path))).toEqual(values(leaf));
    t.dispose();
  });

  it("batch operations on tensor leaves match the host results and leak nothing", () => {
    const host = new TensorDict(
      {
        x: f32([3, 4, 2]),
        n: {
          y: HostArray.from(
            "int32",
            [3, 4],
            Array.from({ length: 12 }, (_, i) => i),
          ),
        },
      },
      [3, 4],
    );
    const dev = host.toTensors();
    const start = tf.memory().numTensors;
    const ops: [string, (td: TensorDict) => TensorDict][] = [
      ["int", (td) => td.index(1)],
      ["range", (td) => td.index({ start: 1 }, { step: 2 })],
      ["array", (td) => td.index([2, 0], [3])],
      ["mask", (td) => td.index(HostArray.from("bool", [3, 4], [1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0]))],
      ["reshape", (td) => td.reshape([12])],
      ["unsqueeze", (td) => td.unsqueeze(0)],
      ["stack", (td) => TensorDict.stack([td, td], 1)],
      ["cat", (td) => TensorDict.cat([td, td], 0)],
      ["clone", (td) => td.clone()],
    ];
    for (const [name, op] of ops) {
      const expected = op(host);
      const got = op(dev);
      expect(got.batchSize, name).toEqual(expected.batchSize);
      for (const [path, leaf] of expected.leaves()) {
        const t = got.getTensor(path);
        expect(t.shape, `${name} ${path}`).toEqual(leaf.shape);
        expect(values(t), `${name} ${path}`).toEqual(values(leaf));
      }
      got.dispose();
    }
    expect(tf.memory().numTensors).toBe(start);
    dev.dispose();
  });

  it("stacking host and tensor leaves together moves them to the backend", () => {
    const a = new TensorDict({ x: f32([2]) }, []);
    const b = a.toTensors();
    const s = TensorDict.stack([a, b]);
    expect(values(s.getTensor("x"))).toEqual([0, 1, 0, 1]);
    s.dispose();
    b.dispose();
  });

  it("rejects tensors of unsupported dtypes", () => {
    const t = tf.complex([1], [2]);
    expect(() => new TensorDict({}, [1]).set("c", t)).toThrow(
      'TensorDict.set("c"): tensor dtype complex64 is not supported',
    );
    t.dispose();
  });
});
