import { describe, expect, it } from "vitest";
import { Progress, duration, type ProgressOptions } from "./progress";

function setup(options: Partial<ProgressOptions> & { tty: boolean; columns?: number }) {
  const clock = { t: 0 };
  const writes: string[] = [];
  const progress = new Progress({
    totalFrames: 100_000,
    now: () => clock.t,
    ...options,
    stream: { write: (s: string) => writes.push(s), columns: options.columns },
  });
  return { clock, writes, progress };
}

describe("Progress", () => {
  it("formats frames, rate, epsilon, loss, eval and time left", () => {
    const { clock, progress } = setup({ tty: false });
    progress.update({ frames: 0 });
    expect(progress.format({ frames: 0 })).toBe("frames 0/100,000 (0%) | -- f/s | ETA --");
    clock.t = 10_000;
    progress.update({ frames: 25_000, epsilon: 0.5, loss: 0.012345, lastEval: 187.25 });
    expect(progress.format({ frames: 25_000, epsilon: 0.5, loss: 0.012345, lastEval: 187.25 })).toBe(
      "frames 25,000/100,000 (25.0%) | 2,500 f/s | eps 0.500 | loss 0.0123 | eval 187.3 | ETA 30s",
    );
    expect(progress.format({ frames: 100_000 })).toBe("frames 100,000/100,000 (100%) | 2,500 f/s | done");
  });

  it("without a TTY prints a whole line every interval, carrying fields forward", () => {
    const { clock, writes, progress } = setup({ tty: false, intervalMs: 10_000 });
    for (let s = 0; s <= 30; s++) {
      clock.t = 1000 * s;
      progress.update(s === 5 ? { frames: 1000 * s, loss: 0.5 } : { frames: 1000 * s, epsilon: 1 - s / 100 });
    }
    expect(writes).toEqual([
      "frames 0/100,000 (0%) | -- f/s | eps 1.000 | ETA --\n",
      "frames 10,000/100,000 (10.0%) | 1,000 f/s | eps 0.900 | loss 0.500 | ETA 1m 30s\n",
      "frames 20,000/100,000 (20.0%) | 1,000 f/s | eps 0.800 | loss 0.500 | ETA 1m 20s\n",
      "frames 30,000/100,000 (30.0%) | 1,000 f/s | eps 0.700 | loss 0.500 | ETA 1m 10s\n",
    ]);
    progress.log("checkpoint written");
    progress.done({ frames: 30_000, lastEval: 12 });
    expect(writes.slice(4)).toEqual([
      "checkpoint written\n",
      "frames 30,000/100,000 (30.0%) | 1,000 f/s | eps 0.700 | loss 0.500 | eval 12.0 | ETA 1m 10s\n",
    ]);
  });

  it("on a TTY rewrites one line, throttled, and keeps it under log messages", () => {
    const { clock, writes, progress } = setup({ tty: true, redrawMs: 100, columns: 40 });
    for (let ms = 0; ms <= 250; ms += 10) {
      clock.t = ms;
      progress.update({ frames: ms * 10 });
    }
    expect(writes).toHaveLength(3); // t = 0, 100, 200
    expect(writes.every((w) => w.startsWith("\r\x1b[K") && !w.includes("\n"))).toBe(true);
    expect(writes[2]).toBe(`\r\x1b[K${"frames 2,000/100,000 (2.0%) | 10,000 f/s | ETA 10s".slice(0, 39)}`);
    progress.log("eval: 200.0");
    expect(writes[3]).toBe(`\r\x1b[Keval: 200.0\n${writes[2]!.slice(4)}`);
    progress.done();
    expect(writes[4]).toBe("\r\x1b[Kframes 2,500/100,000 (2.5%) | 10,000 f/s | ETA 10s\n");
  });

  it("measures the rate over a trailing window, so it follows a slowdown", () => {
    const { clock, progress } = setup({ tty: false, windowMs: 10_000 });
    let frames = 0;
    for (let s = 1; s <= 60; s++) {
      frames += s <= 30 ? 2000 : 500;
      clock.t = 1000 * s;
      progress.update({ frames });
    }
    expect(progress.format({ frames })).toContain("| 500 f/s |");
  });

  it("refuses a bad total and formats durations", () => {
    expect(() => new Progress({ totalFrames: 0 })).toThrow("Progress: totalFrames must be a positive number, got 0");
    expect([duration(0), duration(59.6), duration(75), duration(3725), duration(90_000)]).toEqual([
      "0s",
      "1m 00s",
      "1m 15s",
      "1h 02m",
      "25h 00m",
    ]);
  });
});
