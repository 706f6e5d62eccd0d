/**
 * Learning benchmarks of the example programs (not CI tests): `npm run bench -w examples [-- section...]`.
 * Sections: `cartpole` and `history` (the tuned state-DQN recipe, and the state-history DQN, on 5 seeds:
 * steps to solve, wall time, frames/s), `state-cartpole` (the tuned recipe on 5 seeds trained to the end:
 * first solve in frames, wall and CPU seconds, and whether the last five evaluations stay >= 475), `pixel`
 * (a pixel-DQN run of BENCH_PIXEL_FRAMES frames, default 60k: the learning curve and frames/s) and
 * `flagship` (flagship runs of BENCH_FLAGSHIP_FRAMES frames, default 40k, with one learner thread and
 * data-parallel: frames/s, update wall and CPU ms, acting ms per frame, the learning curves and the
 * ratios; BENCH_FLAGSHIP_UPDATES
 * and BENCH_FLAGSHIP_ACTS set how many updates and acting rollouts are timed) and `replay-codec` (the
 * flagship replay's byte-to-float decode of one batch against the one-lookup loop it replaced, timed in
 * turns); no section given runs them all. Results merge into
 * `bench/results/examples.json` at the repository root, with the machine they came from.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { initBackend } from "@tdrl/backend";
import { TUNED } from "../src/dqn-cartpole-config";
import { trainDqnCartPole } from "../src/dqn-cartpole";
import { FLAGSHIP } from "../src/flagship-config";
import { trainFlagship } from "../src/flagship";
import { HISTORY_DQN, trainHistoryDqn } from "../src/history-dqn";
import { PIXEL_DQN, trainPixelDqn } from "../src/pixel-dqn";
import type { TrainerResult } from "@tdrl/trainers";
import { SyncDataCollector } from "@tdrl/collectors";
import type { TrainOptions } from "../src/core/train-run";
import { HostArray, Rng } from "@tdrl/tensordict";
import { ObservationNorm } from "@tdrl/transforms";
import { BytePixels } from "../src/core/byte-pixels";

const here = dirname(fileURLToPath(import.meta.url));
// The repository's bench/results/, beside every package's benchmark results.
// BENCH_EXAMPLES_OUT redirects it (bench/peers/run-twin.mjs keeps its short run out of examples.json).
const out = process.env.BENCH_EXAMPLES_OUT ?? join(here, "..", "..", "..", "bench", "results", "examples.json");

function machine(): Record<string, unknown> {
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? "unknown",
    memGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    loadAvg1m: loadavg()[0],
  };
}

function save(section: string, value: unknown): void {
  const all = existsSync(out) ? (JSON.parse(readFileSync(out, "utf8")) as Record<string, unknown>) : {};
  all[section] = value;
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(all, null, 2)}\n`);
}

/** CPU ms of the calling thread so far (utime + stime of /proc/thread-self/stat, at 100 ticks/s), or null off Linux. */
function mainThreadCpuMs(): number | null {
  try {
    const stat = readFileSync("/proc/thread-self/stat", "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // Fields 14 and 15 of stat(5), counted from the state field (3) after the command name.
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

type Trainer<C> = (config: C, options: TrainOptions) => Promise<{ result: TrainerResult; built: { dispose(): void } }>;

/** Trains `config` on 5 seeds, each stopped at its first solving evaluation: the figure is frames to solve, not the final score. */
async function solveOnSeeds<C extends { seed: number }>(
  section: string,
  what: string,
  config: C,
  train: Trainer<C>,
): Promise<void> {
  const seeds = [0, 1, 2, 3, 4];
  const runs = [];
  for (const seed of seeds) {
    const curve: { frames: number; eval: number }[] = [];
    const { result, built } = await train(
      { ...config, seed },
      {
        stopWhenSolved: true,
        log: (r) => r.evalMean !== undefined && curve.push({ frames: r.frames, eval: r.evalMean }),
      },
    );
    built.dispose();
    const run = {
      seed,
      solvedAtFrames: result.state.solvedAtFrames,
      bestEval: result.state.bestEval,
      finalEval: result.lastEval?.mean ?? null,
      seconds: result.seconds,
      framesPerSecond: result.state.frames / result.seconds,
      curve,
    };
    console.log(JSON.stringify({ ...run, curve: undefined }));
    runs.push(run);
  }
  const solved = runs.filter((r) => r.solvedAtFrames !== null);
  save(section, {
    what,
    machine: machine(),
    solvedSeeds: `${solved.length}/${runs.length}`,
    medianFramesToSolve: solved.length > 0 ? median(solved.map((r) => r.solvedAtFrames!)) : null,
    medianSeconds: median(runs.map((r) => r.seconds)),
    medianFramesPerSecond: median(runs.map((r) => r.framesPerSecond)),
    runs,
  });
}

const cartpole = () =>
  solveOnSeeds(
    "cartpoleTuned",
    "tuned state DQN on CartPole-v1; solved = greedy mean >= 475 over 20 episodes at an evaluation every 2560 frames, within 50k frames",
    TUNED,
    trainDqnCartPole,
  );

/**
 * The tuned recipe on 5 seeds (BENCH_SEEDS, e.g. "0,1"), each trained to its full `totalFrames`: the first
 * solve (frames, wall and process-CPU seconds, evaluations included) and every evaluation after it, so the
 * figure is whether the solved policy stays solved (the last five evaluations of every seed >= 475).
 * BENCH_CARTPOLE_CONFIG (JSON) overrides fields of TUNED, for trying a change on the same 5 seeds.
 */
async function stateCartpole(): Promise<void> {
  const seeds = (process.env.BENCH_SEEDS ?? "0,1,2,3,4").split(",").map(Number);
  const overrides = JSON.parse(process.env.BENCH_CARTPOLE_CONFIG ?? "{}") as Partial<typeof TUNED>;
  const config = { ...TUNED, ...overrides };
  const cpuSeconds = () => {
    const c = process.cpuUsage();
    return (c.user + c.system) / 1e6;
  };
  const runs = [];
  for (const seed of seeds) {
    const curve: { frames: number; seconds: number; cpuSeconds: number; eval: number }[] = [];
    const cpu0 = cpuSeconds();
    const { result, built } = await trainDqnCartPole(
      { ...config, seed },
      {
        log: (r) => {
          if (r.evalMean === undefined) return;
          curve.push({ frames: r.frames, seconds: r.seconds, cpuSeconds: cpuSeconds() - cpu0, eval: r.evalMean });
          console.log(JSON.stringify({ seed, ...curve[curve.length - 1] }));
        },
      },
    );
    built.dispose();
    const first = curve.find((c) => c.eval >= 475) ?? null;
    const lastFive = curve.slice(-5).map((c) => c.eval);
    const run = {
      seed,
      firstSolve:
        first === null ? null : { frames: first.frames, seconds: first.seconds, cpuSeconds: first.cpuSeconds },
      evalsAfterSolve: first === null ? [] : curve.filter((c) => c.frames > first.frames).map((c) => c.eval),
      lastFive,
      steady: lastFive.length === 5 && lastFive.every((e) => e >= 475),
      seconds: result.seconds,
      cpuSeconds: cpuSeconds() - cpu0,
      framesPerSecond: result.state.frames / result.seconds,
      curve,
    };
    console.log(JSON.stringify({ ...run, curve: undefined }));
    runs.push(run);
  }
  const solved = runs.filter((r) => r.firstSolve !== null);
  save("stateCartpole", {
    what: `tuned state DQN on CartPole-v1 trained for ${config.totalFrames} frames per seed; solved = greedy mean >= 475 over ${config.evalEpisodes} episodes, evaluated every ${config.evalEvery} frames and at the end; steady = the last five evaluations >= 475`,
    machine: machine(),
    overrides,
    steadySeeds: `${runs.filter((r) => r.steady).length}/${runs.length}`,
    solvedSeeds: `${solved.length}/${runs.length}`,
    medianFirstSolveFrames: solved.length > 0 ? median(solved.map((r) => r.firstSolve!.frames)) : null,
    medianFirstSolveSeconds: solved.length > 0 ? median(solved.map((r) => r.firstSolve!.seconds)) : null,
    medianFirstSolveCpuSeconds: solved.length > 0 ? median(solved.map((r) => r.firstSolve!.cpuSeconds)) : null,
    runs,
  });
}

const history = () =>
  solveOnSeeds(
    "historyDqn",
    "state-history DQN (last 4 states, ObservationNorm from random play, shaped reward) with the tuned recipe; solved = greedy mean CartPole return >= 475 over 20 episodes at an evaluation every 2560 frames, within 50k frames",
    HISTORY_DQN,
    trainHistoryDqn,
  );

/** One pixel-DQN run of BENCH_PIXEL_FRAMES frames (default 60k): its learning curve, frames/s and wall time. */
async function pixel(): Promise<void> {
  const frames = Number(process.env.BENCH_PIXEL_FRAMES ?? 60_000);
  const curve: { frames: number; seconds: number; eval: number }[] = [];
  const config = { ...PIXEL_DQN, totalFrames: frames, evalEvery: Math.min(PIXEL_DQN.evalEvery, frames) };
  const { result, built } = await trainPixelDqn(config, {
    log: (r) => {
      if (r.evalMean === undefined) return;
      curve.push({ frames: r.frames, seconds: r.seconds, eval: r.evalMean });
      console.log(JSON.stringify(curve[curve.length - 1]));
    },
  });
  built.dispose();
  save("pixelDqn", {
    what: `seed-style pixel DQN (4 x 84x84 grey frames, Nature CNN, clipped rewards, Huber) for ${frames} frames; eval = greedy mean CartPole return over ${PIXEL_DQN.evalEpisodes} episodes`,
    machine: machine(),
    seconds: result.seconds,
    framesPerSecond: result.state.frames / result.seconds,
    updates: result.state.updates,
    bestEval: result.state.bestEval,
    curve,
  });
}

/**
 * The flagship's default recipe for BENCH_FLAGSHIP_FRAMES frames, once per learner: one thread
 * (`learnerThreads: 1`, DqnLearner) and, on a machine with 2+ cores, data-parallel (`learnerThreads: 2`,
 * DataParallelLearner). Then, on the trained runs and interleaved (one update of each in turn, so both see
 * the same machine load), the per-operation costs, wall and CPU (process CPU: the worker thread's included;
 * the machine is shared, CPU time does not count waiting for a core), medians: one gradient step and acting.
 * The top-level figures are the default recipe's (`FLAGSHIP.learnerThreads`), as `npm start` runs it.
 */
async function flagship(): Promise<void> {
  const frames = Number(process.env.BENCH_FLAGSHIP_FRAMES ?? 40_000);
  const base = { ...FLAGSHIP, totalFrames: frames, evalEvery: Math.min(FLAGSHIP.evalEvery, frames) };
  const variants = availableParallelism() >= 2 ? [1, 2] : [1];
  const runs = [];
  for (const learnerThreads of variants) {
    const curve: { frames: number; seconds: number; eval: number; framesPerSecond: number }[] = [];
    const config = { ...base, learnerThreads };
    const { result, built } = await trainFlagship(config, {
      log: (r) => {
        if (r.evalMean === undefined) return;
        curve.push({ frames: r.frames, seconds: r.seconds, eval: r.evalMean, framesPerSecond: r.framesPerSecond });
        console.log(JSON.stringify({ learnerThreads, ...curve[curve.length - 1] }));
      },
    });
    runs.push({ learnerThreads, config, result, built, curve });
  }
  const cpuMs = () => {
    const c = process.cpuUsage();
    return (c.user + c.system) / 1000;
  };
  /**
   * Calls every `fs[i]` `n` times, taking turns; the median wall and CPU ms of each, and the mean CPU ms of
   * this (the main) thread alone (Linux: /proc/thread-self, 10 ms ticks, hence a mean; null elsewhere).
   */
  const timeInTurns = (n: number, fs: (() => void)[]) => {
    const wall = fs.map((): number[] => []);
    const cpu = fs.map((): number[] => []);
    const mainCpu = fs.map(() => 0);
    for (let k = 0; k < n; k++) {
      fs.forEach((f, i) => {
        const m0 = mainThreadCpuMs();
        const c0 = cpuMs();
        const t0 = performance.now();
        f();
        wall[i]!.push(performance.now() - t0);
        cpu[i]!.push(cpuMs() - c0);
        const m1 = mainThreadCpuMs();
        mainCpu[i]! += m0 === null || m1 === null ? Number.NaN : m1 - m0;
      });
    }
    return fs.map((_, i) => ({
      wall: median(wall[i]!),
      cpu: median(cpu[i]!),
      mainThreadCpu: Number.isNaN(mainCpu[i]!) ? null : mainCpu[i]! / n,
    }));
  };
  const updates = timeInTurns(
    Number(process.env.BENCH_FLAGSHIP_UPDATES ?? 10),
    runs.map(
      ({ built }) =>
        () =>
          built.learner.update({ processBatch: (batch) => built.processOptimBatch(batch) }),
    ),
  );
  // Acting as training does: one rollout of the training env (render 48x48, transforms, policy step,
  // epsilon-greedy; the replay write is not included) per call, numEnvs x stepsPerBatch frames.
  const framesPerRollout = base.numEnvs * base.stepsPerBatch;
  const collectors = runs.map(
    ({ built }) =>
      new SyncDataCollector(built.env, built.actor, { framesPerBatch: framesPerRollout, explorationType: "random" }),
  );
  const acts = timeInTurns(
    Number(process.env.BENCH_FLAGSHIP_ACTS ?? 50),
    collectors.map((c) => () => c.rollout()),
  );
  const probes = runs.map(({ built }) => built.env.reset());
  const policies = timeInTurns(
    50,
    runs.map(
      ({ built }, i) =>
        () =>
          built.actor.forward(probes[i]!, "random"),
    ),
  );
  const byThreads = runs.map((run, i) => {
    run.built.dispose();
    return {
      learnerThreads: run.learnerThreads,
      seconds: run.result.seconds,
      framesPerSecond: run.result.state.frames / run.result.seconds,
      updates: run.result.state.updates,
      medianUpdateMs: updates[i]!.wall,
      medianUpdateCpuMs: updates[i]!.cpu,
      // With two learner threads, the main thread's share: the critical path of an update on an idle machine
      // (the worker's half runs at the same time); a loaded machine shares the CPU between processes, not
      // threads (Linux autogroups), so there the second thread shortens no wall time.
      meanUpdateMainThreadCpuMs: updates[i]!.mainThreadCpu,
      actMsPerFrame: acts[i]!.wall / framesPerRollout,
      actCpuMsPerFrame: acts[i]!.cpu / framesPerRollout,
      medianActMsFor4Envs: policies[i]!.wall,
      medianPolicyCpuMsFor4Envs: policies[i]!.cpu,
      bestEval: run.result.state.bestEval,
      curve: run.curve,
    };
  });
  const one = byThreads.find((r) => r.learnerThreads === 1)!;
  const two = byThreads.find((r) => r.learnerThreads === 2) ?? null;
  const ratio = (a: number | undefined, b: number) => (a === undefined ? null : a / b);
  const dataParallelVsOneThread = {
    updateWall: ratio(two?.medianUpdateMs, one.medianUpdateMs),
    updateCpu: ratio(two?.medianUpdateCpuMs, one.medianUpdateCpuMs),
    updateMainThreadCpu:
      two?.meanUpdateMainThreadCpuMs == null || one.meanUpdateMainThreadCpuMs === null
        ? null
        : two.meanUpdateMainThreadCpuMs / one.meanUpdateMainThreadCpuMs,
    actWallPerFrame: ratio(two?.actMsPerFrame, one.actMsPerFrame),
    framesPerSecond: ratio(two?.framesPerSecond, one.framesPerSecond),
  };
  const chosen = byThreads.find((r) => r.learnerThreads === FLAGSHIP.learnerThreads) ?? one;
  const { curve, ...figures } = chosen;
  console.log(
    JSON.stringify({
      byThreads: byThreads.map((r) => ({ ...r, curve: undefined })),
      dataParallelVsOneThread,
    }),
  );
  save("flagship", {
    what: `flagship defaults (flagship-config.ts) for ${frames} frames, once with one learner thread and once data-parallel (learnerThreads 2, when there are 2+ cores); top-level figures: the default (learnerThreads ${FLAGSHIP.learnerThreads} here); eval = greedy mean over ${FLAGSHIP.evalEpisodes} episodes; update = one gradient step (${base.numSlices} x ${base.sliceLen} slices), CPU of the whole process (both threads); act = one rollout of ${framesPerRollout} frames (render, transforms, policy, epsilon-greedy) per frame; policy = one acting forward of the ${base.numEnvs} envs; updates, rollouts and policy steps of the two runs timed in turns, medians; ratios are data-parallel / one thread`,
    machine: machine(),
    ...figures,
    curve,
    dataParallelVsOneThread,
    byThreads,
  });
}

/**
 * The flagship replay's `BytePixels.decode` on one sampled batch (8 x 32 frames of 48x48, decoded twice an
 * update: pixels and next pixels) against the loop it replaced (one table lookup an iteration), in turns,
 * 200 of each: medians and the ratio. Both write the same floats (checked).
 */
async function replayCodec(): Promise<void> {
  // The flagship's fitted pixel statistics (seed 0), as ObservationNorm.initStats gives them.
  const norm = new ObservationNorm({
    standardNormal: true,
    inKeys: ["pixels"],
    loc: HostArray.from("float32", [1], [0.98954]),
    scale: HostArray.from("float32", [1], [0.075637]),
  });
  const codec = new BytePixels(norm);
  const shape = [FLAGSHIP.numSlices, FLAGSHIP.sliceLen, FLAGSHIP.frameSize, FLAGSHIP.frameSize, 1];
  const rng = new Rng(0);
  const bytes = new HostArray("uint8", shape);
  for (let i = 0; i < bytes.data.length; i++) bytes.data[i] = Math.floor(rng.uniform() * 256);
  const table = codec.decode(
    HostArray.from(
      "uint8",
      [256],
      Array.from({ length: 256 }, (_, u) => u),
    ),
  ).data;
  const fast = new HostArray("float32", shape);
  // The replaced method's body, as it was: arrays read from its arguments, one lookup an iteration.
  const oneLookupDecode = (from: HostArray, dst: HostArray<"float32">, lookup: Float32Array) => {
    const src = from.data as Uint8Array;
    const d = dst.data;
    for (let i = 0; i < src.length; i++) d[i] = lookup[src[i]!]!;
    return dst;
  };
  const baselineOut = new HostArray("float32", shape);
  const baseline = baselineOut.data;
  const oneLookup = () => oneLookupDecode(bytes, baselineOut, table);
  const times = { decode: [] as number[], oneLookup: [] as number[] };
  for (let k = 0; k < 220; k++) {
    const order = k % 2 === 0 ? (["decode", "oneLookup"] as const) : (["oneLookup", "decode"] as const);
    for (const which of order) {
      const t0 = performance.now();
      if (which === "decode") codec.decode(bytes, fast);
      else oneLookup();
      if (k >= 20) times[which].push(performance.now() - t0); // the first 20 warm the JIT
    }
  }
  if (!fast.data.every((v, i) => Object.is(v, baseline[i]))) throw new Error("replay-codec: the two decodes differ");
  const figures = { decodeMs: median(times.decode), oneLookupMs: median(times.oneLookup) };
  console.log(JSON.stringify(figures));
  save("replayCodec", {
    what: `BytePixels.decode of one flagship batch [${shape.join(", ")}] (an update decodes two) against the one-lookup-an-iteration loop it replaced, 200 of each in turns, median ms; ratio = decode / baseline`,
    machine: machine(),
    ...figures,
    ratio: figures.decodeMs / figures.oneLookupMs,
  });
}

const sections: Record<string, () => Promise<void>> = {
  cartpole,
  "state-cartpole": stateCartpole,
  history,
  pixel,
  flagship,
  "replay-codec": replayCodec,
};

await initBackend();
const wanted = process.argv.slice(2);
for (const name of wanted.length > 0 ? wanted : Object.keys(sections)) {
  const run = sections[name];
  if (run === undefined)
    throw new Error(`bench: unknown section "${name}"; sections: ${Object.keys(sections).join(", ")}`);
  await run();
}
