import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, it } from "vitest";
import { initBackend } from "@tdrl/backend";
import { PIXEL_DQN, trainPixelDqn } from "./pixel-dqn";
import { expectExactResume, expectSmokeRun } from "../test/smoke";

const root = mkdtempSync(join(tmpdir(), "pixel-dqn-"));
beforeAll(async () => {
  await initBackend({ prefer: "wasm" });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const config = {
  ...PIXEL_DQN,
  totalFrames: 1024,
  initRandomFrames: 512,
  updatesPerFrame: 1 / 32,
  bufferSize: 2048,
  batchSize: 8,
  numCells: [32],
  evalEvery: 512,
  evalEpisodes: 2,
  checkpointEvery: 512,
};

describe("pixel-dqn", () => {
  it("trains a thousand frames: files, finite metrics, no tensor leak", async () => {
    await expectSmokeRun(root, "pixel-dqn", config, trainPixelDqn, { evals: 2, minReturn: 8 });
  }, 180_000);

  it("resumes exactly: CatFrames' window of the last 4 frames is part of the checkpoint", async () => {
    await expectExactResume(root, "pixel-dqn", { ...config, initRandomFrames: 256 }, trainPixelDqn, 512);
  }, 300_000);
});
