// Shared settings of the property-based (fast-check) suites: a fixed seed so CI runs are reproducible, a
// small default run count for CI, and a longer run behind TDRL_FUZZ_RUNS (e.g. TDRL_FUZZ_RUNS=5000).
import fc from "fast-check";

const DEFAULT_RUNS = 150;

/** fast-check parameters: seeded (TDRL_FUZZ_SEED overrides), `TDRL_FUZZ_RUNS` runs or `scale` x the default. */
export function fuzzParams(scale = 1): { seed: number; numRuns: number; endOnFailure: true } {
  const runs = Number(process.env.TDRL_FUZZ_RUNS ?? Math.ceil(DEFAULT_RUNS * scale));
  const seed = Number(process.env.TDRL_FUZZ_SEED ?? 20261207);
  if (!(Number.isSafeInteger(runs) && runs > 0))
    throw new Error(`TDRL_FUZZ_RUNS must be a positive integer, got ${process.env.TDRL_FUZZ_RUNS}`);
  return { seed, numRuns: runs, endOnFailure: true };
}

/** Numbers a hostile caller may pass: NaN, infinities, huge, fractional, negative zero, and ordinary ones. */
export const hostileNumber = (): fc.Arbitrary<number> =>
  fc.oneof(
    fc.constantFrom(
      Number.NaN,
      Infinity,
      -Infinity,
      -0,
      1e12,
      -1e12,
      2 ** 31,
      -(2 ** 31) - 1,
      256,
      -1,
      0.5,
      1e39,
      3.4028235e38,
    ),
    fc.integer({ min: -300, max: 300 }),
    fc.double({ noDefaultInfinity: false }),
  );

/**
 * Runs `act`; if it throws, the message must contain `mustName` (the bad value, as the caller would write
 * it); if it returns, the result is checked by the caller. Returns whether it threw.
 */
export function throwsNaming(act: () => unknown, mustName: readonly string[]): boolean {
  try {
    act();
    return false;
  } catch (error) {
    const message = (error as Error).message;
    if (!mustName.some((s) => message.includes(s))) {
      throw new Error(`error does not name any of ${JSON.stringify(mustName)}: ${message}`);
    }
    return true;
  }
}
