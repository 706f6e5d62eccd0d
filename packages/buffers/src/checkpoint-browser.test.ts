import { initBackend } from "@tdrl/backend";
import { describe, expect, it } from "vitest";
import * as browser from "./checkpoint.browser";
import * as node from "./checkpoint";
import { LazyTensorStorage } from "./lazy-tensor-storage";
import { RandomSampler } from "./random-sampler";
import { RoundRobinWriter } from "./round-robin-writer";

describe("checkpoint.browser (what the browser build uses instead of checkpoint.ts)", () => {
  it("has the same exports as checkpoint.ts", () => {
    expect(Object.keys(browser).sort()).toEqual(Object.keys(node).sort());
  });

  it("refuses with an error that names the directory and says it needs Node", async () => {
    await initBackend({ prefer: "cpu" });
    const parts = { storage: new LazyTensorStorage(4), sampler: new RandomSampler(), writer: new RoundRobinWriter() };
    expect(() => browser.saveCheckpoint("/tmp/rb", parts)).toThrow(
      'Saving a replay buffer checkpoint to "/tmp/rb" writes and reads files, which needs Node',
    );
    expect(() => browser.loadCheckpoint("runs/rb", parts)).toThrow(
      /"runs\/rb" writes and reads files, which needs Node/,
    );
  });
});
