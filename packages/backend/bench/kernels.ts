import * as tf from "@tensorflow/tfjs-core";
import { measure, withMetric, withTarget, type BenchResult } from "../../../bench/harness";
import { initBackendWith } from "../src/backend-setup";
import { defaultBackendSetupDeps } from "../src/node-backend-deps";
import { registerWasmKernels, unregisterWasmKernels } from "../src/wasm/register-wasm-kernels";

/** Nature-DQN's convolution trunk: [kernel, inChannels, outChannels, stride], valid padding on 84x84x1. */
const TRUNK = [
  [8, 1, 32, 4],
  [4, 32, 64, 2],
  [3, 64, 64, 1],
] as const;
const BATCH = 200;
const ACTIONS = 6;
const HEAVY = { rounds: 7, callsPerRound: 1, warmupMs: 1 } as const;

type Variant = "tdrl" | "tfjs";

interface TrunkLayer {
  readonly filter: tf.Variable<tf.Rank.R4>;
  readonly stride: number;
  readonly inShape: [number, number, number, number];
  readonly outShape: [number, number, number, number];
  readonly flops: number;
}

/** A variable holding `initial`, which is disposed (tf.variable keeps its own reference to the data). */
function variableOf<R extends tf.Rank>(initial: tf.Tensor<R>): tf.Variable<R> {
  const v = tf.variable(initial);
  initial.dispose();
  return v;
}

function buildTrunk(): TrunkLayer[] {
  let shape: [number, number, number, number] = [BATCH, 84, 84, 1];
  return TRUNK.map(([k, inC, outC, stride], i) => {
    const filter = variableOf(
      tf.randomNormal([k, k, inC, outC], 0, Math.sqrt(2 / (k * k * inC)), "float32", 11 + i) as tf.Tensor4D,
    );
    const outSize = Math.floor((shape[1] - k) / stride) + 1;
    const outShape: [number, number, number, number] = [BATCH, outSize, outSize, outC];
    const layer = {
      filter,
      stride,
      inShape: shape,
      outShape,
      flops: 2 * BATCH * outSize * outSize * outC * k * k * inC,
    };
    shape = outShape;
    return layer;
  });
}

function trunkForward(x: tf.Tensor4D, layers: readonly TrunkLayer[]): tf.Tensor4D {
  let h = x;
  for (const layer of layers) h = tf.relu(tf.conv2d(h, layer.filter, layer.stride, "valid"));
  return h;
}

function unsupported(name: string, error: unknown): BenchResult {
  const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
  return {
    name,
    medianUs: Number.NaN,
    p10Us: Number.NaN,
    p90Us: Number.NaN,
    rounds: 0,
    callsPerRound: 0,
    note: `unsupported: ${message}`,
  };
}

/** Runs `fn` once to see whether it works with the current kernels, then measures it. */
function measureOrUnsupported(name: string, fn: () => void, flops: number | null): BenchResult {
  try {
    fn();
  } catch (error) {
    return unsupported(name, error);
  }
  const r = measure(name, fn, HEAVY);
  return flops === null ? r : withMetric(r, (flops / r.medianUs) * 1e-3, "GFLOP/s");
}

function gflops(flops: number, result: BenchResult): BenchResult {
  return withMetric(result, (flops / result.medianUs) * 1e-3, "GFLOP/s");
}

function casesFor(variant: Variant): BenchResult[] {
  const tag = `[${variant === "tdrl" ? "tdrl kernels" : "tfjs kernels"}]`;
  const results: BenchResult[] = [];

  // matMul 512³, plain and with each transpose flag.
  const n = 512;
  const a = tf.randomNormal([n, n], 0, 1, "float32", 1);
  const b = tf.randomNormal([n, n], 0, 1, "float32", 2);
  for (const [label, ta, tb] of [
    ["plain", false, false],
    ["transposeA", true, false],
    ["transposeB", false, true],
  ] as const) {
    const r = measure(`wasm matMul 512³ ${label} ${tag}`, () => tf.matMul(a, b, ta, tb).dispose(), {
      rounds: 9,
      callsPerRound: 3,
    });
    results.push(gflops(2 * n ** 3, r));
  }
  tf.dispose([a, b]);

  const layers = buildTrunk();
  const x = tf.randomUniform([BATCH, 84, 84, 1], 0, 1, "float32", 3) as tf.Tensor4D;
  const trunkFlops = layers.reduce((s, l) => s + l.flops, 0);

  results.push(
    gflops(
      trunkFlops,
      measure(
        `wasm DQN conv trunk forward, batch ${BATCH} ${tag}`,
        () => tf.tidy(() => trunkForward(x, layers)).dispose(),
        HEAVY,
      ),
    ),
  );

  // The input and filter gradients of each layer, as the conv gradient calls them.
  layers.forEach((layer, i) => {
    const dy = tf.randomNormal(layer.outShape, 0, 1, "float32", 20 + i);
    const input = tf.randomUniform(layer.inShape, 0, 1, "float32", 30 + i);
    const attrs = { strides: layer.stride, pad: "valid", dataFormat: "NHWC" } as const;
    const k = layer.filter.shape[0];
    const what = `${k}x${k}/${layer.stride}`;
    results.push(
      measureOrUnsupported(
        `wasm Conv2DBackpropInput ${what} (layer ${i + 1}) ${tag}`,
        () =>
          (
            tf
              .engine()
              .runKernel(
                tf.Conv2DBackpropInput,
                { dy, filter: layer.filter },
                { ...attrs, inputShape: layer.inShape },
              ) as tf.Tensor
          ).dispose(),
        layer.flops,
      ),
      measureOrUnsupported(
        `wasm Conv2DBackpropFilter ${what} (layer ${i + 1}) ${tag}`,
        () =>
          (
            tf
              .engine()
              .runKernel(
                tf.Conv2DBackpropFilter,
                { x: input, dy },
                { ...attrs, filterShape: layer.filter.shape },
              ) as tf.Tensor
          ).dispose(),
        layer.flops,
      ),
    );
    tf.dispose([dy, input]);
  });

  // Forward and backward through the trunk, gradients w.r.t. all three filters (not the input).
  const filters = layers.map((l) => l.filter);
  const backwardFlops = trunkFlops + trunkFlops + layers[1]!.flops + layers[2]!.flops; // forward, dW, dx of layers 2-3
  results.push(
    measureOrUnsupported(
      `wasm DQN conv trunk forward+backward (grads of 3 filters), batch ${BATCH} ${tag}`,
      () =>
        tf
          .tidy(() => tf.grads((..._w: tf.Tensor[]) => tf.sum(trunkForward(x, layers)))(filters))
          .forEach((g) => g.dispose()),
      backwardFlops,
    ),
  );

  // One Adam step of the whole Nature-DQN net (trunk, dense 512, 6 actions) on a squared TD-style error.
  const dense = variableOf(tf.randomNormal([3136, 512], 0, Math.sqrt(2 / 3136), "float32", 40));
  const head = variableOf(tf.randomNormal([512, ACTIONS], 0, Math.sqrt(1 / 512), "float32", 41));
  const target = tf.randomNormal([BATCH, ACTIONS], 0, 1, "float32", 42);
  const optimizer = tf.train.adam(1e-4);
  const denseFlops = 2 * BATCH * (3136 * 512 + 512 * ACTIONS);
  const stepFlops = backwardFlops + 3 * denseFlops; // dense: forward, dW, dx
  const step = () => {
    const loss = optimizer.minimize(
      () => {
        const features = tf.reshape(trunkForward(x, layers), [BATCH, 3136]);
        const q = tf.matMul(tf.relu(tf.matMul(features, dense)), head);
        return tf.mean(tf.square(tf.sub(q, target)));
      },
      true,
      [...filters, dense, head],
    );
    loss?.dispose();
  };
  let trainStep = measureOrUnsupported(
    `wasm DQN train step (forward+backward+Adam), batch ${BATCH} ${tag}`,
    step,
    stepFlops,
  );
  if (!Number.isNaN(trainStep.medianUs)) trainStep = withTarget(trainStep, 600_000, "us", true);
  results.push(trainStep);

  optimizer.dispose();
  tf.dispose([x, dense, head, target, ...filters]);
  return results;
}

function withRatios(tdrl: BenchResult[], tfjs: BenchResult[]): BenchResult[] {
  return tdrl.map((ours, i) => {
    const theirs = tfjs[i];
    if (theirs === undefined || Number.isNaN(theirs.medianUs) || Number.isNaN(ours.medianUs)) return ours;
    const ratio = theirs.medianUs / ours.medianUs;
    return {
      ...ours,
      note: `${ratio.toFixed(2)}x the speed of tfjs's own kernels (${(theirs.medianUs / 1000).toFixed(1)} ms)`,
    };
  });
}

/**
 * Kernel figures on the wasm backend, each with tdrl's kernels registered and with tfjs-backend-wasm's own
 * (via `unregisterWasmKernels`): matMul 512³ plain / transposeA / transposeB, Nature-DQN's conv trunk at
 * batch 200 forward, each layer's input and filter gradient kernels, forward+backward with gradients of
 * all filters, and a full DQN Adam step (target: under 600 ms). Where tfjs has no kernel (the filter
 * gradient) the result is marked unsupported in its note. Leaves tdrl's kernels registered.
 *
 * @example
 * ```ts
 * import { benchKernels } from "./kernels";
 * import { printResult, writeResults } from "../../../bench/harness";
 * const results = await benchKernels();
 * results.forEach(printResult);
 * writeResults("backend", results);
 * ```
 */
export async function benchKernels(): Promise<BenchResult[]> {
  // The figures are about wasm whatever TDRL_BACKEND says; TDRL_WASM_THREADS (experimental) still applies.
  const deps = defaultBackendSetupDeps();
  const env = { TDRL_WASM_THREADS: deps.env.TDRL_WASM_THREADS };
  const report = await initBackendWith({ prefer: "wasm" }, { ...deps, env });
  let tdrl: BenchResult[];
  let tfjs: BenchResult[];
  try {
    registerWasmKernels();
    const before = tf.memory().numTensors;
    tdrl = casesFor("tdrl");
    const leaked = tf.memory().numTensors - before;
    if (leaked !== 0) throw new Error(`benchKernels leaked ${leaked} tensors with tdrl's kernels`);
    unregisterWasmKernels();
    // No leak check here: where a gradient kernel is missing, tf.grads throws and leaves its tape's tensors behind.
    tfjs = casesFor("tfjs");
  } finally {
    registerWasmKernels();
  }
  const facts = `wasm SIMD ${report.wasm?.simd ? "on" : "off"}, ${report.wasm?.threads ?? 1} thread(s)`;
  return [...withRatios(tdrl, tfjs), ...tfjs].map((r) => ({ ...r, note: r.note ? `${r.note}; ${facts}` : facts }));
}
