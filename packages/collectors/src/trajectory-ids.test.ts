import { describe, expect, it } from "vitest";
import { HostArray } from "@tdrl/tensordict";
import { TrajectoryIds } from "./trajectory-ids";

describe("TrajectoryIds", () => {
  it("starts at 0..n-1 and gives reset sub-envs fresh ids in order", () => {
    const ids = new TrajectoryIds([2, 2]);
    expect(ids.snapshot().shape).toEqual([2, 2]);
    expect(Array.from(ids.snapshot().data)).toEqual([0, 1, 2, 3]);
    ids.renew(HostArray.from("bool", [2, 2, 1], [0, 1, 0, 1]));
    expect(Array.from(ids.snapshot().data)).toEqual([0, 4, 2, 5]);
    ids.renew();
    expect(Array.from(ids.snapshot().data)).toEqual([6, 7, 8, 9]);
    expect(ids.state()).toEqual({ current: [6, 7, 8, 9], next: 10 });
  });

  it("round-trips its state and refuses a bad one unchanged", () => {
    const ids = new TrajectoryIds([2]);
    expect(() => ids.renew(HostArray.zeros("bool", [3]))).toThrow(/the mask has 3 flags, the env batch has 2 sub-envs/);
    expect(() => ids.loadState({ current: [1], next: 5 })).toThrow(/"current" must list 2 ids/);
    expect(() => ids.loadState({ current: [1, 7], next: 5 })).toThrow(
      /"next" must be an integer above every current id \(7\), got 5/,
    );
    expect(ids.state()).toEqual({ current: [0, 1], next: 2 });
    ids.loadState({ current: [7, 3], next: 9 });
    ids.renew(HostArray.from("bool", [2], [1, 0]));
    expect(ids.state()).toEqual({ current: [9, 3], next: 10 });
  });
});
