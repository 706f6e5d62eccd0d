import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "@tdrl/backend";
import { HISTORY_DQN, buildHistoryDqn, trainHistoryDqn } from "./history-dqn";
import { expectExactResume, expectSmokeRun } from "../test/smoke";

const root = mkdtempSync(join(tmpdir(), "history-dqn-"));
beforeAll(async () => {
  await initBackend({ prefer: "wasm" });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("history-dqn", () => {
  it("feeds the network 4 stacked, normalized states and trains on the shaped reward", async () => {
    const config = {
      ...HISTORY_DQN,
      totalFrames: 2048,
      stepsPerBatch: 128,
      initRandomFrames: 512,
      numCells: [32, 32],
      batchSize: 32,
      evalEvery: 1024,
      evalEpisodes: 4,
      checkpointEvery: 1024,
      initStatsFrames: 200,
    };
    const built = buildHistoryDqn(config);
    const root0 = built.env.reset();
    expect(root0.getHost("observation").shape).toEqual([1, 16]);
    const step = built.env.step(built.env.randAction(root0));
    const reward = step.getHost("next.reward").data[0]!;
    const theta = Math.abs(
      built.env.batchSize.length === 1
        ? (built as unknown as { env: { baseEnv: { getState(i: number): Float64Array } } }).env.baseEnv.getState(0)[2]!
        : NaN,
    );
    expect(reward).toBeCloseTo(-theta, 6); // minus the absolute pole angle after the step
    built.dispose();
    await expectSmokeRun(root, "history-dqn", config, trainHistoryDqn, { evals: 2, minReturn: 8 });
  }, 180_000);

  it("resumes exactly: CatFrames' window and the fitted ObservationNorm are part of the checkpoint", async () => {
    const config = {
      ...HISTORY_DQN,
      totalFrames: 1536,
      stepsPerBatch: 128,
      initRandomFrames: 256,
      numCells: [32, 32],
      batchSize: 32,
      evalEvery: 768,
      evalEpisodes: 2,
      checkpointEvery: 512,
      initStatsFrames: 200,
    };
    await expectExactResume(root, "history-dqn", config, trainHistoryDqn, 1024);
  }, 180_000);
});
