/**
 * Learning benchmarks of the example programs (not CI tests): `npm run bench -w examples [-- section...]`.
 * Sections: `cartpole` and `history` (the tuned state-DQN recipe, and the state-history DQN, on 5 seeds:
 * steps to solve, wall time, frames/s), `pixel` (a pixel-DQN run of BENCH_PIXEL_FRAMES frames, default 60k:
 * the learning curve and frames/s) and `flagship` (a flagship run of BENCH_FLAGSHIP_FRAMES frames, default
 * 40k: frames/s, update and acting costs, and the learning curve); no section given runs them all. Results merge into
 * `bench/results/examples.json` at the repository root, with the machine they came from.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { initBackend } from "@tdrl/tensordict";
import { TUNED } from "../src/dqn-cartpole-config";
import { trainDqnCartPole } from "../src/dqn-cartpole";
import { FLAGSHIP } from "../src/flagship-config";
import { trainFlagship } from "../src/flagship";
import { HISTORY_DQN, trainHistoryDqn } from "../src/history-dqn";
import { PIXEL_DQN, trainPixelDqn } from "../src/pixel-dqn";
import type { TrainerResult } from "@tdrl/trainers";
import type { TrainOptions } from "../src/core/train-run";

const here = dirname(fileURLToPath(import.meta.url));
// The repository's bench/results/, beside every package's benchmark results.
const out = join(here, "..", "..", "..", "bench", "results", "examples.json");

function machine(): Record<string, unknown> {
  return { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? "unknown", memGiB: Math.round(totalmem() / 2 ** 30), node: process.version, loadAvg1m: loadavg()[0] };
}

function save(section: string, value: unknown): void {
  const all = existsSync(out) ? (JSON.parse(readFileSync(out, "utf8")) as Record<string, unknown>) : {};
  all[section] = value;
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(all, null, 2) + "\n");
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

type Trainer<C> = (config: C, options: TrainOptions) => Promise<{ result: TrainerResult; built: { dispose(): void } }>;

/** Trains `config` on 5 seeds, each stopped at its first solving evaluation: the figure is frames to solve, not the final score. */
async function solveOnSeeds<C extends { seed: number }>(section: string, what: string, config: C, train: Trainer<C>): Promise<void> {
  const seeds = [0, 1, 2, 3, 4];
  const runs = [];
  for (const seed of seeds) {
    const curve: { frames: number; eval: number }[] = [];
    const { result, built } = await train({ ...config, seed }, { stopWhenSolved: true, log: (r) => r.evalMean !== undefined && curve.push({ frames: r.frames, eval: r.evalMean }) });
    built.dispose();
    const run = { seed, solvedAtFrames: result.state.solvedAtFrames, bestEval: result.state.bestEval, finalEval: result.lastEval?.mean ?? null, seconds: result.seconds, framesPerSecond: result.state.frames / result.seconds, curve };
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
  solveOnSeeds("cartpoleTuned", "tuned state DQN on CartPole-v1; solved = greedy mean >= 475 over 20 episodes at an evaluation every 2560 frames, within 50k frames", TUNED, trainDqnCartPole);

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

async function flagship(): Promise<void> {
  const frames = Number(process.env.BENCH_FLAGSHIP_FRAMES ?? 40_000);
  const curve: { frames: number; seconds: number; eval: number; framesPerSecond: number }[] = [];
  const config = { ...FLAGSHIP, totalFrames: frames, evalEvery: Math.min(FLAGSHIP.evalEvery, frames) };
  const { result, built } = await trainFlagship(config, {
    log: (r) => {
      if (r.evalMean === undefined) return;
      curve.push({ frames: r.frames, seconds: r.seconds, eval: r.evalMean, framesPerSecond: r.framesPerSecond });
      console.log(JSON.stringify(curve[curve.length - 1]));
    },
  });
  // Per-operation costs on the trained run: one gradient step (8 x 32 slices) and one acting step (4 envs).
  const time = (n: number, f: () => void) => {
    const ts: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      f();
      ts.push(performance.now() - t0);
    }
    return median(ts);
  };
  const updateMs = time(10, () => built.learner.update());
  const probe = built.env.reset();
  const actMs = time(50, () => built.actor.forward(probe, "random"));
  built.dispose();
  save("flagship", {
    what: `flagship defaults (flagship-config.ts) for ${frames} frames; eval = greedy mean over ${FLAGSHIP.evalEpisodes} episodes`,
    machine: machine(),
    seconds: result.seconds,
    framesPerSecond: result.state.frames / result.seconds,
    updates: result.state.updates,
    medianUpdateMs: updateMs,
    medianActMsFor4Envs: actMs,
    bestEval: result.state.bestEval,
    curve,
  });
}

const sections: Record<string, () => Promise<void>> = { cartpole, history, pixel, flagship };

await initBackend();
const wanted = process.argv.slice(2);
for (const name of wanted.length > 0 ? wanted : Object.keys(sections)) {
  const run = sections[name];
  if (run === undefined) throw new Error(`bench: unknown section "${name}"; sections: ${Object.keys(sections).join(", ")}`);
  await run();
}
