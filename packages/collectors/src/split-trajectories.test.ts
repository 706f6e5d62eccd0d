import { describe, expect, it } from "vitest";
import { HostArray, TensorDict } from "@tdrl/tensordict";
import { splitTrajectories } from "./split-trajectories";

describe("splitTrajectories", () => {
  it("cuts [envs, T] into [numTrajs, maxLen] in id order, zero-padded, with a mask, nested keys included", () => {
    const batch = new TensorDict(
      {
        obs: HostArray.from("float32", [2, 4, 2], [1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8]),
        next: { reward: HostArray.from("float32", [2, 4, 1], [10, 20, 30, 40, 50, 60, 70, 80]) },
        collector: { traj_ids: HostArray.from("int32", [2, 4], [0, 0, 3, 3, 1, 2, 2, 2]) },
      },
      [2, 4],
    );
    const out = splitTrajectories(batch);
    expect(out.batchSize).toEqual([4, 3]);
    expect(Array.from(out.getHost("collector.traj_ids").data)).toEqual([0, 0, 0, 1, 0, 0, 2, 2, 2, 3, 3, 0]);
    expect(Array.from(out.getHost("collector.mask").data)).toEqual([1, 1, 0, 1, 0, 0, 1, 1, 1, 1, 1, 0]);
    expect(out.getHost("obs").shape).toEqual([4, 3, 2]);
    expect(Array.from(out.getHost("obs").data)).toEqual([
      1, 1, 2, 2, 0, 0, 5, 5, 0, 0, 0, 0, 6, 6, 7, 7, 8, 8, 3, 3, 4, 4, 0, 0,
    ]);
    expect(Array.from(out.getHost("next.reward").data)).toEqual([10, 20, 0, 50, 0, 0, 60, 70, 80, 30, 40, 0]);
  });

  it("works on a single env's [T] batch and refuses a batch without ids or with a split id", () => {
    const one = TensorDict.from(
      { x: HostArray.from("int32", [3], [1, 2, 3]), collector: { traj_ids: HostArray.from("int32", [3], [5, 6, 6]) } },
      [3],
    );
    expect(splitTrajectories(one).batchSize).toEqual([2, 2]);
    expect(() => splitTrajectories(TensorDict.from({ x: HostArray.zeros("int32", [3]) }, [3]))).toThrow(
      /no "collector.traj_ids" entry/,
    );
    const split = TensorDict.from({ collector: { traj_ids: HostArray.from("int32", [3], [1, 2, 1]) } }, [3]);
    expect(() => splitTrajectories(split)).toThrow(/trajectory id 1 appears in two separate runs/);
  });
});
