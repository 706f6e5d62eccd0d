// `node --import tsx bench/profile.ts`: where the flagship recurrent-DQN update spends its time, split into
// conv forward, LSTM forward, the rest of the forward pass, conv backward, the rest of the backward pass
// and the optimizer + target update. Module forwards are timed around each module of the value network;
// backward kernels are timed by wrapping every wasm kernel (wasm runs synchronously, so wall time per
// kernel is exact; kernels run inside another kernel count once, in the outer one). SHAPES=1 also lists
// the top kernels by input shapes; CALLS (default 4) sets the number of timed updates.
import * as tf from "@tensorflow/tfjs-core";
import { Rng, type TensorDict } from "@tdrl/tensordict";
import { initBackend } from "@tdrl/backend";
import type { TensorDictSequential } from "@tdrl/modules";
import { flagshipCase } from "./flagship-case";

await initBackend({ prefer: "wasm" });
type Phase = "forward" | "backward" | "optimizer";
let phase: Phase = "forward";
let depth = 0;
const byKernel = new Map<string, number>();
const byShape = process.env.SHAPES === "1";
for (const config of tf.getKernelsForBackend("wasm")) {
  const inner = config.kernelFunc;
  tf.unregisterKernel(config.kernelName, "wasm");
  tf.registerKernel({
    ...config,
    kernelFunc: (args) => {
      depth++;
      const t0 = performance.now();
      try {
        return inner(args);
      } finally {
        depth--;
        if (depth === 0) {
          const shapes = byShape
            ? ` ${Object.values(args.inputs)
                .map((x) => `[${x?.shape.join(",") ?? ""}]`)
                .join(" ")}`
            : "";
          const key = `${phase} ${config.kernelName}${shapes}`;
          byKernel.set(key, (byKernel.get(key) ?? 0) + performance.now() - t0);
        }
      }
    },
  });
}

const c = flagshipCase(new Rng(0));
const net = c.loss.valueNetwork as TensorDictSequential;
const [cnn, lstm] = net.modules;
const split = { total: 0, forward: 0, convForward: 0, lstmForward: 0, backward: 0, convBackward: 0, optimizer: 0 };
for (const [m, key] of [
  [cnn!, "convForward"],
  [lstm!, "lstmForward"],
] as const) {
  const forward = m.forward.bind(m);
  m.forward = (td: TensorDict) => {
    const t0 = performance.now();
    try {
      return forward(td);
    } finally {
      split[key] += performance.now() - t0;
    }
  };
}
const vars = c.loss.parameterList();
const calls = Number(process.env.CALLS ?? 4);
const convBackwardKernels = new Set([tf.Conv2DBackpropFilter, tf.Conv2DBackpropInput]);
for (let i = 0; i < calls + 1; i++) {
  if (i === 1) {
    byKernel.clear();
    for (const k of Object.keys(split)) split[k as keyof typeof split] = 0;
  }
  const t0 = performance.now();
  let forwardMs = 0;
  const td = c.batch();
  const { value, grads } = tf.variableGrads(() => {
    phase = "forward";
    const s = performance.now();
    const l = c.loss.forward(td).getTensor("loss") as tf.Scalar;
    forwardMs = performance.now() - s;
    phase = "backward";
    return l;
  }, vars);
  const t1 = performance.now();
  phase = "optimizer";
  c.optimizer.applyGradients(grads);
  c.updater.step();
  value.dataSync();
  tf.dispose([value, grads]);
  const t2 = performance.now();
  split.forward += forwardMs;
  split.backward += t1 - t0 - forwardMs;
  split.optimizer += t2 - t1;
  split.total += t2 - t0;
}
for (const [k, ms] of byKernel)
  if (k.startsWith("backward ") && convBackwardKernels.has(k.split(" ")[1]!)) split.convBackward += ms;
const per = (ms: number) => `${(ms / calls).toFixed(1)} ms`;
console.log(`per update, mean of ${calls}: total ${per(split.total)}`);
console.log(
  `  forward ${per(split.forward)}: conv ${per(split.convForward)}, LSTM ${per(split.lstmForward)}, rest ${per(split.forward - split.convForward - split.lstmForward)}`,
);
console.log(
  `  backward ${per(split.backward)}: conv backprop kernels ${per(split.convBackward)}, rest (LSTM BPTT, dense grads, ReLU/bias grads) ${per(split.backward - split.convBackward)}`,
);
console.log(`  optimizer + target update ${per(split.optimizer)}`);
if (byShape)
  for (const [k, ms] of [...byKernel].sort((a, b) => b[1] - a[1]).slice(0, 30))
    console.log(`${per(ms).padStart(10)}  ${k}`);
c.dispose();
