import { CountingEnv } from "@tdrl/envs";
import { HostArray, type TensorDict } from "@tdrl/tensordict";
import { describe, expect, it } from "vitest";
import { MultiSyncDataCollector } from "./multi-sync-data-collector";
import { splitTrajectories } from "./split-trajectories";
import { SyncDataCollector } from "./sync-data-collector";

const FIXTURES = new URL("../test/collector-worker-fixtures.ts", import.meta.url);
const policy = (td: TensorDict) => td.set("action", HostArray.zeros("int32", [...td.batchSize]));

describe("collectors refuse unknown options", () => {
  it("names the unknown key before starting anything", () => {
    expect(
      () => new SyncDataCollector(new CountingEnv(), policy, { framesPerBatch: 4, frames_per_batch: 4 } as never),
    ).toThrow('SyncDataCollector: unknown option "frames_per_batch"');
    expect(
      () => new SyncDataCollector(new CountingEnv(), policy, { framesPerBatch: 4, frames_per_batch: 4 } as never),
    ).toThrow("did you mean framesPerBatch?");
    const env = { module: FIXTURES, exportName: "makeCartPole" };
    const pol = { module: FIXTURES, exportName: "makeRandomPolicy" };
    expect(() => new MultiSyncDataCollector(env, pol, { framesPerBatch: 4, num_workers: 2 } as never)).toThrow(
      'MultiSyncDataCollector: unknown option "num_workers"',
    );
    expect(() => splitTrajectories(new CountingEnv().reset(), { traj_key: "x" } as never)).toThrow(
      'splitTrajectories: unknown option "traj_key"',
    );
  });
});
