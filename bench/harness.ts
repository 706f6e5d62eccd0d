import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The benchmark harness every package's `bench/run.ts` uses. Each case is timed in several rounds after a
 * warm-up; the figure reported is the median over rounds (the machine is shared and noisy, so means lie).
 * Results go to `bench/results/<package>.json` at the repository root.
 */
export interface BenchResult {
  name: string;
  /** Median time of one call, in microseconds. */
  medianUs: number;
  p10Us: number;
  p90Us: number;
  rounds: number;
  callsPerRound: number;
  /** Optional derived figure (GFLOP/s, steps/s, ...) computed from the median. */
  metric?: { value: number; unit: string };
  target?: { value: number; unit: string; met: boolean };
  note?: string;
}

export interface MeasureOptions {
  rounds?: number;
  /** Calls per round; when omitted, chosen so that one round takes about `roundMs`. */
  callsPerRound?: number;
  roundMs?: number;
  warmupMs?: number;
}

/** Times `fn` and returns per-call statistics in microseconds. */
export function measure(name: string, fn: () => unknown, options: MeasureOptions = {}): BenchResult {
  const rounds = options.rounds ?? 15;
  const roundMs = options.roundMs ?? 60;
  const warmupEnd = performance.now() + (options.warmupMs ?? 100);
  let _warmCalls = 0;
  do {
    fn();
    _warmCalls++;
  } while (performance.now() < warmupEnd);
  let calls = options.callsPerRound;
  if (calls === undefined) {
    const t0 = performance.now();
    fn();
    const once = Math.max(performance.now() - t0, 1e-4);
    calls = Math.max(1, Math.min(1_000_000, Math.round(roundMs / once)));
  }
  const perCall: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    for (let i = 0; i < calls; i++) fn();
    perCall.push(((performance.now() - t0) * 1000) / calls);
  }
  return summarize(name, perCall, calls);
}

/** The same for an async function, awaited call by call. */
export async function measureAsync(
  name: string,
  fn: () => Promise<unknown>,
  options: MeasureOptions = {},
): Promise<BenchResult> {
  const rounds = options.rounds ?? 10;
  const calls = options.callsPerRound ?? 1;
  const warmupEnd = performance.now() + (options.warmupMs ?? 200);
  do await fn();
  while (performance.now() < warmupEnd);
  const perCall: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    for (let i = 0; i < calls; i++) await fn();
    perCall.push(((performance.now() - t0) * 1000) / calls);
  }
  return summarize(name, perCall, calls);
}

function summarize(name: string, perCallUs: number[], callsPerRound: number): BenchResult {
  const sorted = [...perCallUs].sort((a, b) => a - b);
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * (sorted.length - 1) + 0.5))]!;
  return { name, medianUs: q(0.5), p10Us: q(0.1), p90Us: q(0.9), rounds: sorted.length, callsPerRound };
}

/** Attaches a derived metric, e.g. `withMetric(r, (1e6 / r.medianUs) * flops / 1e9, "GFLOP/s")`. */
export function withMetric(result: BenchResult, value: number, unit: string): BenchResult {
  return { ...result, metric: { value, unit } };
}

/** Attaches a target; `lowerIsBetter` compares the median time (µs) or, when `unit` is the metric's, the metric. */
export function withTarget(result: BenchResult, value: number, unit: string, lowerIsBetter: boolean): BenchResult {
  const actual = unit === "us" ? result.medianUs : result.metric?.unit === unit ? result.metric.value : Number.NaN;
  const met = lowerIsBetter ? actual <= value : actual >= value;
  return { ...result, target: { value, unit, met } };
}

export function printResult(r: BenchResult): void {
  const time = r.medianUs >= 1000 ? `${(r.medianUs / 1000).toFixed(2)} ms` : `${r.medianUs.toFixed(3)} µs`;
  const metric = r.metric ? `  ${r.metric.value.toFixed(2)} ${r.metric.unit}` : "";
  const target = r.target ? `  target ${r.target.value} ${r.target.unit}: ${r.target.met ? "met" : "NOT met"}` : "";
  const note = r.note ? `  (${r.note})` : "";
  console.log(`${r.name.padEnd(64)} ${time.padStart(12)}${metric}${target}${note}`);
}

const resultsDir = join(dirname(fileURLToPath(import.meta.url)), "results");

/** Writes `bench/results/<pkg>.json` with the machine facts beside the results. */
export function writeResults(pkg: string, results: BenchResult[], extra: Record<string, unknown> = {}): string {
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, `${pkg}.json`);
  const os = process.platform;
  const body = {
    package: pkg,
    date: new Date().toISOString(),
    node: process.version,
    platform: os,
    cpus: (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? null,
    ...extra,
    results,
  };
  writeFileSync(file, `${JSON.stringify(body, null, 2)}\n`);
  return file;
}

/** What `measurePaired` returns: both cases' statistics over rounds, and the median per-round time ratio. */
export interface PairedResult {
  result: BenchResult;
  baseline: BenchResult;
  /** Median over rounds of (time of `fn` / `items`) / (time of `base`). */
  ratio: number;
}

/**
 * Times `fn` and a baseline in alternating short rounds, so both see the same load on a shared machine;
 * `items` is how many baseline units one call of `fn` does (e.g. 16 env steps). Ratios are steadier than
 * absolute times across runs.
 */
export function measurePaired(
  name: string,
  fn: () => unknown,
  baseName: string,
  base: () => unknown,
  options: { rounds?: number; roundMs?: number; items?: number } = {},
): PairedResult {
  const rounds = options.rounds ?? 15;
  const roundMs = options.roundMs ?? 40;
  const items = options.items ?? 1;
  const a: number[] = [];
  const b: number[] = [];
  const ratios: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const warmupMs = r === 0 ? 200 : 10;
    const x = measure(name, fn, { rounds: 1, roundMs, warmupMs }).medianUs;
    const y = measure(baseName, base, { rounds: 1, roundMs, warmupMs }).medianUs;
    a.push(x);
    b.push(y);
    ratios.push(x / items / y);
  }
  const sortedRatios = [...ratios].sort((x, y) => x - y);
  return {
    result: summarize(name, a, 1),
    baseline: summarize(baseName, b, 1),
    ratio: sortedRatios[Math.floor(sortedRatios.length / 2)]!,
  };
}
