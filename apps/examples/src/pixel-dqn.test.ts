import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, it } from "vitest";
import { initBackend } from "@tdrl/tensordict";
import { PIXEL_DQN, trainPixelDqn } from "./pixel-dqn";
import { expectSmokeRun } from "./smoke.test-support";

const root = mkdtempSync(join(tmpdir(), "pixel-dqn-"));
beforeAll(async () => {
  await initBackend({ prefer: "wasm" });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("pixel-dqn smoke run", () => {
  it("trains a thousand frames: files, finite metrics, no tensor leak", async () => {
    const config = { ...PIXEL_DQN, totalFrames: 1024, initRandomFrames: 512, updatesPerFrame: 1 / 32, bufferSize: 2048, batchSize: 8, numCells: [32], evalEvery: 512, evalEpisodes: 2, checkpointEvery: 512 };
    await expectSmokeRun(root, "pixel-dqn", config, trainPixelDqn, { evals: 2, minReturn: 8 });
  }, 180_000);
});
