// Benchmarks for @tdrl/envs: CartPole stepping (single and batched) and pixel rendering, each beside a raw
// baseline measured in the same run (the machine is shared, so ratios are steadier than absolute figures).
import { HostArray, TensorDict, type TensorSpec } from "@tdrl/tensordict";
import { measure, printResult, withMetric, withTarget, writeResults, type BenchResult } from "../../../bench/harness";
import { CartPoleEnv } from "../src/cartpole/cartpole-env";
import { cartPoleStep, stepCartPoles } from "../src/cartpole/cartpole-physics";
import { renderCartPoleRgb, renderCartPoleSmall } from "../src/cartpole/render-cartpole";
import { stepMdp } from "../src/step-mdp";
import { benchBatched } from "./batched";

const results: BenchResult[] = [];
function record(result: BenchResult): BenchResult {
  printResult(result);
  results.push(result);
  return result;
}
const perSecond = (r: BenchResult, items: number) => (items * 1e6) / r.medianUs;

/**
 * Times `fn` and its raw baseline in alternating rounds, so that both see the same load on a shared
 * machine, and returns both results and the median over rounds of the per-item time ratio (`items` items
 * per call of `fn`, one per call of `base`).
 */
function paired(
  name: string,
  fn: () => unknown,
  baseName: string,
  base: () => unknown,
  items = 1,
  rounds = 15,
): { result: BenchResult; baseline: BenchResult; ratio: number } {
  const a: BenchResult[] = [];
  const b: BenchResult[] = [];
  const ratios: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const x = measure(name, fn, { rounds: 1, roundMs: 40, warmupMs: r === 0 ? 200 : 10 });
    const y = measure(baseName, base, { rounds: 1, roundMs: 40, warmupMs: r === 0 ? 200 : 10 });
    a.push(x);
    b.push(y);
    ratios.push(x.medianUs / items / y.medianUs);
  }
  return { result: combine(a), baseline: combine(b), ratio: median(ratios) };
}

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function combine(runs: BenchResult[]): BenchResult {
  const times = runs.map((r) => r.medianUs).sort((x, y) => x - y);
  const q = (p: number) => times[Math.min(times.length - 1, Math.floor(p * (times.length - 1) + 0.5))]!;
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
 * Median CPU time of one call of `fn` (user + system, all threads, so GC counts), in µs. Unlike wall time
 * it does not grow while the process waits for a core, so it is the steadier figure on a shared machine.
 */
function cpuUs(fn: () => unknown, rounds = 15, roundMs = 20): number {
  const perCall: number[] = [];
  let calls = 1;
  for (let t0 = performance.now(); performance.now() - t0 < roundMs; calls++) fn();
  for (let r = 0; r < rounds; r++) {
    const c0 = process.cpuUsage();
    for (let i = 0; i < calls; i++) fn();
    const c = process.cpuUsage(c0);
    perCall.push((c.user + c.system) / calls);
  }
  return median(perCall);
}

const cpuNote = (us: number, items: number, unit: string, scale = 1) =>
  `CPU time ${us.toFixed(2)} µs per call = ${((items * 1e6) / us / scale).toFixed(scale === 1 ? 0 : 1)} ${unit}`;

const times = (ratio: number, what = "") => `${ratio.toFixed(1)}x the raw baseline${what} (median of per-round ratios)`;

// Alternating pushes keep the pole up for a while, so resets are occasional, as in a real rollout.
const actionFor = (t: number) => t & 1;

// ---------------------------------------------------------------- single env

{
  const state = new Float64Array([0.01, 0, 0.01, 0]);
  let t = 0;
  const rawStep = () => {
    if (cartPoleStep(state, 0, actionFor(t++))) state.set([0.01, 0, 0.01, 0]);
  };

  const env = new CartPoleEnv({ seed: 0 });
  let root = env.reset();
  const actions = [HostArray.from("int32", [], [0]), HostArray.from("int32", [], [1])];
  const envStep = () => {
    root.set("action", actions[actionFor(t++)]!);
    root = env.stepAndMaybeReset(root)[1];
  };
  const { result, baseline, ratio } = paired(
    "cartpole single: step + stepMdp (+ reset when done)",
    envStep,
    "cartpole single: raw physics (Float64Array, no records)",
    rawStep,
  );
  record(withMetric(baseline, perSecond(baseline, 1), "steps/s"));
  record({
    ...withTarget(withMetric(result, perSecond(result, 1), "steps/s"), 300_000, "steps/s", false),
    note: `${times(ratio)}; ${cpuNote(cpuUs(envStep), 1, "steps/s")}`,
  });

  // Where the time goes: the record-building pieces of one step, measured alone.
  const obs = new HostArray("float32", [4], new Float32Array(4));
  const flag = () => new HostArray("bool", [1], new Uint8Array(1));
  const source = {
    observation: obs,
    reward: new HostArray("float32", [1], new Float32Array(1)),
    done: flag(),
    terminated: flag(),
    truncated: flag(),
  };
  record(
    measure(
      "cartpole single parts: new HostArray (4 floats)",
      () => new HostArray("float32", [4], new Float32Array(4)),
    ),
  );
  record(measure("cartpole single parts: new TensorDict (5 host leaves)", () => new TensorDict(source, [])));
  const stepped = TensorDict.from(
    { observation: obs, action: actions[0]!, done: source.done, next: new TensorDict(source, []) },
    [],
  );
  record(measure("cartpole single parts: stepMdp", () => stepMdp(stepped)));
  const actionSpec = env.actionSpec.get("action") as TensorSpec;
  record(measure("cartpole single parts: action spec check", () => actionSpec.isInRange(actions[1]!)));
}

// ---------------------------------------------------------------- batched env

{
  const n = 1024;
  const state = new Float64Array(4 * n).fill(0.01);
  const obs = new Float32Array(4 * n);
  const flags = new Uint8Array(n);
  const actionData = [new Int32Array(n).fill(0), new Int32Array(n).fill(1)];
  let t = 0;
  const rawStep = () => {
    stepCartPoles(n, state, actionData[actionFor(t++)]!, 1, 0, "euler", obs, flags, 0);
    for (let i = 0; i < n; i++) if (flags[i] === 1) state.fill(0.01, 4 * i, 4 * i + 4);
  };

  const env = new CartPoleEnv({ batchSize: [n], seed: 0 });
  let root = env.reset();
  const actions = [HostArray.full("int32", [n], 0), HostArray.full("int32", [n], 1)];
  const envStep = () => {
    root.set("action", actions[actionFor(t++)]!);
    root = env.stepAndMaybeReset(root)[1];
  };
  const { result, baseline, ratio } = paired(
    `cartpole batched ${n}: step + stepMdp + partial resets`,
    envStep,
    `cartpole batched ${n}: raw physics kernel (stepCartPoles)`,
    rawStep,
    1,
    // The overhead is a fraction of the kernel's time: more rounds, so that load swings average out.
    41,
  );
  record(withMetric(baseline, perSecond(baseline, n) / 1e6, "M env-steps/s"));
  const cpu = `${cpuNote(cpuUs(envStep), n, "M env-steps/s", 1e6)} (raw kernel: ${cpuNote(cpuUs(rawStep), n, "M", 1e6)})`;
  record({
    ...withTarget(withMetric(result, perSecond(result, n) / 1e6, "M env-steps/s"), 20, "M env-steps/s", false),
    note: `${times(ratio)}; ${cpu}`,
  });
}

// ---------------------------------------------------------------- pixels

{
  const states = Array.from({ length: 64 }, (_, i) => [((i % 9) - 4) * 0.5, 0, ((i % 7) - 3) * 0.05, 0]);
  const small = new Uint8Array(84 * 84);
  let k = 0;
  const rawSmall = () => renderCartPoleSmall(states[k++ & 63]!, small, { height: 84, width: 84, grayscale: true });

  const n = 64;
  const env = new CartPoleEnv({ batchSize: [n], fromPixels: true, renderSize: [84, 84], grayscale: true, seed: 0 });
  let root = env.reset();
  const actions = [HostArray.full("int32", [n], 0), HostArray.full("int32", [n], 1)];
  const envSmall = () => {
    root.set("action", actions[actionFor(k++)]!);
    root = env.stepAndMaybeReset(root)[1];
  };
  const s = paired(
    `pixels 84x84 gray: CartPoleEnv batch ${n} step + stepMdp`,
    envSmall,
    "pixels 84x84 gray: renderCartPoleSmall alone",
    rawSmall,
    n,
  );
  record(withMetric(s.baseline, perSecond(s.baseline, 1), "frames/s"));
  const cpu = `${cpuNote(cpuUs(envSmall), n, "frames/s")} (renderer alone: ${cpuNote(cpuUs(rawSmall), 1, "frames/s")})`;
  record({
    ...withTarget(withMetric(s.result, perSecond(s.result, n), "frames/s"), 200_000, "frames/s", false),
    note: `${times(s.ratio, " per frame")}; ${cpu}`,
  });

  const frame = new Uint8Array(400 * 600 * 3);
  const rawFull = () => renderCartPoleRgb(states[k++ & 63]!, frame);
  const fullEnv = new CartPoleEnv({ fromPixels: true, seed: 0 });
  let fullRoot = fullEnv.reset();
  const single = [HostArray.from("int32", [], [0]), HostArray.from("int32", [], [1])];
  const envFull = () => {
    fullRoot.set("action", single[actionFor(k++)]!);
    fullRoot = fullEnv.stepAndMaybeReset(fullRoot)[1];
  };
  const f = paired(
    "pixels 400x600 RGB: CartPoleEnv step + stepMdp",
    envFull,
    "pixels 400x600 RGB: renderCartPoleRgb alone",
    rawFull,
  );
  record(withMetric(f.baseline, perSecond(f.baseline, 1), "frames/s"));
  record({
    ...withTarget(withMetric(f.result, perSecond(f.result, 1), "frames/s"), 2_000, "frames/s", false),
    note: times(f.ratio),
  });
}

// ---------------------------------------------------------------- SerialEnv vs ParallelEnv

for (const r of benchBatched()) record(r);

const file = writeResults("envs", results);
console.log(`\nwrote ${file}`);
