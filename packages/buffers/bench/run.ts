// `npm run bench -w @tdrl/buffers`: replay buffer sampling and writing; JSON in bench/results/buffers.json.
// Env: BENCH_MEMMAP_FRAMES (default 1_000_000) sets how many 84x84 frames the RSS case writes to disk.
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { HostArray, Rng, TensorDict } from "@tdrl/tensordict";
import { measure, printResult, withMetric, withTarget, writeResults, type BenchResult } from "../../../bench/harness";
import { LazyMemmapStorage } from "../src/lazy-memmap-storage";
import { LazyTensorStorage } from "../src/lazy-tensor-storage";
import { RandomSampler } from "../src/random-sampler";
import { ReplayBuffer } from "../src/replay-buffer";
import type { Storage } from "../src/storage";
import { TensorDictReplayBuffer } from "../src/tensordict-replay-buffer";
import { benchSamplers } from "./samplers";

const results: BenchResult[] = [];
const report = (r: BenchResult) => {
  printResult(r);
  results.push(r);
};
const mb = (bytes: number) => bytes / (1024 * 1024);

/**
 * Median process CPU time per call (µs). On a shared machine, wall time also counts the time this process
 * waited for a core; CPU time does not, so the note beside a wall-clock figure says how much was waiting.
 */
function cpuUs(fn: () => unknown, calls = 500, rounds = 15): number {
  const perCall: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const c0 = process.cpuUsage();
    for (let i = 0; i < calls; i++) fn();
    const c = process.cpuUsage(c0);
    perCall.push((c.user + c.system) / calls);
  }
  return perCall.sort((a, b) => a - b)[Math.floor(rounds / 2)]!;
}
const withCpu = (r: BenchResult, fn: () => unknown): BenchResult => ({ ...r, note: `process CPU time ${cpuUs(fn).toFixed(1)} µs per call` });

/** `n` CartPole transitions (TorchRL's key set for a GymEnv step). */
function cartPole(n: number, rng: Rng): TensorDict {
  const obs = () => HostArray.from("float32", [n, 4], rng.fillUniform(new Float32Array(n * 4), -1, 1));
  const flags = () => HostArray.zeros("bool", [n, 1]);
  return new TensorDict(
    {
      observation: obs(),
      action: HostArray.from("int32", [n], rng.fillInt(new Int32Array(n), 0, 2)),
      done: flags(),
      terminated: flags(),
      next: { observation: obs(), reward: HostArray.full("float32", [n, 1], 1), done: flags(), terminated: flags(), truncated: flags() },
    },
    [n],
  );
}

/** `n` Atari-like transitions: two 84x84 uint8 frames, action, reward, done. */
function pixels(n: number, rng: Rng, withNext = true): TensorDict {
  const frame = () => HostArray.from("uint8", [n, 84, 84], rng.fillInt(new Uint8Array(n * 84 * 84), 0, 256));
  const next: Record<string, HostArray> = { reward: HostArray.zeros("float32", [n, 1]), done: HostArray.zeros("bool", [n, 1]) };
  if (withNext) next.pixels = frame();
  return new TensorDict({ pixels: frame(), action: HostArray.from("int32", [n], rng.fillInt(new Int32Array(n), 0, 6)), next }, [n]);
}

function fill(rb: ReplayBuffer, total: number, chunk: number, make: (n: number) => TensorDict): void {
  const data = make(chunk);
  for (let done = 0; done < total; done += chunk) rb.extend(done + chunk <= total ? data : data.index({ stop: total - done }));
}

// ---------------------------------------------------------------- CartPole, 1M capacity, sample 256
{
  const rng = new Rng(0);
  const storage = new LazyTensorStorage(1_000_000);
  const rb = new ReplayBuffer({ storage, sampler: new RandomSampler({ rng: new Rng(1) }), batchSize: 256 });
  fill(rb, 1_000_000, 10_000, (n) => cartPole(n, rng));
  report(withCpu(withTarget(measure("cartpole 1M LazyTensorStorage: sample 256 (ReplayBuffer)", () => rb.sample()), 50, "us", true), () => rb.sample()));
  const td = new TensorDictReplayBuffer({ storage, sampler: new RandomSampler({ rng: new Rng(2) }), batchSize: 256 });
  report(withCpu(withTarget(measure("cartpole 1M LazyTensorStorage: sample 256 (TensorDictReplayBuffer)", () => td.sample()), 50, "us", true), () => td.sample()));
  const index = new RandomSampler({ rng: new Rng(3) });
  report(measure("cartpole 1M: RandomSampler.sample 256 (indices only)", () => index.sample(storage, 256)));
  const batch = cartPole(1, rng);
  report(measure("cartpole 1M LazyTensorStorage: add 1 transition", () => rb.add(batch.index(0))));
}

// ---------------------------------------------------------------- prioritized and slice sampling (bench/samplers.ts)
for (const r of benchSamplers()) report(r);

// ---------------------------------------------------------------- 84x84 uint8 pixels: extend 50 steps
const scratchRoot = mkdtempSync(join(tmpdir(), "tdrl-buffers-bench-"));
try {
  const rng = new Rng(4);
  const steps = pixels(50, rng);
  const extendCase = (name: string, storage: Storage, targetUs: number) => {
    const rb = new ReplayBuffer({ storage, sampler: new RandomSampler({ rng: new Rng(5) }), batchSize: 32 });
    report(withCpu(withTarget(measure(name, () => rb.extend(steps), { roundMs: 100 }), targetUs, "us", true), () => rb.extend(steps)));
    report(measure(name.replace(/extend 50 steps.*/, "sample 32"), () => rb.sample(), { roundMs: 100 }));
  };
  extendCase("pixels 84x84 uint8, LazyTensorStorage(10k): extend 50 steps", new LazyTensorStorage(10_000), 1000);
  extendCase("pixels 84x84 uint8, LazyMemmapStorage(10k): extend 50 steps", new LazyMemmapStorage(10_000, { scratchDir: join(scratchRoot, "extend") }), 5000);

  // ---------------------------------------------------------------- RSS of a 1M-frame memmap buffer while sampling
  const frames = Number(process.env.BENCH_MEMMAP_FRAMES ?? 1_000_000);
  const storage = new LazyMemmapStorage(frames, { scratchDir: join(scratchRoot, "rss") });
  const rb = new ReplayBuffer({ storage, sampler: new RandomSampler({ rng: new Rng(6) }), batchSize: 256 });
  const chunk = pixels(1000, rng, false);
  const t0 = performance.now();
  for (let done = 0; done < frames; done += 1000) rb.extend(chunk);
  const fillS = (performance.now() - t0) / 1000;
  globalThis.gc?.();
  const rssBefore = process.memoryUsage().rss;
  let peak = rssBefore;
  const sampled = measure(`memmap ${frames / 1e6}M frames 84x84: sample 256`, () => {
    rb.sample();
    peak = Math.max(peak, process.memoryUsage().rss);
  }, { rounds: 10, roundMs: 200 });
  const rss = withTarget(withMetric(sampled, mb(peak), "MB"), 1024, "MB", true);
  report({ ...rss, note: `peak RSS while sampling (before: ${mb(rssBefore).toFixed(0)} MB); filled ${(frames * 7056 / 1e9).toFixed(1)} GB in ${fillS.toFixed(1)} s` });
} finally {
  rmSync(scratchRoot, { recursive: true, force: true });
}

// The machine is shared: the load average says how much the figures above were slowed by other work.
console.log(`load average ${loadavg().map((x) => x.toFixed(1)).join(" ")}`);
console.log(`wrote ${writeResults("buffers", results, { loadAverage: loadavg() })}`);
