// Multi-worker and async collector benchmarks, on the flagship's pixel pipeline (84x84 grey CartPole, Nature
// CNN + LSTM Q-policy): frames per second of SyncDataCollector vs MultiSyncDataCollector with 2 workers, and
// frames trained per second of collect-then-train vs AsyncCollector overlapped with the flagship's training
// step (the recurrent-DQN update of losses/bench/flagship-case.ts). Each pair runs in the same process
// right after each other, so both see the same machine load; ratios are the figures to compare.
import * as tf from "@tensorflow/tfjs-core";
import { CartPoleEnv, type CartPoleEnvOptions } from "@tdrl/envs";
import { Rng } from "@tdrl/tensordict";
import { flagshipCase } from "../../losses/bench/flagship-case";
import { withMetric, type BenchResult } from "../../../bench/harness";
import { AsyncCollector } from "../src/async-collector";
import { MultiSyncDataCollector } from "../src/multi-sync-data-collector";
import { SyncDataCollector } from "../src/sync-data-collector";
import { makeFlagshipActor } from "./multi-fixtures";

const N_ENVS = 4;
const PIXELS: CartPoleEnvOptions = { batchSize: [N_ENVS], fromPixels: true, renderSize: [84, 84], grayscale: true };
const env = { module: "@tdrl/envs", exportName: "CartPoleEnv", args: PIXELS };
const actor = { module: new URL("./multi-fixtures.ts", import.meta.url), exportName: "makeFlagshipActor" };

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const quantile = (xs: readonly number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.floor(p * (xs.length - 1) + 0.5)]!;

/** A result from per-batch wall times (ms) and the frames each batch stands for. */
function fromTimes(name: string, ms: readonly number[], frames: number, unit: string, note?: string): BenchResult {
  const us = ms.map((x) => x * 1000);
  const r = withMetric(
    {
      name,
      medianUs: median(us),
      p10Us: quantile(us, 0.1),
      p90Us: quantile(us, 0.9),
      rounds: us.length,
      callsPerRound: 1,
    },
    (frames * 1e6) / median(us),
    unit,
  );
  return note === undefined ? r : { ...r, note };
}

/** Wall time of each batch after the first (start-up and warm-up), in ms, and the cores the process used meanwhile (CPU time / wall time, all threads). */
async function batchTimes(
  batches: AsyncIterable<unknown>,
  each: () => unknown = () => {},
): Promise<number[] & { cores?: number }> {
  const times: number[] & { cores?: number } = [];
  let last = -1;
  let cpu0 = process.cpuUsage();
  for await (const _ of batches) {
    await each();
    const now = performance.now();
    if (last >= 0) times.push(now - last);
    else cpu0 = process.cpuUsage();
    last = now;
  }
  const cpu = process.cpuUsage(cpu0);
  times.cores = (cpu.user + cpu.system) / 1000 / times.reduce((a, b) => a + b, 0);
  return times;
}

const cores = (ms: { cores?: number }) => `${(ms.cores ?? Number.NaN).toFixed(2)} cores busy`;

/** Frames per second of SyncDataCollector (main thread) and MultiSyncDataCollector (2 workers), same env and policy per worker. */
export async function multiSyncBenchmarks(batches = 8, stepsPerBatch = 16): Promise<BenchResult[]> {
  const fpb = N_ENVS * stepsPerBatch;
  const sync = new SyncDataCollector(
    new CartPoleEnv(PIXELS),
    await makeFlagshipActor(0, undefined, { seed: 0, env: new CartPoleEnv() }),
    { framesPerBatch: fpb, totalFrames: fpb * (batches + 1) },
  );
  const syncMs = await batchTimes(sync);
  await sync.shutdown();
  const multi = new MultiSyncDataCollector(env, actor, {
    numWorkers: 2,
    framesPerBatch: 2 * fpb,
    totalFrames: 2 * fpb * (batches + 1),
  });
  const [ready] = await multi.ready();
  const multiMs = await batchTimes(multi);
  await multi.shutdown();
  const ratio = (2 * fpb) / median(multiMs) / (fpb / median(syncMs));
  return [
    fromTimes(
      `SyncDataCollector pixel CartPole [${N_ENVS}], flagship Q-policy, ${fpb}-frame batches`,
      syncMs,
      fpb,
      "frames/s",
      cores(syncMs),
    ),
    fromTimes(
      `MultiSyncDataCollector 2 workers x pixel CartPole [${N_ENVS}], ${2 * fpb}-frame batches`,
      multiMs,
      2 * fpb,
      "frames/s",
      `${ratio.toFixed(2)}x the sync collector's frames/s; ${cores(multiMs)}; a worker's initBackend() took ${ready!.initBackendMs.toFixed(0)} ms`,
    ),
  ];
}

/**
 * Frames trained per second: collect a batch then train on it (one thread), vs AsyncCollector collecting the
 * next batch in a worker while the main thread trains. One flagship update per batch; batches are sized so
 * that collecting one takes about as long as one update (measured first), the balance the flagship aims for.
 */
export async function asyncOverlapBenchmarks(iterations = 6): Promise<BenchResult[]> {
  const learner = flagshipCase(new Rng(0));
  const vars = [...learner.loss.parameters().values()];
  const train = () => {
    const td = learner.batch();
    const { value, grads } = tf.variableGrads(() => learner.loss.forward(td).getTensor("loss") as tf.Scalar, vars);
    learner.optimizer.applyGradients(grads);
    learner.updater.step();
    value.dataSync();
    tf.dispose([value, grads]);
  };
  // Calibrate on CPU time (no worker runs yet, so the process's CPU is this thread's): wall time on a
  // loaded machine says more about the other processes than about this work.
  const cpuMs = (fn: () => unknown) => {
    const c0 = process.cpuUsage();
    fn();
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / 1000;
  };
  train();
  const trainCpu = (cpuMs(train) + cpuMs(train)) / 2;
  const probeEnv = new CartPoleEnv(PIXELS);
  const probe = new SyncDataCollector(probeEnv, await makeFlagshipActor(0, undefined, { seed: 0, env: probeEnv }), {
    framesPerBatch: N_ENVS * 8,
  });
  probe.rollout();
  const stepCpu = cpuMs(() => probe.rollout()) / 8;
  await probe.shutdown();
  const steps = Math.max(1, Math.round(trainCpu / stepCpu));
  const fpb = N_ENVS * steps;
  const total = fpb * (iterations + 1);
  const serialEnv = new CartPoleEnv(PIXELS);
  const serial = new SyncDataCollector(serialEnv, await makeFlagshipActor(0, undefined, { seed: 0, env: serialEnv }), {
    framesPerBatch: fpb,
    totalFrames: total,
  });
  // Counted after the in-thread actor's variables exist: what is left over beyond them is a leak.
  const before = tf.memory().numTensors;
  const serialMs = await batchTimes(serial, train);
  await serial.shutdown();

  const overlapped = new AsyncCollector(env, actor, {
    framesPerBatch: fpb,
    totalFrames: total,
    policyWeights: learner.loss.valueNetwork,
  });
  await overlapped.ready();
  let updates = 0;
  const overlappedMs = await batchTimes(overlapped, async () => {
    train();
    // The flagship pushes the learner's weights every few updates; here every second one.
    if (++updates % 2 === 0) await overlapped.updatePolicyWeights();
  });
  await overlapped.shutdown();
  const leaked = tf.memory().numTensors - before;
  learner.dispose();
  const ratio = median(serialMs) / median(overlappedMs);
  // CPU per iteration, all threads: the overlapped run's extra over the serial one is what the worker costs.
  const cpuPerIter = (ms: number[] & { cores?: number }) =>
    ((ms.cores ?? Number.NaN) * ms.reduce((a, b) => a + b, 0)) / ms.length;
  const overhead = Math.max(0, cpuPerIter(overlappedMs) - cpuPerIter(serialMs));
  const collectCpu = stepCpu * steps;
  // On two otherwise idle cores each thread runs at full speed: serial = collect + train, overlapped = the slower of the two.
  const projected = (collectCpu + trainCpu) / Math.max(trainCpu, collectCpu + overhead);
  const note = `batches of ${steps} steps x ${N_ENVS} envs (CPU: collect ${collectCpu.toFixed(0)} ms ~ one update ${trainCpu.toFixed(0)} ms); tensors left in the main thread: ${leaked}; ${cores(serialMs)}`;
  return [
    fromTimes(
      `collect-then-train, SyncDataCollector + flagship update, ${fpb}-frame batches`,
      serialMs,
      fpb,
      "frames trained/s",
      note,
    ),
    {
      ...fromTimes(
        `AsyncCollector overlapped with the flagship update, ${fpb}-frame batches`,
        overlappedMs,
        fpb,
        "frames trained/s",
        `${ratio.toFixed(2)}x collect-then-train's frames trained/s measured, ${cores(overlappedMs)}; projected from CPU times on 2 idle cores: ${projected.toFixed(2)}x (worker overhead ${overhead.toFixed(0)} ms CPU per batch)`,
      ),
      target: { value: 1.5, unit: "x collect-then-train", met: ratio >= 1.5 },
    },
  ];
}

export async function multiBenchmarks(): Promise<BenchResult[]> {
  return [...(await multiSyncBenchmarks()), ...(await asyncOverlapBenchmarks())];
}

// Run alone with `node --import tsx bench/multi.ts` (bench/run.ts calls multiBenchmarks()).
if (import.meta.url === `file://${process.argv[1]}`) {
  const { initBackend } = await import("@tdrl/backend");
  const { printResult } = await import("../../../bench/harness");
  await initBackend();
  for (const r of await multiBenchmarks()) printResult(r);
}
