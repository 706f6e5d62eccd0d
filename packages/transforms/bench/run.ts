// Benchmarks for @tdrl/transforms (issue #4). The machine is shared, so every case is paired with a baseline
// measured in alternating rounds of the same run (measurePaired) and the ratio is the steadier figure:
// - the flagship pixel pipeline per env step, on full 400x600 frames and on the env's 84x84 fast path, for one
//   env and a batch of 16, fused (what Compose runs) and unfused (`fusion = false`), each against the bare env;
// - the cheap bookkeeping transforms (StepCounter, InitTracker, RewardScaling, RewardSum, TensorDictPrimer) on
//   a state CartPole, against the bare env: the per-step cost of TransformedEnv and Compose themselves;
// - the image transforms alone on one full frame, and the fused pass, against a raw byte -> float copy loop.
import { CartPoleEnv, type CartPoleEnvOptions, type EnvBase } from "@tdrl/envs";
import { Composite, HostArray, TensorDict, Unbounded } from "@tdrl/tensordict";
import {
  measurePaired,
  printResult,
  withMetric,
  withTarget,
  writeResults,
  type BenchResult,
} from "../../../bench/harness";
import { Compose } from "../src/compose";
import { GrayScale } from "../src/gray-scale";
import { InitTracker } from "../src/init-tracker";
import { ObservationNorm } from "../src/observation-norm";
import { Resize } from "../src/resize";
import { RewardScaling } from "../src/reward-scaling";
import { RewardSum } from "../src/reward-sum";
import { StepCounter } from "../src/step-counter";
import { TensorDictPrimer } from "../src/tensordict-primer";
import { ToTensorImage } from "../src/to-tensor-image";
import type { Transform } from "../src/transform";
import { TransformedEnv } from "../src/transformed-env";

const results: BenchResult[] = [];
function record(result: BenchResult): void {
  printResult(result);
  results.push(result);
}

/**
 * The flagship's transforms. ObservationNorm gets a fixed loc and scale rather than `initStats` (which
 * rolls the env out once at set-up): the per-step work is the same.
 */
function flagship(resize: boolean): Transform[] {
  return [
    new ToTensorImage(),
    new GrayScale(),
    ...(resize ? [new Resize(84, 84)] : []),
    new StepCounter(),
    new InitTracker(),
    new RewardScaling(0, 0.1),
    new ObservationNorm({ loc: 0.9, scale: 0.1, standardNormal: true, inKeys: ["pixels"] }),
  ];
}

/** One `stepAndMaybeReset` of the whole batch per call, alternating actions so the pole stays up a while. */
function stepper(env: EnvBase): () => void {
  const actions = [0, 1].map((a) => HostArray.full("int32", env.batchSize, a));
  let root = env.reset();
  let t = 0;
  return () => {
    root.set("action", actions[t++ & 1]!);
    root = env.stepAndMaybeReset(root)[1];
  };
}

/**
 * CPU time (user + system, µs) per call of `fn` over about `ms` of wall time: on a loaded machine the wall
 * time counts the other processes' turns too, CPU time only ours (GC threads included).
 */
function cpuPerCall(fn: () => void, ms = 400): number {
  fn();
  const end = performance.now() + ms;
  const c0 = process.cpuUsage();
  let calls = 0;
  do {
    fn();
    calls++;
  } while (performance.now() < end);
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / calls;
}

/** Records `result` (one call = one batch step of `batch` env steps) with steps/s both ways and its ratio to the bare env. */
function recordStep(result: BenchResult, batch: number, ratio: number | null, target?: number, cpuUs?: number): void {
  const envSteps = (batch * 1e6) / result.medianUs;
  const batchSteps = 1e6 / result.medianUs;
  const perBatch = batch > 1 ? `; ${batchSteps.toFixed(0)} batch steps/s (one call = ${batch} env steps)` : "";
  const vsBare = ratio === null ? "" : `${ratio.toFixed(2)}x the bare env's time per step (median of per-round ratios)`;
  let r = withMetric(result, envSteps, "env steps/s");
  if (target !== undefined) r = withTarget(r, target, "env steps/s", false);
  const cpu = cpuUs === undefined ? "" : `; ${(cpuUs / batch).toFixed(0)} µs CPU per env step`;
  record({ ...r, note: `${vsBare}${perBatch}${cpu}`.replace(/^; /, "") });
}

// ---------------------------------------------------------------- the flagship pipeline

const cases: { label: string; options: CartPoleEnvOptions; resize: boolean; target: number }[] = [
  { label: "full 400x600 frames", options: { fromPixels: true }, resize: true, target: 1_500 },
  {
    label: "84x84 fast path, no Resize",
    options: { fromPixels: true, renderSize: [84, 84], grayscale: true },
    resize: false,
    target: 50_000,
  },
];

/** `TDRL_BENCH_ONLY=<regex>` runs only the flagship cases whose description matches (e.g. "batch of 16, 84"). */
const only = process.env.TDRL_BENCH_ONLY === undefined ? null : new RegExp(process.env.TDRL_BENCH_ONLY);

for (const batch of [1, 16]) {
  for (const c of cases) {
    const batchSize = batch === 1 ? [] : [batch];
    const what = `${batch === 1 ? "one env" : `batch of ${batch}`}, ${c.label}`;
    if (only !== null && !only.test(what)) continue;
    const make = (fusion: boolean) => {
      const env = new TransformedEnv(
        new CartPoleEnv({ ...c.options, batchSize, seed: 0 }),
        new Compose(...flagship(c.resize)),
      );
      env.transform.fusion = fusion;
      return env;
    };
    const bare = () => stepper(new CartPoleEnv({ ...c.options, batchSize, seed: 0 }));
    const [fusedStep, plainStep, bareStep] = [stepper(make(true)), stepper(make(false)), bare()];
    const fused = measurePaired(`flagship fused, ${what}`, fusedStep, `bare CartPoleEnv, ${what}`, bare());
    const plain = measurePaired(`flagship unfused, ${what}`, plainStep, `bare CartPoleEnv, ${what}`, bare());
    recordStep(fused.baseline, batch, null, undefined, cpuPerCall(bareStep));
    recordStep(fused.result, batch, fused.ratio, c.target, cpuPerCall(fusedStep));
    recordStep(plain.result, batch, plain.ratio, undefined, cpuPerCall(plainStep));
  }
}

// ---------------------------------------------------------------- per-step overhead of the cheap transforms

if (only !== null) process.exit(0);

for (const batch of [1, 16]) {
  const batchSize = batch === 1 ? [] : [batch];
  const state = () => new CartPoleEnv({ batchSize, seed: 0 });
  const primer = () =>
    new TensorDictPrimer({
      specs: new Composite({ h: new Unbounded({ shape: [1, 128] }), c: new Unbounded({ shape: [1, 128] }) }),
    });
  const core = () => [
    new StepCounter({ maxSteps: 200 }),
    new InitTracker(),
    new RewardScaling(0, 0.1),
    new RewardSum(),
  ];
  const chains: [string, () => Transform[]][] = [
    ["empty TransformedEnv", () => []],
    ["StepCounter, InitTracker, RewardScaling, RewardSum", core],
    ["the same + TensorDictPrimer(h, c [1, 128])", () => [...core(), primer()]],
  ];
  const what = batch === 1 ? "one env" : `batch of ${batch}`;
  let baseline: BenchResult | null = null;
  for (const [label, make] of chains) {
    const paired = measurePaired(
      `${label}, state CartPole, ${what}`,
      stepper(new TransformedEnv(state(), new Compose(...make()))),
      `bare CartPoleEnv (state), ${what}`,
      stepper(state()),
    );
    if (baseline === null) recordStep((baseline = paired.baseline), batch, null);
    recordStep(paired.result, batch, paired.ratio);
  }
}

// ---------------------------------------------------------------- where a full-frame step goes

{
  const frame = new CartPoleEnv({ fromPixels: true, seed: 0 });
  frame.reset();
  const pixels = frame.render();
  const unit = new ToTensorImage().forward(new TensorDict({ pixels })).getHost("pixels");
  const gray = new GrayScale().forward(new TensorDict({ pixels: unit })).getHost("pixels");
  // The floor of any byte-to-float pass over a frame: a plain conversion loop (into one buffer, so that
  // allocating and collecting 2.9 MB per call does not swamp it).
  const copySrc = pixels.data as Uint8Array;
  const copyOut = new Float32Array(copySrc.length);
  const copy = () => {
    for (let i = 0; i < copySrc.length; i++) copyOut[i] = copySrc[i]!;
  };
  const run = (t: Transform | Compose, input: HostArray) => () => t.forward(new TensorDict({ pixels: input }));
  const parts: [string, () => unknown][] = [
    ["ToTensorImage, uint8 [400, 600, 3] -> float32", run(new ToTensorImage(), pixels)],
    ["GrayScale, float32 [400, 600, 3] -> [400, 600, 1]", run(new GrayScale(), unit)],
    ["Resize(84, 84) bilinear antialias, [400, 600, 1]", run(new Resize(84, 84), gray)],
    ["Resize(84, 84) bilinear, no antialias", run(new Resize(84, 84, { antialias: false }), gray)],
    ["Resize(84, 84) area", run(new Resize(84, 84, { interpolation: "area" }), gray)],
    [
      "fused ToTensorImage+GrayScale+Resize(84, 84), uint8 [400, 600, 3]",
      run(new Compose(new ToTensorImage(), new GrayScale(), new Resize(84, 84)), pixels),
    ],
  ];
  const unfused = new Compose(new ToTensorImage(), new GrayScale(), new Resize(84, 84));
  unfused.fusion = false;
  parts.push(["unfused ToTensorImage, GrayScale, Resize(84, 84)", run(unfused, pixels)]);
  for (const [name, fn] of parts) {
    const { result, baseline, ratio } = measurePaired(
      `part: ${name}`,
      fn,
      "raw uint8 -> float32 copy loop of a full frame",
      copy,
    );
    record({
      ...result,
      note: `${ratio.toFixed(2)}x the raw copy loop (${baseline.medianUs.toFixed(0)} µs in the same rounds); ${cpuPerCall(fn).toFixed(0)} µs CPU`,
    });
  }
  const small = new CartPoleEnv({ fromPixels: true, renderSize: [84, 84], grayscale: true, seed: 0 })
    .reset()
    .getHost("pixels");
  const norm = () => new ObservationNorm({ loc: 0.9, scale: 0.1, standardNormal: true, inKeys: ["pixels"] });
  const smallUnfused = new Compose(new ToTensorImage(), new GrayScale(), norm());
  smallUnfused.fusion = false;
  const smallParts: [string, () => unknown][] = [
    [
      "fused ToTensorImage+GrayScale+ObservationNorm, uint8 [84, 84, 1]",
      run(new Compose(new ToTensorImage(), new GrayScale(), norm()), small),
    ],
    ["unfused ToTensorImage, GrayScale, ObservationNorm, uint8 [84, 84, 1]", run(smallUnfused, small)],
  ];
  for (const [name, fn] of smallParts) {
    const { result, ratio } = measurePaired(
      `part: ${name}`,
      fn,
      "bare fast-path env step",
      stepper(new CartPoleEnv({ fromPixels: true, renderSize: [84, 84], grayscale: true, seed: 0 })),
    );
    record({ ...result, note: `${ratio.toFixed(2)}x a bare fast-path env step` });
  }
  const fullStep = measurePaired(
    "part: bare env step with a full-frame render",
    stepper(frame),
    "raw uint8 -> float32 copy loop of a full frame",
    copy,
  );
  record({ ...fullStep.result, note: `${fullStep.ratio.toFixed(2)}x the raw copy loop` });
}

const file = writeResults("transforms", results, {
  notes:
    "flagship pipeline = ToTensorImage, GrayScale, Resize(84, 84), StepCounter, InitTracker, RewardScaling(0, 0.1), ObservationNorm(standardNormal); " +
    "env steps/s counts every sub-env (a batch-16 call is 16 env steps); ratios are per-round medians against the baseline measured alternately in the same run",
});
console.log(`\nwrote ${file}`);
