// Sync-collector benchmarks: frames per second of SyncDataCollector on state CartPole (random and MLP
// Q-policies) and on the flagship pixel pipeline (the flagship's Nature-CNN + LSTM acting network), each
// paired with a hand-written loop doing the same env and policy work, timed in alternating rounds so both
// see the same machine load.
import * as tf from "@tensorflow/tfjs-core";
import { Rng, TensorDict } from "@tdrl/tensordict";
import { CartPoleEnv, type EnvBase } from "@tdrl/envs";
import { MLP, QValueModule, TensorDictModule, TensorDictSequential, type TensorDictModuleBase } from "@tdrl/modules";
import { withMetric, withTarget, type BenchResult } from "../../../bench/harness";
import { stackSteps } from "../src/stack-steps";
import { SyncDataCollector } from "../src/sync-data-collector";
import { makeFlagshipActor } from "./multi-fixtures";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * Times `fn` and `base` (both collecting `frames` frames per call) in alternating rounds. The ratio is of
 * CPU time (this process), which the other users of the shared machine disturb far less than wall time.
 */
function paired(
  name: string,
  fn: () => unknown,
  baseName: string,
  base: () => unknown,
  frames: number,
  rounds: number,
  reps = 1,
): BenchResult[] {
  const wall: [number[], number[]] = [[], []];
  const cpu: [number[], number[]] = [[], []];
  fn();
  base();
  const once = (f: () => unknown, side: 0 | 1) => {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let k = 0; k < reps; k++) f();
    wall[side].push(((performance.now() - t0) * 1000) / reps);
    const c = process.cpuUsage(c0);
    cpu[side].push((c.user + c.system) / reps);
  };
  // The order flips every round, so garbage one side leaves behind is not always collected in the other's time.
  for (let r = 0; r < rounds; r++) {
    if (r % 2 === 0) {
      once(fn, 0);
      once(base, 1);
    } else {
      once(base, 1);
      once(fn, 0);
    }
  }
  const result = (label: string, times: number[]): BenchResult => {
    const sorted = [...times].sort((x, y) => x - y);
    const m = median(times);
    return withMetric(
      {
        name: label,
        medianUs: m,
        p10Us: sorted[Math.floor(0.1 * (sorted.length - 1) + 0.5)]!,
        p90Us: sorted[Math.floor(0.9 * (sorted.length - 1) + 0.5)]!,
        rounds,
        callsPerRound: reps,
      },
      (frames * 1e6) / m,
      "frames/s",
    );
  };
  const cpuRatio = median(cpu[0]) / median(cpu[1]);
  return [
    result(baseName, wall[1]),
    {
      ...result(name, wall[0]),
      note: `${cpuRatio.toFixed(2)}x the hand loop's CPU time per batch (medians; wall-time ratio ${(median(wall[0]) / median(wall[1])).toFixed(2)}x)`,
    },
  ];
}

/**
 * The collector's work without the collector: policy, download and free, step, putting back the policy's
 * `"next"` entries (its recurrent state, which `env.step` replaces), stepMdp, partial reset, stack (zero-filling
 * the state at the very first step, as the collector does).
 */
function handLoop(env: EnvBase, policy: ((td: TensorDict) => TensorDict) | null, steps: number): () => TensorDict {
  let root = env.reset();
  return () => {
    const out: TensorDict[] = [];
    for (let t = 0; t < steps; t++) {
      let td: TensorDict;
      if (policy === null) td = env.randAction(root);
      else {
        const written = policy(root);
        td = written.toHost();
        written.dispose();
      }
      const fromPolicy = td.has("next") ? td.get("next") : undefined;
      env.step(td);
      if (fromPolicy instanceof TensorDict)
        for (const [path, leaf] of fromPolicy.leaves()) (td.get("next") as TensorDict).set(path, leaf);
      root = env.stepMdp(td);
      const done = td.getHost("next.done");
      if (done.data.includes(1)) root = env.reset(root.set("_reset", done));
      out.push(td);
    }
    return stackSteps(out, env.batchSize.length);
  };
}

const forward = (m: TensorDictModuleBase) => (td: TensorDict) => m.forward(td);

export async function syncBenchmarks(): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  // ---- state CartPole, random policy (the env's action stream, as initRandomFrames uses)
  {
    const n = 16;
    const fpb = n * 64;
    const env = new CartPoleEnv({ batchSize: [n], seed: 0 });
    const c = new SyncDataCollector(env, (td) => env.randAction(td), { framesPerBatch: fpb });
    const baseEnv = new CartPoleEnv({ batchSize: [n], seed: 0 });
    results.push(
      ...paired(
        `SyncDataCollector state CartPole [${n}], random policy, ${fpb}-frame batches`,
        () => c.rollout(),
        "hand loop, same env and policy",
        handLoop(baseEnv, null, fpb / n),
        fpb,
        15,
        20,
      ),
    );
  }
  // ---- state CartPole, MLP Q-policy
  {
    const n = 16;
    const fpb = n * 32;
    const make = () =>
      new TensorDictSequential(
        new TensorDictModule(
          new MLP({ inFeatures: 4, outFeatures: 2, numCells: [64, 64], activation: "relu", rng: new Rng(0) }),
          { inKeys: ["observation"], outKeys: ["action_value"] },
        ),
        new QValueModule({ actionSpace: "categorical" }),
      );
    const policy = make();
    const c = new SyncDataCollector(new CartPoleEnv({ batchSize: [n], seed: 0 }), policy, { framesPerBatch: fpb });
    results.push(
      ...paired(
        `SyncDataCollector state CartPole [${n}], MLP(64, 64) Q-policy, ${fpb}-frame batches`,
        () => c.rollout(),
        "hand loop, same env and policy",
        handLoop(new CartPoleEnv({ batchSize: [n], seed: 0 }), forward(make()), fpb / n),
        fpb,
        11,
        2,
      ),
    );
  }
  // ---- flagship pixels: 84x84 grayscale CartPole, the flagship's acting network (Nature CNN -> LSTM 128 -> MLP head)
  {
    const n = 4;
    const fpb = n * 8;
    const pixelEnv = () =>
      new CartPoleEnv({ batchSize: [n], fromPixels: true, renderSize: [84, 84], grayscale: true, seed: 0 });
    const makeActor = async () =>
      (await makeFlagshipActor(0, undefined, { seed: 0, env: pixelEnv() })) as TensorDictModuleBase;
    const c = new SyncDataCollector(pixelEnv(), await makeActor(), { framesPerBatch: fpb });
    const hand = handLoop(pixelEnv(), forward(await makeActor()), fpb / n);
    const before = tf.memory().numTensors;
    const pair = paired(
      `SyncDataCollector pixel CartPole [${n}] 84x84, flagship Nature-CNN + LSTM Q-policy, ${fpb}-frame batches`,
      () => c.rollout(),
      "hand loop, same env and policy",
      hand,
      fpb,
      7,
    );
    const leaked = tf.memory().numTensors - before;
    results.push(pair[0]!, { ...pair[1]!, note: `${pair[1]!.note}; tensors leaked over the run: ${leaked}` });
  }
  return results.map((r) =>
    r.name.startsWith("SyncDataCollector state CartPole") && r.name.includes("random")
      ? withTarget(r, 100_000, "frames/s", false)
      : r,
  );
}
