// Batched envs: ParallelEnv (2 worker threads) against SerialEnv (2 envs in this thread), stepping CartPole
// with state observations, with 84x84 pixels, with Gymnasium's full 400x600 frames, and with a batch of 32
// pixel carts per worker. Each call is one stepAndMaybeReset of the whole batch, so steps/s counts env
// steps (2, or 2 x 32, per call).
import { HostArray, sizeOf, type TensorDict } from "@tdrl/tensordict";
import { measure, withMetric, type BenchResult, type MeasureOptions } from "../../../bench/harness";
import { CartPoleEnv, type CartPoleEnvOptions } from "../src/cartpole/cartpole-env";
import type { EnvBase } from "../src/env-base";
import { ParallelEnv } from "../src/parallel-env";
import { SerialEnv } from "../src/serial-env";

const N = 2;
const fixtures = new URL("../test/parallel-env-fixtures.ts", import.meta.url);

/** A function that steps `env` once per call with alternating actions, resetting finished sub-envs. */
function stepper(env: EnvBase): () => void {
  const size = sizeOf(env.batchSize);
  const pattern = (phase: number) => Array.from({ length: size }, (_, i) => (i + phase) & 1);
  const actions = [
    HostArray.from("int32", env.batchSize, pattern(0)),
    HostArray.from("int32", env.batchSize, pattern(1)),
  ];
  let root: TensorDict = env.reset();
  let t = 0;
  return () => {
    root.set("action", actions[t++ & 1]!);
    [, root] = env.stepAndMaybeReset(root);
  };
}

/**
 * SerialEnv and ParallelEnv timed in alternating rounds, so that both see the same load on a shared
 * machine; the ratio is the median over rounds of parallel / serial throughput.
 */
function compare(label: string, args: CartPoleEnvOptions, roundMs: number): BenchResult[] {
  const serial = new SerialEnv(N, () => new CartPoleEnv(args), { seed: 0 });
  const parallel = new ParallelEnv(N, { module: fixtures, exportName: "makeCartPole", args }, { seed: 0 });
  try {
    const steps = [stepper(serial), stepper(parallel)] as const;
    const names = [
      `SerialEnv(${N}) ${label} stepAndMaybeReset`,
      `ParallelEnv(${N} workers) ${label} stepAndMaybeReset`,
    ] as const;
    const runs: [BenchResult[], BenchResult[]] = [[], []];
    const ratios: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const options: MeasureOptions = { rounds: 1, roundMs, warmupMs: r === 0 ? 300 : 20 };
      const s = measure(names[0], steps[0], options);
      const p = measure(names[1], steps[1], options);
      runs[0].push(s);
      runs[1].push(p);
      ratios.push(s.medianUs / p.medianUs);
    }
    const [s, p] = runs.map(combine) as [BenchResult, BenchResult];
    const note = `${median(ratios).toFixed(2)}x SerialEnv's steps/s (median of per-round ratios)`;
    const envSteps = N * sizeOf(args.batchSize ?? []);
    return [withMetric(s, rate(s, envSteps), "steps/s"), { ...withMetric(p, rate(p, envSteps), "steps/s"), note }];
  } finally {
    parallel.close();
    serial.close();
  }
}

const ROUNDS = 11;
const rate = (r: BenchResult, steps = N) => (steps * 1e6) / r.medianUs;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** One result from single-round results: quantiles of their per-call times. */
function combine(runs: readonly BenchResult[]): BenchResult {
  const times = runs.map((r) => r.medianUs).sort((x, y) => x - y);
  const q = (f: number) => times[Math.min(times.length - 1, Math.floor(f * (times.length - 1) + 0.5))]!;
  return {
    name: runs[0]!.name,
    medianUs: q(0.5),
    p10Us: q(0.1),
    p90Us: q(0.9),
    rounds: runs.length,
    callsPerRound: runs[0]!.callsPerRound,
  };
}

/**
 * Env steps per second of SerialEnv and ParallelEnv on CartPole: state, 84x84 pixels, 400x600 pixels, and
 * 32 carts with 84x84 grey pixels per sub-env.
 *
 * @example
 * import { printResult } from "../../../bench/harness";
 * for (const r of benchBatched()) printResult(r);
 */
export function benchBatched(): BenchResult[] {
  const batched = new CartPoleEnv({ batchSize: [N] });
  const reference = measure(
    `CartPoleEnv({ batchSize: [${N}] }) stepAndMaybeReset (one env, one loop)`,
    stepper(batched),
  );
  return [
    withMetric(reference, rate(reference), "steps/s"),
    ...compare("CartPole state", {}, 40),
    ...compare("CartPole pixels 84x84", { fromPixels: true, renderSize: [84, 84] }, 60),
    // Gymnasium's full 400x600 RGB frame: the most work per step, where the threads should pay first.
    ...compare("CartPole pixels 400x600", { fromPixels: true }, 150),
    // A batched sub-env per worker: one round trip carries 32 frames of work, the other way to pay for it.
    ...compare(
      "CartPole batch 32 pixels 84x84 grey",
      { batchSize: [32], fromPixels: true, renderSize: [84, 84], grayscale: true },
      150,
    ),
  ];
}
