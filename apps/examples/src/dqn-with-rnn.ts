/**
 * TorchRL's recurrent-DQN tutorial (`tutorials/sphinx-tutorials/dqn_with_rnn.py`), written the tutorial's
 * way with tdrl: the same keys, transforms, modules and loop, one step of the tutorial per paragraph. The
 * README section "dqn-with-rnn" puts it beside the original.
 *
 *   node --import tsx src/dqn-with-rnn.ts [--frames N] [--utd K] [--seed S]
 *     [--image-size P] [--render-size HxW] [--num-cells C1,C2,...] [--eval-every B]
 *
 * The defaults are the tutorial's; the size options exist so its test can train 10k frames through the
 * same pipeline on a CI machine (smaller frames and convs, one update per batch, evaluation every few batches).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { Rng, type TensorDict } from "@tdrl/tensordict";
import { initBackend } from "@tdrl/backend";
import { CartPoleEnv } from "@tdrl/envs";
import {
  Compose,
  GrayScale,
  InitTracker,
  ObservationNorm,
  Resize,
  RewardScaling,
  StepCounter,
  TensorDictPrimer,
  ToTensorImage,
  TransformedEnv,
} from "@tdrl/transforms";
import {
  ConvNet,
  EGreedyModule,
  LSTMModule,
  MLP,
  QValueModule,
  TensorDictModule as Mod,
  TensorDictSequential as Seq,
  type ExplorationType,
} from "@tdrl/modules";
import { RecurrentDQNLoss, SoftUpdate } from "@tdrl/losses";
import { LazyMemmapStorage, SliceSampler, TensorDictReplayBuffer } from "@tdrl/buffers";
import { SyncDataCollector } from "@tdrl/collectors";

export interface DqnWithRnnOptions {
  /** Frames to collect; the tutorial runs 200 ("in a real setting ... 1M"). */
  totalFrames?: number;
  /** Optimization steps per collected batch (the tutorial's `utd`, 16). */
  utd?: number;
  seed?: number;
  /** Side of the square frame `Resize` makes (the tutorial's 84); at least 1 + 2 per conv layer. */
  imageSize?: number;
  /** `[height, width]` CartPole renders at (default: Gymnasium's 400x600 frame, as the tutorial). */
  renderSize?: readonly [number, number];
  /** Output channels of the 3x3 conv layers (the tutorial's `[32, 32, 64]`); the last is the LSTM's input size. */
  numCells?: readonly number[];
  /** Evaluate (a greedy `env.rollout` on the collector's env) after every `evalEvery`-th batch (default 1, as the tutorial). */
  evalEvery?: number;
  /** Called after each batch's updates, target update and evaluation rollout (`evalLength` undefined without one). */
  onBatch?: (info: { frames: number; loss: number; longest: number; evalLength: number | undefined }) => void;
}

export interface DqnWithRnnResult {
  /** Longest evaluation episode after each evaluated batch (the tutorial's `traj_lens`). */
  trajLens: number[];
  /** `tf.memory().numTensors` after each batch (its updates, and its evaluation if it has one). */
  numTensors: number[];
}

export async function dqnWithRnn(options: DqnWithRnnOptions = {}): Promise<DqnWithRnnResult> {
  const { totalFrames, utd, seed, imageSize, renderSize, numCells, evalEvery } = checkOptions(options);
  const rng = new Rng(seed);

  // Environment: pixel CartPole (Gymnasium's 400x600 RGB frame), grey, 84x84, step counts, is_init,
  // rewards scaled by 0.1 and pixels normalized with statistics of 1000 random steps.
  const env = new TransformedEnv(
    new CartPoleEnv(renderSize === undefined ? { fromPixels: true, seed } : { fromPixels: true, renderSize, seed }),
    new Compose(
      new ToTensorImage(),
      new GrayScale(),
      new Resize(imageSize, imageSize),
      new StepCounter(),
      new InitTracker(),
      new RewardScaling(0, 0.1),
      new ObservationNorm({ standardNormal: true, inKeys: ["pixels"] }),
    ),
  );
  env.transform.at(-1, ObservationNorm).initStats(1000, { reduceDim: [0, 1, 2], catDim: 0, keepDims: [0] });

  // Policy: ConvNet (average-pooled to 64 features) -> LSTM (in_key == out_key) -> MLP -> Q-values.
  const feature = new Mod(new ConvNet({ inChannels: 1, numCells, aggregator: "globalAvgPool", rng: rng.spawn(0) }), {
    inKeys: ["pixels"],
    outKeys: ["embed"],
  });
  const nCells = numCells.at(-1)!; // TorchRL runs `feature(env.reset())` to read it; ConvNet has `outChannels` too
  const lstm = new LSTMModule({
    inputSize: nCells,
    hiddenSize: 128,
    inKey: "embed",
    outKey: "embed",
    rng: rng.spawn(1),
  });
  console.log("in_keys", lstm.inKeys, "out_keys", lstm.outKeys);
  env.appendTransform(TensorDictPrimer.fromModule(lstm));
  const head = new MLP({ inFeatures: 128, outFeatures: 2, numCells: [64], rng: rng.spawn(2) });
  const lastBias = head.parameters().get("2.bias")!;
  lastBias.assign(tf.zerosLike(lastBias)); // and fill the last bias with zeros
  const mlp = new Mod(head, { inKeys: ["embed"], outKeys: ["action_value"] });
  const qval = new QValueModule({ spec: env.actionSpec });
  const policyStep = new Seq(feature, lstm, mlp, qval);
  const explorationModule = new EGreedyModule({
    annealingNumSteps: 1_000_000,
    spec: env.actionSpec,
    epsInit: 0.2,
    rng: rng.spawn(3),
  });
  const stochPolicy = (td: TensorDict, exploration: ExplorationType): TensorDict =>
    explorationModule.forward(policyStep.forward(td), exploration);
  // The loss's copy runs the LSTM over sequences, sharing the weights (TorchRL's set_recurrent_mode(True)).
  const policy = new Seq(feature, lstm.withMode("sequence"), mlp, qval);

  // Loss: DQN with a target network (TorchRL's delay_value=True), soft-updated; Adam on the policy.
  const lossFn = new RecurrentDQNLoss(policy, { lossFunction: "l2" });
  const updater = new SoftUpdate(lossFn, { eps: 0.95 });
  const optim: tf.Optimizer = tf.train.adam(3e-4);

  // Collector and replay buffer: 50 frames a batch; batches of 4 slices of up to 50 steps (200 transitions).
  const collector = new SyncDataCollector(env, stochPolicy, { framesPerBatch: 50, totalFrames, seed });
  const scratchDir = mkdtempSync(join(tmpdir(), "dqn-with-rnn-"));
  const storage = new LazyMemmapStorage(20_000, { scratchDir });
  const rb = new TensorDictReplayBuffer({
    storage,
    sampler: new SliceSampler({ numSlices: 4, strictLength: false, rng: rng.spawn(4) }),
    batchSize: 200,
  });

  // Training loop.
  const trajLens: number[] = [];
  const numTensors: number[] = [];
  let longest = 0;
  let batch = 0;
  try {
    for await (const data of collector) {
      batch++;
      rb.extend(data);
      let lossVal = NaN;
      for (let i = 0; i < utd; i++) {
        const s = rb.sample();
        const { value, grads } = tf.variableGrads(
          () => lossFn.forward(s).getTensor("loss") as tf.Scalar,
          lossFn.parameterList(),
        );
        optim.applyGradients(grads);
        lossVal = value.dataSync()[0]!;
        tf.dispose([value, grads]);
        s.dispose();
      }
      longest = Math.max(longest, ...data.getHost("next.step_count").data);
      explorationModule.step(data.numel);
      updater.step();
      data.dispose();

      // Evaluation on the collector's env, greedy (TorchRL's ExplorationType.MODE).
      let evalLength: number | undefined;
      if (batch % evalEvery === 0) {
        const rollout = env.rollout(10000, (td) => stochPolicy(td, "mode"));
        evalLength = Math.max(...rollout.getHost("next.step_count").data);
        trajLens.push(evalLength);
        rollout.dispose();
      }
      numTensors.push(tf.memory().numTensors);
      options.onBatch?.({ frames: collector.framesCollected, loss: lossVal, longest, evalLength });
    }
  } finally {
    await collector.shutdown();
    storage.close();
    rmSync(scratchDir, { recursive: true, force: true });
    lossFn.dispose();
    optim.dispose();
  }
  return { trajLens, numTensors };
}

/** The options with their defaults (the tutorial's), each checked; a bad one throws naming it and its value. */
function checkOptions(options: DqnWithRnnOptions) {
  const what = "dqnWithRnn";
  const int = (name: keyof DqnWithRnnOptions, value: unknown, min: number): number => {
    if (!Number.isSafeInteger(value) || (value as number) < min)
      throw new Error(`${what}: ${name} must be an integer >= ${min}, got ${String(value)}`);
    return value as number;
  };
  const numCells = options.numCells ?? [32, 32, 64];
  if (!Array.isArray(numCells) || numCells.length === 0 || !numCells.every((c) => Number.isSafeInteger(c) && c >= 1))
    throw new Error(`${what}: numCells must be a non-empty list of positive integers, got ${JSON.stringify(numCells)}`);
  // Each unpadded 3x3 conv takes 2 pixels off the side; the last layer needs at least one output pixel.
  const imageSize = int("imageSize", options.imageSize ?? 84, 2 * numCells.length + 1);
  const renderSize = options.renderSize;
  if (
    renderSize !== undefined &&
    (!Array.isArray(renderSize) ||
      renderSize.length !== 2 ||
      !renderSize.every((d) => Number.isSafeInteger(d) && d >= 1))
  )
    throw new Error(
      `${what}: renderSize must be [height, width] with positive integers, got ${JSON.stringify(renderSize)}`,
    );
  return {
    totalFrames: int("totalFrames", options.totalFrames ?? 200, 1),
    utd: int("utd", options.utd ?? 16, 0),
    seed: int("seed", options.seed ?? 0, 0),
    imageSize,
    renderSize,
    numCells,
    evalEvery: int("evalEvery", options.evalEvery ?? 1, 1),
  };
}

async function main(argv: readonly string[]): Promise<void> {
  const value = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    return i < 0 ? undefined : String(argv[i + 1]);
  };
  const flag = (name: string): number | undefined => {
    const v = value(name);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < 0)
      throw new Error(`dqn-with-rnn: --${name} must be a non-negative integer, got ${v}`);
    return n;
  };
  const list = (name: string, sep: string): number[] | undefined => {
    const v = value(name);
    if (v === undefined) return undefined;
    const parts = v.split(sep).map(Number);
    if (!parts.every((n) => Number.isSafeInteger(n) && n >= 1))
      throw new Error(`dqn-with-rnn: --${name} must be positive integers separated by "${sep}", got ${v}`);
    return parts;
  };
  const render = list("render-size", "x");
  if (render !== undefined && render.length !== 2)
    throw new Error(`dqn-with-rnn: --render-size must be HxW, got ${value("render-size")}`);
  await initBackend();
  const started = Date.now();
  const { trajLens } = await dqnWithRnn({
    totalFrames: flag("frames"),
    utd: flag("utd"),
    seed: flag("seed"),
    imageSize: flag("image-size"),
    renderSize: render as [number, number] | undefined,
    numCells: list("num-cells", ","),
    evalEvery: flag("eval-every"),
    onBatch: (b) =>
      console.log(
        `frames ${b.frames}  steps: ${b.longest}  loss_val: ${b.loss.toFixed(4)}  eval length: ${b.evalLength ?? "-"}  (${((Date.now() - started) / 1000).toFixed(0)} s)`,
      ),
  });
  console.log("test trajectory lengths", trajLens);
}

if (process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
