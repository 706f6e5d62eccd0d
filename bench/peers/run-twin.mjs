#!/usr/bin/env node
/**
 * tdrl beside its PyTorch twin (`../shared/peers/`, see its README), in one session: `npm run bench:peers`.
 * Runs the twin's `--bench` (update and acting micro-benchmark, one torch thread, then two), then tdrl's
 * `npm run bench -w examples -- flagship` on a short run (PEERS_TDRL_FRAMES frames, default 4000, like the
 * twin's `--bench-fill`), then the twin at one thread again (the machine is shared: a drift between the two
 * twin runs shows how steady the window was), and writes both sides and the tdrl / twin ratios to
 * bench/results/peers.json. The CPU-time ratios are the framework comparison; wall times depend on the load.
 * Without Debian's python3-torch the script says so and exits 0 (nothing to compare against).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const peers = process.env.TDRL_PEERS_DIR ?? join(root, "..", "shared", "peers");
const out = join(root, "bench", "results", "peers.json");
const runTwin = join(peers, "run-twin.sh");

function write(value) {
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(value, null, 2)}\n`);
}

const machine = () => ({
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model ?? "unknown",
  node: process.version,
  loadAvg1m: loadavg()[0],
});

const hasTorch = spawnSync("/usr/bin/python3", ["-c", "import torch, pygame"], { stdio: "ignore" }).status === 0;
if (!existsSync(runTwin) || !hasTorch) {
  const note = !existsSync(runTwin)
    ? `the twin's runner ${runTwin} is missing (set TDRL_PEERS_DIR)`
    : "python3-torch / python3-pygame are not installed (as root: apt-get install -y python3-torch python3-pygame python3-numpy libopenblas0-pthread)";
  console.log(`bench:peers: skipped, ${note}; nothing compared.`);
  write({ skipped: true, note, date: new Date().toISOString(), machine: machine() });
  process.exit(0);
}

/** The twin's bench at `threads` torch threads: its JSON lines (one per rep, then the acting split). */
function twin(threads) {
  const updates = process.env.PEERS_TWIN_UPDATES ?? "20";
  const r = spawnSync(
    runTwin,
    ["--bench", "--threads", String(threads), "--bench-updates", updates, "--bench-acts", "30"],
    { encoding: "utf8", maxBuffer: 1 << 24 },
  );
  if (r.status !== 0) throw new Error(`bench:peers: the twin failed (exit ${r.status}): ${r.stderr}`);
  const rows = r.stdout
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l));
  const run = rows.find((x) => "update_cpu_ms" in x);
  const split = rows.find((x) => "policy" in x);
  if (run === undefined) throw new Error(`bench:peers: no timing row in the twin's output:\n${r.stdout}`);
  console.log(`twin, ${threads} thread(s): ${JSON.stringify(run)}`);
  return {
    threads,
    updateMs: run.update_ms,
    updateCpuMs: run.update_cpu_ms,
    actMsPerFrame: run.act_ms_per_frame,
    actCpuMsPerFrame: run.act_cpu_ms_per_frame,
    policyCpuMsFor4Envs: split?.policy ?? null,
  };
}

/** tdrl's flagship bench on a short run, written to a scratch file rather than examples.json. */
function tdrl() {
  const scratch = join(tmpdir(), `tdrl-peers-${process.pid}.json`);
  const frames = process.env.PEERS_TDRL_FRAMES ?? "4000";
  const r = spawnSync("npm", ["run", "bench", "-w", "examples", "--", "flagship"], {
    cwd: root,
    encoding: "utf8",
    maxBuffer: 1 << 24,
    env: {
      ...process.env,
      BENCH_FLAGSHIP_FRAMES: frames,
      BENCH_FLAGSHIP_UPDATES: process.env.PEERS_TDRL_UPDATES ?? "20",
      BENCH_EXAMPLES_OUT: scratch,
    },
  });
  if (r.status !== 0) throw new Error(`bench:peers: tdrl's flagship bench failed (exit ${r.status}): ${r.stderr}`);
  const f = JSON.parse(readFileSync(scratch, "utf8")).flagship;
  rmSync(scratch, { force: true });
  console.log(
    `tdrl: ${JSON.stringify({ ...f, curve: undefined, machine: undefined, what: undefined, byThreads: undefined })}`,
  );
  // The flagship bench times one learner thread and, on 2+ cores, the data-parallel update (learnerThreads 2).
  const figures = (learnerThreads) => {
    const r = (f.byThreads ?? [{ learnerThreads: 1, ...f }]).find((x) => x.learnerThreads === learnerThreads);
    if (r === undefined) return null;
    return {
      learnerThreads,
      frames: Number(frames),
      framesPerSecond: r.framesPerSecond,
      updateMs: r.medianUpdateMs,
      updateCpuMs: r.medianUpdateCpuMs,
      updateMainThreadCpuMs: r.meanUpdateMainThreadCpuMs ?? null,
      actMsPerFrame: r.actMsPerFrame,
      actCpuMsPerFrame: r.actCpuMsPerFrame,
      policyCpuMsFor4Envs: r.medianPolicyCpuMsFor4Envs,
    };
  };
  return { oneThread: figures(1), dataParallel: figures(2) };
}

const ratio = (a, b) => (a == null || b == null || b === 0 ? null : a / b);
const ratios = (t, p) => ({
  updateCpu: ratio(t.updateCpuMs, p.updateCpuMs),
  updateWall: ratio(t.updateMs, p.updateMs),
  actCpuPerFrame: ratio(t.actCpuMsPerFrame, p.actCpuMsPerFrame),
  policyCpu: ratio(t.policyCpuMsFor4Envs, p.policyCpuMsFor4Envs),
});

const started = new Date().toISOString();
const twin1 = twin(1);
const twin2 = twin(2);
const { oneThread: ours, dataParallel } = tdrl();
const twin1again = twin(1);
const result = {
  what: "flagship recipe (8 x 32 slices, burn-in 8, 48x48 grey, conv 16/32 + LSTM 128, double DQN, Adam, soft target): medians of one update and of acting per frame; tdrl on wasm (one thread; tdrlDataParallel: learnerThreads 2, the default on 2+ cores), the twin on PyTorch + OpenBLAS; ratios are tdrl / twin (below 1: tdrl faster); act compares renderers as much as frameworks (see ../shared/peers/README.md)",
  started,
  finished: new Date().toISOString(),
  machine: machine(),
  tdrl: ours,
  tdrlDataParallel: dataParallel,
  twin: { oneThread: twin1, twoThreads: twin2, oneThreadAgain: twin1again },
  ratios: {
    vsOneThread: ratios(ours, twin1),
    vsTwoThreads: ratios(ours, twin2),
    vsOneThreadAgain: ratios(ours, twin1again),
    dataParallelVsTwoThreads: dataParallel === null ? null : ratios(dataParallel, twin2),
  },
};
write(result);
console.log(JSON.stringify(result.ratios, null, 2));
