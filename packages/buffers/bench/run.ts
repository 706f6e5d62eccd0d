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
import { SliceSampler } from "../src/slice-sampler";
import type { Storage } from "../src/storage";
import { TensorDictReplayBuffer } from "../src/tensordict-replay-buffer";
import { withCpu } from "./cpu-time";
import { benchSamplers } from "./samplers";

const results: BenchResult[] = [];
const report = (r: BenchResult) => {
  printResult(r);
  results.push(r);
};
const mb = (bytes: number) => bytes / (1024 * 1024);

let baselineUs = Number.NaN;
/**
 * The floor under a uniform sample, for reading figures taken on a loaded machine: draw 256 indices, touch
 * the rows, copy each packed row (48 bytes for CartPole) word by word into one array. No leaves, no objects. Later results carry
 * their ratio to it, which moves much less with the load than the times do.
 */
function baseline(storage: LazyTensorStorage): BenchResult {
  const state = storage.state();
  const rows = new Int32Array(state.arrays.rows!.buffer as ArrayBuffer);
  const rowWords = Number(state.meta.rowBytes) / 4;
  const count = rows.length / rowWords;
  const rng = new Rng(10);
  const index = new Int32Array(256);
  const out = new Int32Array(256 * rowWords);
  let touched = 0;
  const r = measure(
    `baseline: raw gather of 256 random ${rowWords * 4}-byte rows from ${(rows.byteLength / 1e6).toFixed(0)} MB (indices, touch, word copy)`,
    () => {
      rng.fillInt(index, 0, count);
      for (let i = 0; i < 256; i++) touched += rows[index[i]! * rowWords]! + rows[index[i]! * rowWords + rowWords - 1]!;
      for (let i = 0; i < 256; i++) {
        const from = index[i]! * rowWords;
        for (let k = 0; k < rowWords; k++) out[i * rowWords + k] = rows[from + k]!;
      }
    },
  );
  baselineUs = r.medianUs + (touched === 0.5 ? 1 : 0); // keeps the touch loads observable
  return r;
}
const vsBaseline = (r: BenchResult): BenchResult => ({
  ...r,
  note: `${r.note ? `${r.note}; ` : ""}${(r.medianUs / baselineUs).toFixed(2)}x the raw baseline`,
});

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
      next: {
        observation: obs(),
        reward: HostArray.full("float32", [n, 1], 1),
        done: flags(),
        terminated: flags(),
        truncated: flags(),
      },
    },
    [n],
  );
}

/** `n` Atari-like transitions: two 84x84 uint8 frames, action, reward, done. */
function pixels(n: number, rng: Rng, withNext = true): TensorDict {
  const frame = () => HostArray.from("uint8", [n, 84, 84], rng.fillInt(new Uint8Array(n * 84 * 84), 0, 256));
  const next: Record<string, HostArray> = {
    reward: HostArray.zeros("float32", [n, 1]),
    done: HostArray.zeros("bool", [n, 1]),
  };
  if (withNext) next.pixels = frame();
  return new TensorDict(
    { pixels: frame(), action: HostArray.from("int32", [n], rng.fillInt(new Int32Array(n), 0, 6)), next },
    [n],
  );
}

function fill(rb: ReplayBuffer, total: number, chunk: number, make: (n: number) => TensorDict): void {
  const data = make(chunk);
  for (let done = 0; done < total; done += chunk)
    rb.extend(done + chunk <= total ? data : data.index({ stop: total - done }));
}

const scratchRoot = mkdtempSync(join(tmpdir(), "tdrl-buffers-bench-"));
try {
  // ---------------------------------------------------------------- RSS of a 1M-frame memmap buffer while sampling
  // First, before the other cases grow the heap, so that the figure is this buffer's own.
  {
    const frames = Number(process.env.BENCH_MEMMAP_FRAMES ?? 1_000_000);
    const storage = new LazyMemmapStorage(frames, { scratchDir: join(scratchRoot, "rss") });
    const rb = new ReplayBuffer({ storage, sampler: new RandomSampler({ rng: new Rng(6) }), batchSize: 256 });
    const chunk = pixels(1000, new Rng(7), false);
    const t0 = performance.now();
    for (let done = 0; done < frames; done += 1000) rb.extend(chunk);
    const fillS = (performance.now() - t0) / 1000;
    const rssBefore = process.memoryUsage().rss;
    let peak = rssBefore;
    const sampled = measure(
      `memmap ${frames / 1e6}M frames 84x84: sample 256`,
      () => {
        rb.sample();
        peak = Math.max(peak, process.memoryUsage().rss);
      },
      { rounds: 10, roundMs: 200 },
    );
    const rss = withTarget(withMetric(sampled, mb(peak), "MB"), 1024, "MB", true);
    report({
      ...rss,
      note: `peak RSS while sampling (before: ${mb(rssBefore).toFixed(0)} MB); filled ${((frames * 7056) / 1e9).toFixed(1)} GB in ${fillS.toFixed(1)} s`,
    });
    rmSync(join(scratchRoot, "rss"), { recursive: true, force: true });
  }

  // ---------------------------------------------------------------- CartPole, 1M capacity, sample 256
  {
    const rng = new Rng(0);
    const storage = new LazyTensorStorage(1_000_000);
    const rb = new ReplayBuffer({ storage, sampler: new RandomSampler({ rng: new Rng(1) }), batchSize: 256 });
    fill(rb, 1_000_000, 10_000, (n) => cartPole(n, rng));
    report(baseline(storage));
    report(
      vsBaseline(
        withCpu(
          withTarget(
            measure("cartpole 1M LazyTensorStorage: sample 256 (ReplayBuffer)", () => rb.sample()),
            50,
            "us",
            true,
          ),
          () => rb.sample(),
        ),
      ),
    );
    const td = new TensorDictReplayBuffer({ storage, sampler: new RandomSampler({ rng: new Rng(2) }), batchSize: 256 });
    report(
      vsBaseline(
        withCpu(
          withTarget(
            measure("cartpole 1M LazyTensorStorage: sample 256 (TensorDictReplayBuffer)", () => td.sample()),
            50,
            "us",
            true,
          ),
          () => td.sample(),
        ),
      ),
    );
    const index = new RandomSampler({ rng: new Rng(3) });
    report(measure("cartpole 1M: RandomSampler.sample 256 (indices only)", () => index.sample(storage, 256)));
    const batch = cartPole(1, rng);
    report(measure("cartpole 1M LazyTensorStorage: add 1 transition", () => rb.add(batch.index(0))));
  }

  // ---------------------------------------------------------------- prioritized and slice sampling (bench/samplers.ts)
  for (const r of benchSamplers()) report(r.name.startsWith("PrioritizedSampler") ? vsBaseline(r) : r);

  // ---------------------------------------------------------------- 84x84 uint8 pixels: extend 50 steps, sample 32, slice sample 4 x 50
  {
    const rng = new Rng(4);
    const steps = pixels(50, rng);
    // Episodes of 60..300 steps for the slice samples (a slice of 50 fits in every one).
    const episodes = pixels(1000, rng);
    const ends = episodes.getHost("next.done").data;
    for (let t = rng.int(60, 301); t < 1000; t += rng.int(60, 301)) ends[t - 1] = 1;
    ends[999] = 1;
    const pixelCases = (kind: string, storage: Storage, extendTargetUs: number, sliceTargetUs: number) => {
      const name = `pixels 84x84 uint8, ${kind}(10k)`;
      const uniform = new ReplayBuffer({ storage, sampler: new RandomSampler({ rng: new Rng(5) }), batchSize: 32 });
      report(
        withCpu(
          withTarget(
            measure(`${name}: extend 50 steps`, () => uniform.extend(steps), { roundMs: 100 }),
            extendTargetUs,
            "us",
            true,
          ),
          () => uniform.extend(steps),
        ),
      );
      report(measure(`${name}: sample 32`, () => uniform.sample(), { roundMs: 100 }));
      // A second buffer on the same storage rewrites the whole ring with episodes its slice sampler sees.
      const sliced = new ReplayBuffer({
        storage,
        sampler: new SliceSampler({ sliceLen: 50, rng: new Rng(6) }),
        batchSize: 200,
      });
      for (let i = 0; i < 10; i++) sliced.extend(episodes);
      report(
        withCpu(
          withTarget(
            measure(`${name}: slice sample 4 x 50 (SliceSampler)`, () => sliced.sample(), { roundMs: 100 }),
            sliceTargetUs,
            "us",
            true,
          ),
          () => sliced.sample(),
        ),
      );
    };
    pixelCases("LazyTensorStorage", new LazyTensorStorage(10_000), 1000, 2000);
    pixelCases(
      "LazyMemmapStorage",
      new LazyMemmapStorage(10_000, { scratchDir: join(scratchRoot, "extend") }),
      5000,
      10_000,
    );
  }
} finally {
  rmSync(scratchRoot, { recursive: true, force: true });
}

// The machine is shared: the load average says how much the figures above were slowed by other work.
console.log(
  `load average ${loadavg()
    .map((x) => x.toFixed(1))
    .join(" ")}`,
);
console.log(`wrote ${writeResults("buffers", results, { loadAverage: loadavg() })}`);
