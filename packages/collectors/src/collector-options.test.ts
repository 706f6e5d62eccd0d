import { describe, expect, it } from "vitest";
import { checkCollectorOptions } from "./collector-options";
import type { SyncDataCollectorOptions } from "./sync-data-collector";

describe("checkCollectorOptions", () => {
  it("fills the defaults", () => {
    expect(checkCollectorOptions({ framesPerBatch: 8 }, "C")).toEqual({
      framesPerBatch: 8,
      totalFrames: -1,
      initRandomFrames: 0,
      maxFramesPerTraj: -1,
      explorationType: "random",
    });
    expect(
      checkCollectorOptions(
        { framesPerBatch: 8, totalFrames: 20, initRandomFrames: 4, maxFramesPerTraj: 5, explorationType: "mode" },
        "C",
      ),
    ).toEqual({
      framesPerBatch: 8,
      totalFrames: 20,
      initRandomFrames: 4,
      maxFramesPerTraj: 5,
      explorationType: "mode",
    });
  });

  it("names the collector, the option and the value of a bad option", () => {
    const bad: [Partial<Record<keyof SyncDataCollectorOptions, unknown>>, string][] = [
      [{ framesPerBatch: 2.5 }, "C: framesPerBatch must be a positive integer, got 2.5"],
      [{ totalFrames: -2 }, "C: totalFrames must be -1 (no end) or a positive integer, got -2"],
      [{ initRandomFrames: -1 }, "C: initRandomFrames must be a non-negative integer, got -1"],
      [{ maxFramesPerTraj: 0 }, "C: maxFramesPerTraj must be -1 (no limit) or a positive integer, got 0"],
      [
        { explorationType: "greedy" },
        'C: explorationType must be one of random, deterministic, mode, mean, got "greedy"',
      ],
      [{ resetAtEachIter: 1 }, "C: resetAtEachIter must be a boolean, got 1"],
      [{ splitTrajs: "yes" }, "C: splitTrajs must be a boolean, got yes"],
      [{ postproc: {} }, "C: postproc must be a function, got object"],
      [{ replayBuffer: {} }, "C: replayBuffer must have an extend() method"],
      [{ seed: 0.5 }, "C: seed must be a safe integer, got 0.5"],
    ];
    for (const [option, message] of bad) {
      expect(() => checkCollectorOptions({ framesPerBatch: 8, ...option } as SyncDataCollectorOptions, "C")).toThrow(
        message,
      );
    }
  });
});
