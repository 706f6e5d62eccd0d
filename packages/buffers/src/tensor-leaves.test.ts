import * as tf from "@tensorflow/tfjs-core";
import { HostArray, TensorDict } from "@tdrl/tensordict";
import { initBackend } from "@tdrl/backend";
import { beforeAll, describe, expect, it } from "vitest";
import { LazyTensorStorage } from "./lazy-tensor-storage";
import { ListStorage } from "./list-storage";
import { RoundRobinWriter } from "./round-robin-writer";

beforeAll(async () => {
  await initBackend({ prefer: "cpu" });
});

describe("tensor leaves passed to extend", () => {
  it("are read to the host; an int32 tensor fills a uint8 key", () => {
    const s = new LazyTensorStorage(4);
    const w = new RoundRobinWriter();
    w.extend(
      s,
      new TensorDict({ px: HostArray.from("uint8", [1, 2], [1, 2]), v: HostArray.from("float32", [1], [0.5]) }, [1]),
    );
    const px = tf.tensor([7, 250], [1, 2], "int32");
    const v = tf.tensor([1.5], [1], "float32");
    w.extend(s, new TensorDict({ px, v }, [1]));
    const got = s.get(Int32Array.from([1]));
    expect(got.getHost("px").dtype).toBe("uint8");
    expect(Array.from(got.getHost("px").data)).toEqual([7, 250]);
    expect(Array.from(got.getHost("v").data)).toEqual([1.5]);
    const wrong = tf.tensor([1, 2], [1, 2], "float32");
    expect(() => w.extend(s, new TensorDict({ px: wrong, v }, [1]))).toThrow(
      /key "px" is a float32 tensor, the storage holds uint8/,
    );
    expect(s.length).toBe(2);
    tf.dispose([px, v, wrong]);
  });

  it("are copied to the host by ListStorage", () => {
    const s = new ListStorage(2);
    const x = tf.tensor([3, 4], [2], "float32");
    new RoundRobinWriter().extend(s, new TensorDict({ x }, [2]));
    x.dispose();
    expect(Array.from(s.getLeaf("x", Int32Array.from([1, 0])).data)).toEqual([4, 3]);
  });
});
