import type { BenchResult } from "../../../bench/harness";

/**
 * Median process CPU time per call (µs). On a shared machine, wall time also counts the time this process
 * waited for a core; CPU time does not, so the note beside a wall-clock figure says how much was waiting.
 */
export function cpuUs(fn: () => unknown, calls = 500, rounds = 15): number {
  const perCall: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const c0 = process.cpuUsage();
    for (let i = 0; i < calls; i++) fn();
    const c = process.cpuUsage(c0);
    perCall.push((c.user + c.system) / calls);
  }
  return perCall.sort((a, b) => a - b)[Math.floor(rounds / 2)]!;
}

/** `r` with a note giving the CPU time of `fn` per call. */
export const withCpu = (r: BenchResult, fn: () => unknown): BenchResult => ({
  ...r,
  note: `process CPU time ${cpuUs(fn).toFixed(1)} µs per call`,
});
