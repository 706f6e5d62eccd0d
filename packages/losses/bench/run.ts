// `npm run bench -w @tdrl/losses`: full DQN and recurrent-DQN updates (loss, backprop, Adam, soft target
// update); JSON in bench/results/losses.json. Reference figures come from PyTorch on the same machine.
import * as tf from "@tensorflow/tfjs-core";
import { measure, printResult, withTarget, writeResults, type BenchResult } from "../../../bench/harness";
import { HostArray, Rng, TensorDict } from "@tdrl/tensordict";
import { initBackend } from "@tdrl/backend";
import { MLP, TensorDictModule } from "@tdrl/modules";
import { DQNLoss, SoftUpdate, type LossModule } from "../src/index";
import { flagshipCase } from "./flagship-case";

const report = await initBackend({ prefer: "wasm" });
console.log("backend:", JSON.stringify(report));
const results: BenchResult[] = [];
const add = (r: BenchResult) => {
  printResult(r);
  results.push(r);
};
const rng = new Rng(0);
const leaks: Record<string, { before: number; after: number }> = {};

/** CPU time of one call (ms): the machine is shared, so wall-clock medians include time spent waiting for a core. */
function cpuMs(fn: () => void, calls: number): number {
  const c0 = process.cpuUsage();
  for (let i = 0; i < calls; i++) fn();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000 / calls;
}

/** One training step as a user writes it: gradients of the loss, Adam, then the target update. */
function makeUpdate(
  loss: LossModule,
  optimizer: tf.Optimizer,
  updater: SoftUpdate,
  batch: () => TensorDict,
): () => void {
  const vars = loss.parameterList();
  return () => {
    const td = batch();
    const { value, grads } = tf.variableGrads(() => loss.forward(td).getTensor("loss") as tf.Scalar, vars);
    optimizer.applyGradients(grads);
    updater.step();
    // Reading the loss forces the whole update to finish inside the timed call.
    value.dataSync();
    tf.dispose([value, grads]);
  };
}

/**
 * Warm-up calls run before the baseline count, because Adam allocates its moment variables on the first
 * applyGradients; only what is left over by the timed calls counts as a leak.
 */
function timed(name: string, update: () => void, warmups: number, run: () => BenchResult, cpuCalls: number): void {
  for (let i = 0; i < warmups; i++) update();
  const before = tf.memory().numTensors;
  const r = run();
  const cpu = cpuMs(update, cpuCalls);
  const after = tf.memory().numTensors;
  leaks[name] = { before, after };
  console.log(`  tensors before ${before}, after ${after}`);
  add({ ...r, note: `${cpu.toFixed(1)} ms CPU per call; numTensors ${before} -> ${after}` });
}

// 1. DQN: MLP 4-256-256-2, batch 64, double DQN, smooth L1. PyTorch: ~0.8 ms per update at batch 256.
{
  const N = 64;
  const qnet = new TensorDictModule(
    new MLP({ inFeatures: 4, outFeatures: 2, numCells: [256, 256], activation: "relu", rng: new Rng(1) }),
    {
      inKeys: ["observation"],
      outKeys: ["action_value"],
    },
  );
  const loss = new DQNLoss(qnet, { lossFunction: "smoothL1", doubleDqn: true, gamma: 0.99 });
  const updater = new SoftUpdate(loss, { eps: 0.995 });
  const optimizer: tf.Optimizer = tf.train.adam(1e-3);
  const obs = HostArray.zeros("float32", [N, 4]);
  const nextObs = HostArray.zeros("float32", [N, 4]);
  rng.fillNormal(obs.data);
  rng.fillNormal(nextObs.data);
  const action = HostArray.zeros("int32", [N]);
  rng.fillInt(action.data, 0, 2);
  const reward = HostArray.zeros("float32", [N, 1]);
  rng.fillNormal(reward.data);
  const terminated = HostArray.zeros("bool", [N, 1]);
  for (let i = 0; i < N; i++) terminated.data[i] = rng.bool(0.05) ? 1 : 0;
  const batch = () =>
    new TensorDict({ observation: obs, action, next: { observation: nextObs, reward, terminated } }, [N]);
  const update = makeUpdate(loss, optimizer, updater, batch);
  const name = "DQN update MLP 4-256-256-2 batch 64 (double, smoothL1, Adam, SoftUpdate)";
  timed(name, update, 5, () => measure(name, update, { rounds: 10, roundMs: 300 }), 50);
  optimizer.dispose();
  loss.dispose();
}

// 2. Recurrent DQN on the flagship: Nature CNN on 84x84x1 -> LSTM 128 (sequence mode) -> MLP head, [4, 50]
// slices (see flagship-case.ts; `bench/profile.ts` splits the update). PyTorch on this machine: ~80 ms per update.
{
  const c = flagshipCase(rng);
  const update = makeUpdate(c.loss, c.optimizer, c.updater, c.batch);
  const name = "Recurrent DQN update NatureCNN-LSTM128-MLP [4, 50] (double, Adam, SoftUpdate)";
  timed(
    name,
    update,
    2,
    () => withTarget(measure(name, update, { rounds: 5, callsPerRound: 1, warmupMs: 0 }), 600_000, "us", true),
    2,
  );
  c.dispose();
}

const file = writeResults("losses", results, {
  backend: report,
  numTensors: leaks,
  reference: { dqnMlpBatch256PyTorchMs: 0.8, recurrentDqnFlagshipPyTorchMs: 80 },
  note: "one wasm thread; medians of wall time on a shared machine",
});
console.log(`wrote ${file}`);
const grown = Object.entries(leaks).filter(([, v]) => v.after > v.before);
if (grown.length > 0)
  throw new Error(`tensor leak: ${grown.map(([k, v]) => `${k}: ${v.before} -> ${v.after}`).join("; ")}`);
