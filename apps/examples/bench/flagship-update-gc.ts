/**
 * What garbage collection costs one flagship update: trains BENCH_GC_FRAMES frames (default 2,400: the
 * replay fills, the recipe's first updates run) with BENCH_GC_THREADS learner threads (default 1), then
 * times BENCH_GC_UPDATES updates (default 20, after 3 warm-up ones): medians of process CPU ms (every
 * thread: V8's GC helper threads and the data-parallel worker included) and wall ms, and the GC pauses per
 * update (count and main-thread ms, from the "gc" performance entries). It prints every update's loss,
 * so two builds can be checked for bit-identical results. Run it under V8 flags to compare them:
 *
 *   node --import tsx bench/flagship-update-gc.ts                          (in apps/examples)
 *   node --single-threaded-gc --import tsx bench/flagship-update-gc.ts
 *
 * The flagship's GCs were all "external memory pressure" ones (`node --trace-gc`): typed arrays of
 * sampled batches, not the JS heap, so the young-generation size does not move them.
 */
import { PerformanceObserver } from "node:perf_hooks";
import { initBackend } from "@tdrl/backend";
import { FLAGSHIP } from "../src/flagship-config";
import { trainFlagship } from "../src/flagship";

await initBackend();
const frames = Number(process.env.BENCH_GC_FRAMES ?? 2400);
const updates = Number(process.env.BENCH_GC_UPDATES ?? 20);
const threads = Number(process.env.BENCH_GC_THREADS ?? 1);
const { built } = await trainFlagship({
  ...FLAGSHIP,
  totalFrames: frames,
  evalEvery: frames,
  evalEpisodes: 1,
  learnerThreads: threads,
});
const cpuMs = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};
let gcCount = 0;
let gcMs = 0;
const observer = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    gcCount += 1;
    gcMs += e.duration;
  }
});
observer.observe({ entryTypes: ["gc"] });
const cpu: number[] = [];
const wall: number[] = [];
const losses: number[] = [];
for (let i = 0; i < updates + 3; i++) {
  const c0 = cpuMs();
  const t0 = performance.now();
  const stats = built.learner.update({ processBatch: (batch) => built.processOptimBatch(batch) });
  const t1 = performance.now();
  const c1 = cpuMs();
  losses.push(stats.loss);
  if (i === 2) {
    // Observer entries arrive asynchronously: let the warm-up ones land, then start counting.
    await new Promise((r) => setTimeout(r, 0));
    gcCount = 0;
    gcMs = 0;
  }
  if (i >= 3) {
    wall.push(t1 - t0);
    cpu.push(c1 - c0);
  }
}
await new Promise((r) => setTimeout(r, 0));
observer.disconnect();
built.dispose();
const median = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1]!;
console.log(
  JSON.stringify({
    threads,
    execArgv: process.execArgv.filter((a) => a.startsWith("--") && a !== "--import"),
    updates,
    updateCpuMs: median(cpu),
    updateWallMs: median(wall),
    gcPerUpdate: gcCount / updates,
    gcPauseMsPerUpdate: gcMs / updates,
    losses,
  }),
);
