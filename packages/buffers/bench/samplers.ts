// Sampler costs on a 1M-element CartPole replay buffer (state observations, synthetic episodes of
// 10..500 steps, written through the buffer so the ring has wrapped once). Each call is what a training
// step does: draw a batch (gathering it from the storage) and, for the prioritized samplers, give the
// batch new priorities in one call.
import { HostArray, Rng, TensorDict } from "@tdrl/tensordict";
import { measure, withTarget, type BenchResult, type MeasureOptions } from "../../../bench/harness";
import { LazyTensorStorage } from "../src/lazy-tensor-storage";
import { PrioritizedSampler } from "../src/prioritized-sampler";
import { PrioritizedSliceSampler } from "../src/prioritized-slice-sampler";
import { ReplayBuffer } from "../src/replay-buffer";
import type { Sampler } from "../src/sampler";
import { withCpu } from "./cpu-time";
import { SliceSampler } from "../src/slice-sampler";

const CAPACITY = 1_000_000;
const CHUNK = 100_000;

/** CartPole transitions with episodes of 10..500 steps; `state` carries the episode across chunks. */
function cartPoleChunk(n: number, rng: Rng, state: { left: number }): TensorDict {
  const done = new HostArray("bool", [n, 1]);
  for (let i = 0; i < n; i++) {
    if (--state.left === 0) {
      done.data[i] = 1;
      state.left = rng.int(10, 501);
    }
  }
  return new TensorDict(
    {
      observation: new HostArray("float32", [n, 4], rng.fillNormal(new Float32Array(n * 4))),
      action: new HostArray("int32", [n], rng.fillInt(new Int32Array(n), 0, 2)),
      next: {
        observation: new HostArray("float32", [n, 4], rng.fillNormal(new Float32Array(n * 4))),
        reward: HostArray.full("float32", [n, 1], 1),
        done,
        terminated: done.clone(),
      },
    },
    [n],
  );
}

function filledBuffer(sampler: Sampler): { rb: ReplayBuffer; write: (n: number) => void } {
  const rb = new ReplayBuffer({ storage: new LazyTensorStorage(CAPACITY), sampler });
  const rng = new Rng(0);
  const state = { left: rng.int(10, 501) };
  const write = (n: number) => void rb.extend(cartPoleChunk(n, rng, state));
  // 1.2M steps: the ring wraps and the oldest episode is cut by the write cursor.
  for (let written = 0; written < CAPACITY * 1.2; written += CHUNK) write(CHUNK);
  return { rb, write };
}

/** Medians of sampler calls on a 1M CartPole buffer, with the targets. */
export function benchSamplers(options: MeasureOptions = {}): BenchResult[] {
  const results: BenchResult[] = [];
  const rng = new Rng(1);
  const priorities = new Float32Array(256);

  {
    const sampler = new PrioritizedSampler({ maxCapacity: CAPACITY, alpha: 0.6, beta: 0.4, rng: new Rng(2) });
    const { rb } = filledBuffer(sampler);
    const storage = rb.storage;
    const step = () => {
      const { index } = sampler.sample(storage, 256);
      sampler.updatePriority(index, rng.fillUniform(priorities, 0, 2));
    };
    results.push(
      withCpu(
        withTarget(
          measure("PrioritizedSampler 1M: sample 256 + updatePriority 256 (indices + weights)", step, options),
          200,
          "us",
          true,
        ),
        step,
      ),
    );
    results.push(
      measure(
        "ReplayBuffer(PrioritizedSampler) 1M: sampleWithInfo 256 (gathered) + updatePriority",
        () => {
          const { index } = rb.sampleWithInfo(256);
          rb.updatePriority(index, rng.fillUniform(priorities, 0, 2));
        },
        options,
      ),
    );
  }

  {
    const sampler = new SliceSampler({ sliceLen: 50, rng: new Rng(3) });
    const { rb, write } = filledBuffer(sampler);
    rb.sampleWithInfo(200); // builds the episode table once
    results.push(
      withTarget(
        measure(
          "ReplayBuffer(SliceSampler) 1M: sample 4 x 50 (gathered, with slice flags)",
          () => rb.sampleWithInfo(200),
          options,
        ),
        2000,
        "us",
        true,
      ),
    );
    results.push({
      ...measure(
        "ReplayBuffer(SliceSampler) 1M: extend 1000 steps + sample 4 x 50 (episodes updated incrementally)",
        () => {
          write(1000);
          rb.sampleWithInfo(200);
        },
        { ...options, rounds: options.rounds ?? 7 },
      ),
      note: "1-env storages: only the new steps are scanned (the ring seam and the cut oldest episode are patched)",
    });
  }

  {
    const sampler = new PrioritizedSliceSampler({
      sliceLen: 50,
      maxCapacity: CAPACITY,
      alpha: 0.6,
      beta: 0.4,
      rng: new Rng(4),
    });
    const { rb, write } = filledBuffer(sampler);
    const slicePriorities = new Float32Array(200);
    rb.sampleWithInfo(200);
    results.push(
      measure(
        "ReplayBuffer(PrioritizedSliceSampler) 1M: sample 4 x 50 + updatePriority 200",
        () => {
          const { index } = rb.sampleWithInfo(200);
          rb.updatePriority(index, rng.fillUniform(slicePriorities, 0, 2));
        },
        options,
      ),
    );
    results.push({
      ...measure(
        "ReplayBuffer(PrioritizedSliceSampler) 1M: extend 1000 steps + sample 4 x 50",
        () => {
          write(1000);
          rb.sampleWithInfo(200);
        },
        { ...options, rounds: options.rounds ?? 5 },
      ),
      note: "1-env storages: episode ids and start trees patched for the new steps only",
    });
  }
  return results;
}

// `npx tsx bench/samplers.ts` prints the figures.
if (import.meta.url === `file://${process.argv[1]}`) {
  const { printResult } = await import("../../../bench/harness");
  for (const r of benchSamplers()) printResult(r);
}
