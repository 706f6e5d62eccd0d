import { describe, expect, it } from "vitest";
import { formatRecord } from "./program-cli";
import type { LoopRecord } from "./train-loop";

const row = (frames: number, evalMean?: number): LoopRecord => ({
  frames,
  updates: frames / 16,
  episodes: 10,
  seconds: frames / 100,
  framesPerSecond: 100,
  eps: 0.5,
  trainReward: 21.5,
  loss: 0.0123,
  ...(evalMean === undefined ? {} : { evalMean }),
});

describe("formatRecord", () => {
  it("shows frames/s, epsilon, loss, the last evaluation and the time left", () => {
    const context = { totalFrames: 10_000, lastEval: null };
    expect(formatRecord(row(4000), context)).toBe("frames 4000 | episodes 10 | return 21.5 | loss 0.0123 | eps 0.500 | 100 frames/s | 1m 00s left");
    expect(formatRecord(row(5000, 42), context)).toContain("| eval 42.0 | 50s left");
    expect(formatRecord(row(6000), { totalFrames: 10_000, lastEval: 42 })).toContain("| eval 42.0 (last) | 40s left");
    expect(formatRecord(row(10_000), context)).toMatch(/\| done$/);
  });

  it("leaves out what it does not know", () => {
    const line = formatRecord({ ...row(100), loss: Number.NaN, trainReward: Number.NaN });
    expect(line).toBe("frames 100 | episodes 10 | return - | loss - | eps 0.500 | 100 frames/s");
  });
});
