import { HostArray, TensorDict } from "@tdrl/tensordict";
import { describe, expect, it } from "vitest";
import { ListStorage } from "./list-storage";
import { RoundRobinWriter } from "./round-robin-writer";
import { transitions } from "../test/fixtures";

describe("ListStorage", () => {
  it("keeps copies of items and stacks them on get", () => {
    const s = new ListStorage(4);
    const data = transitions(3, 10);
    new RoundRobinWriter().extend(s, data);
    data.getHost("action").data[0] = -1; // the caller reuses its buffer
    const got = s.get(Int32Array.from([2, 0]));
    expect(got.batchSize).toEqual([2]);
    expect(Array.from(got.getHost("action").data)).toEqual([12, 10]);
    expect(got.getHost("pixels").dtype).toBe("uint8");
    expect(Array.from(s.getLeaf("obs", Int32Array.from([1])).data)).toEqual([11, 11.5]);
  });

  it("holds items of different shapes; get needs the picked ones to agree", () => {
    const s = new ListStorage(4);
    s.set(Int32Array.from([0]), new TensorDict({ tokens: HostArray.from("int32", [1, 2], [1, 2]) }, [1]));
    s.set(Int32Array.from([1]), new TensorDict({ tokens: HostArray.from("int32", [1, 3], [3, 4, 5]) }, [1]));
    expect(Array.from(s.get(Int32Array.from([1])).getHost("tokens").data)).toEqual([3, 4, 5]);
    expect(() => s.get(Int32Array.from([0, 1]))).toThrow(/shape/);
    expect(() =>
      s.set(Int32Array.from([3]), new TensorDict({ tokens: HostArray.zeros("int32", [1, 1]) }, [1])),
    ).toThrow(/gap after the 2 stored/);
    expect(s.length).toBe(2);
  });

  it("round-trips its state", () => {
    const s = new ListStorage(4);
    new RoundRobinWriter().extend(s, transitions(2, 5));
    const copy = new ListStorage(4);
    copy.loadState(s.state());
    expect(Array.from(copy.get(Int32Array.from([1, 0])).getHost("next.reward").data)).toEqual([-6, -5]);
    expect(copy.writeCursor).toBe(2);
  });
});
