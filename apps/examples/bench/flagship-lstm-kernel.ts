/**
 * The flagship update with and without the fused LSTM kernel (`@tdrl/modules`), in one process and in
 * alternating updates so that both see the same load on a shared machine: trains two runs of the recipe
 * on one learner thread, one with `lstmRecurrence: "per-step"`, BENCH_LSTM_FRAMES frames each (default
 * 2,400: the replay buffer fills, the recipe's first updates run), then times BENCH_LSTM_PAIRS pairs of
 * updates (default 20), one of each run, their order swapped every pair. Prints medians of CPU and wall
 * ms and the ratio. (One learner thread: the process CPU of a data-parallel update would mix two threads.)
 *
 *   node --import tsx bench/flagship-lstm-kernel.ts    (in apps/examples)
 */
import { initBackend } from "@tdrl/backend";
import { FLAGSHIP } from "../src/flagship-config";
import { trainFlagship } from "../src/flagship";

await initBackend();
const frames = Number(process.env.BENCH_LSTM_FRAMES ?? 2400);
const pairs = Number(process.env.BENCH_LSTM_PAIRS ?? 20);
const base = { ...FLAGSHIP, learnerThreads: 1, totalFrames: frames, evalEvery: frames, evalEpisodes: 1 };
const runs = {
  kernel: (await trainFlagship(base)).built,
  perStep: (await trainFlagship({ ...base, lstmRecurrence: "per-step" })).built,
};
const cpuMs = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};
const times = {
  kernel: { cpu: [] as number[], wall: [] as number[] },
  perStep: { cpu: [] as number[], wall: [] as number[] },
};
const update = (kernel: boolean) => {
  const built = kernel ? runs.kernel : runs.perStep;
  const c0 = cpuMs();
  const t0 = performance.now();
  built.learner.update({ processBatch: (batch) => built.processOptimBatch(batch) });
  const into = kernel ? times.kernel : times.perStep;
  into.wall.push(performance.now() - t0);
  into.cpu.push(cpuMs() - c0);
};
for (let i = 0; i < 3; i++) update(i % 2 === 0); // warm-up, not counted
for (const t of Object.values(times)) {
  t.cpu.length = 0;
  t.wall.length = 0;
}
for (let i = 0; i < pairs; i++) {
  update(i % 2 === 0);
  update(i % 2 !== 0);
}
runs.kernel.dispose();
runs.perStep.dispose();
const median = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1]!;
const r = {
  pairs,
  kernelUpdateCpuMs: median(times.kernel.cpu),
  perStepUpdateCpuMs: median(times.perStep.cpu),
  kernelUpdateWallMs: median(times.kernel.wall),
  perStepUpdateWallMs: median(times.perStep.wall),
};
console.log(
  JSON.stringify({
    ...r,
    cpuRatio: r.kernelUpdateCpuMs / r.perStepUpdateCpuMs,
    wallRatio: r.kernelUpdateWallMs / r.perStepUpdateWallMs,
  }),
);
