// `npm run bench -w @tdrl/modules`: LSTM training step and a DQN-style MLP update; JSON in bench/results/modules.json.
// tf.layers is not available (tfjs-core only), so there is no tf.layers.lstm comparison.
import * as tf from "@tensorflow/tfjs-core";
import {
  measure,
  measurePaired,
  printResult,
  withMetric,
  withTarget,
  writeResults,
  type BenchResult,
} from "../../../bench/harness";
import { HostArray, Rng, TensorDict } from "@tdrl/tensordict";
import { initBackend } from "@tdrl/backend";
import { copyParams, LSTMModule, MLP, paramList, QValueModule, TensorDictModule } from "../src/index";
import { lstmRecurrence } from "../src/lstm-cell";
import { lstmRecurrenceFused } from "../src/lstm-sequence-kernel";

const report = await initBackend({ prefer: "wasm" });
const results: BenchResult[] = [];
const add = (r: BenchResult) => {
  printResult(r);
  results.push(r);
};
const rng = new Rng(0);

/** CPU time of one call (ms): the machine is shared, so wall-clock medians include time spent waiting for a core. */
function cpuMs(fn: () => void, calls = 10): number {
  const c0 = process.cpuUsage();
  for (let i = 0; i < calls; i++) fn();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000 / calls;
}
const withCpu = (r: BenchResult, fn: () => void): BenchResult => ({
  ...r,
  note: `${cpuMs(fn).toFixed(1)} ms CPU per call`,
});

// LSTM, hidden 128, 4 sequences of 50 steps: forward + backprop through time + Adam.
{
  const B = 4;
  const T = 50;
  const I = 16;
  const lstm = new LSTMModule({
    inputSize: I,
    hiddenSize: 128,
    inKey: "obs",
    outKey: "out",
    mode: "sequence",
    rng: new Rng(1),
  });
  const obs = HostArray.zeros("float32", [B, T, I]);
  rng.fillNormal(obs.data);
  const isInit = HostArray.zeros("bool", [B, T, 1]);
  for (let b = 0; b < B; b++) isInit.data[b * T] = 1;
  isInit.data[T + 20] = 1; // one episode start inside a sequence
  const opt = tf.train.adam(1e-3);
  const vars = paramList(lstm);
  const forwardOnly = () => {
    const td = new TensorDict({ obs, is_init: isInit }, [B, T]);
    lstm.forward(td);
    td.getTensor("out").dataSync();
    td.dispose();
  };
  const train = () => {
    const td = new TensorDict({ obs, is_init: isInit }, [B, T]);
    const loss = opt.minimize(
      () => {
        lstm.forward(td);
        return tf.mean(tf.square(td.getTensor("out"))) as tf.Scalar;
      },
      true,
      vars,
    )!;
    loss.dataSync();
    loss.dispose();
    td.dispose();
  };
  add(
    withCpu(measure("LSTM H128 4x50 forward (sequence mode)", forwardOnly, { rounds: 10, roundMs: 300 }), forwardOnly),
  );
  add(
    withCpu(
      withTarget(
        measure("LSTM H128 4x50 forward + backprop + Adam", train, { rounds: 10, roundMs: 500 }),
        50_000,
        "us",
        true,
      ),
      train,
    ),
  );
  const acting = lstm.withMode("step");
  let h = HostArray.zeros("float32", [B, 1, 128]);
  let c = HostArray.zeros("float32", [B, 1, 128]);
  const x = HostArray.zeros("float32", [B, I]);
  const oneStep = () => {
    const td = new TensorDict({ obs: x, recurrent_state_h: h, recurrent_state_c: c }, [B]);
    acting.forward(td);
    const host = td.toHost();
    td.dispose();
    h = host.getHost(["next", "recurrent_state_h"]) as HostArray<"float32">;
    c = host.getHost(["next", "recurrent_state_c"]) as HostArray<"float32">;
  };
  add(measure("LSTM H128 one step, batch 4 (step mode, host in/out)", oneStep));
  opt.dispose();
  lstm.dispose();
}

/** The fused LSTM kernel against the per-step path in alternating rounds (same load): both medians and their ratio. */
function addKernelVsPerStep(name: string, fused: () => void, perStep: () => void, roundMs: number): void {
  const paired = measurePaired(`${name}: fused wasm kernel`, fused, `${name}: per-step path`, perStep, {
    rounds: 15,
    roundMs,
  });
  add(withCpu(paired.baseline, perStep));
  add(withMetric(withCpu(paired.result, fused), paired.ratio, "x the per-step path's time (median per-round ratio)"));
}

// The flagship's LSTM (8 slices of 32 steps, burn-in 8, input 512 -> hidden 128) as RecurrentDQNLoss runs it:
// the 8 burn-in steps forward without the tape, then the 24 others forward + backward (gradients of the input and
// every weight). The fused WebAssembly kernel against the per-step path (`recurrence: "per-step"`, same weights), in
// alternating rounds.
{
  const B = 8;
  const T = 32;
  const K = 8;
  const I = 512;
  const H = 128;
  const lstm = new LSTMModule({
    inputSize: I,
    hiddenSize: H,
    inKey: "x",
    outKey: "y",
    mode: "sequence",
    rng: new Rng(4),
  });
  const xs = HostArray.zeros("float32", [B, T, I]);
  rng.fillNormal(xs.data);
  const isInit = HostArray.zeros("bool", [B, T, 1]);
  for (let b = 0; b < B; b++) isInit.data[b * T] = 1;
  isInit.data[T + 20] = 1;
  const prefixTd = () => new TensorDict({ x: xs, is_init: isInit }, [B, T]).index({}, { stop: K }) as TensorDict;
  const xMain = tf.variable(tf.slice(tf.tensor(xs.data, [B, T, I]), [0, K, 0], [B, T - K, I]));
  const isInitMain = HostArray.from(
    "bool",
    [B, T - K, 1],
    Array.from({ length: B * (T - K) }, (_, i) => isInit.data[Math.floor(i / (T - K)) * T + K + (i % (T - K))]!),
  );
  const wOut = tf.randomNormal([B, T - K, H], 0, 1, "float32", 1);
  const vars = [...paramList(lstm), xMain];
  const perStepLstm = lstm.withRecurrence("per-step");
  const step = (m: LSTMModule = lstm) => {
    const prefix = prefixTd();
    m.forward(prefix);
    const start = (key: string) =>
      tf.tidy(() =>
        tf.pad(tf.slice(prefix.getTensor(["next", key]), [0, K - 1, 0, 0], [B, 1, 1, H]), [
          [0, 0],
          [0, T - K - 1],
          [0, 0],
          [0, 0],
        ]),
      );
    const h0 = start("recurrent_state_h");
    const c0 = start("recurrent_state_c");
    prefix.dispose();
    const g = tf.variableGrads(() => {
      const td = new TensorDict({ x: xMain, recurrent_state_h: h0, recurrent_state_c: c0, is_init: isInitMain }, [
        B,
        T - K,
      ]);
      m.forward(td);
      return tf.sum(tf.mul(td.getTensor("y"), wOut)) as tf.Scalar;
    }, vars);
    g.value.dataSync();
    tf.dispose([g.value, ...Object.values(g.grads), h0, c0]);
  };
  const perStep = () => step(perStepLstm);
  addKernelVsPerStep("LSTM flagship shape 8x32 (burn-in 8) 512->128, forward + backward", () => step(), perStep, 300);
  tf.dispose([xMain, wOut]);
  lstm.dispose();
}

// The recurrence alone (what the kernel replaces; the input projection above is a backend matMul either way), at
// the flagship's shape: 8 x 24 steps after burn-in, hidden 128, forward + backward into proj, h0, c0 and W_hh.
{
  const N = 8;
  const T = 24;
  const H = 128;
  const proj = tf.randomNormal([N, T, 4 * H], 0, 1, "float32", 1) as tf.Tensor3D;
  const h0 = tf.randomNormal([N, H], 0, 0.5, "float32", 2) as tf.Tensor2D;
  const c0 = tf.randomNormal([N, H], 0, 0.5, "float32", 3) as tf.Tensor2D;
  const w = tf.randomUniform([4 * H, H], -0.088, 0.088, "float32", 4) as tf.Tensor2D;
  const dy = tf.randomNormal([N, T, 2 * H], 0, 1, "float32", 5);
  const isInit = Array.from({ length: N * T }, (_, i) => (i === T + 5 ? 1 : 0));
  const grads = (rec: typeof lstmRecurrence) => () =>
    tf.tidy(() => {
      const g = tf.grads((p: tf.Tensor, a: tf.Tensor, b: tf.Tensor, ww: tf.Tensor) =>
        tf.sum(tf.mul(rec(p as tf.Tensor3D, a as tf.Tensor2D, b as tf.Tensor2D, ww as tf.Tensor2D, isInit), dy)),
      )([proj, h0, c0, w]);
      g[3]!.dataSync();
    });
  const fused = grads(lstmRecurrenceFused);
  const perStep = grads(lstmRecurrence);
  addKernelVsPerStep("LSTM recurrence 8x24 H128, forward + backward", fused, perStep, 200);
  tf.dispose([proj, h0, c0, w, dy]);
}

// DQN-style update: MLP 4-256-256-2, batch 64, target network, Adam.
{
  const N = 64;
  const online = new MLP({ inFeatures: 4, outFeatures: 2, numCells: [256, 256], activation: "relu", rng: new Rng(2) });
  const target = new MLP({ inFeatures: 4, outFeatures: 2, numCells: [256, 256], activation: "relu", rng: new Rng(3) });
  copyParams(online, target);
  const qnet = new TensorDictModule(online, { inKeys: ["observation"], outKeys: ["action_value"] });
  const greedy = new QValueModule({ actionSpace: "categorical" });
  const obs = HostArray.zeros("float32", [N, 4]);
  const nextObs = HostArray.zeros("float32", [N, 4]);
  rng.fillNormal(obs.data);
  rng.fillNormal(nextObs.data);
  const action = HostArray.zeros("int32", [N]);
  rng.fillInt(action.data, 0, 2);
  const reward = HostArray.full("float32", [N, 1], 1);
  const opt = tf.train.adam(1e-3);
  const vars = paramList(online);
  const update = () => {
    const td = new TensorDict({ observation: obs, action }, [N]).toTensors();
    const loss = opt.minimize(
      () => {
        qnet.forward(td);
        const chosen = tf.sum(
          tf.mul(td.getTensor("action_value"), tf.oneHot(td.getTensor("action") as tf.Tensor1D, 2)),
          -1,
          true,
        );
        const nextQ = tf.max(target.apply(tf.tensor(nextObs.data, [N, 4])), -1, true);
        const y = tf.add(tf.tensor(reward.data, [N, 1]), tf.mul(0.99, nextQ));
        return tf.mean(tf.square(tf.sub(chosen, y))) as tf.Scalar;
      },
      true,
      vars,
    )!;
    loss.dataSync();
    loss.dispose();
    td.dispose();
  };
  add(
    withCpu(
      measure("DQN update MLP 4-256-256-2 batch 64 (fwd + target + backprop + Adam)", update, {
        rounds: 10,
        roundMs: 300,
      }),
      update,
    ),
  );
  const act = () => {
    const td = new TensorDict({ observation: obs.reshape([N, 4]) }, [N]);
    qnet.forward(td);
    greedy.forward(td);
    td.getTensor("action").dataSync();
    td.dispose();
  };
  add(measure("MLP policy forward + greedy action, batch 64", act));
  opt.dispose();
  online.dispose();
  target.dispose();
}

const file = writeResults("modules", results, {
  backend: report,
  note: "2 shared cores; medians of wall time under load from other processes",
});
console.log(`wrote ${file}`);
