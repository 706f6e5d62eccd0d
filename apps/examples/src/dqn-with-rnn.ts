/**
 * TorchRL's recurrent-DQN tutorial (`tutorials/sphinx-tutorials/dqn_with_rnn.py`), written the tutorial's
 * way with tdrl: the same keys, transforms, modules and loop, one step of the tutorial per paragraph. The
 * README section "dqn-with-rnn" puts it beside the original.
 *
 *   node --import tsx src/dqn-with-rnn.ts [--frames N] [--utd K] [--seed S]
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
  /** Called after each batch's updates, target update and evaluation rollout. */
  onBatch?: (info: { frames: number; loss: number; longest: number; evalLength: number }) => void;
}

export interface DqnWithRnnResult {
  /** Longest evaluation episode after each batch (the tutorial's `traj_lens`). */
  trajLens: number[];
  /** `tf.memory().numTensors` after each batch. */
  numTensors: number[];
}

export async function dqnWithRnn(options: DqnWithRnnOptions = {}): Promise<DqnWithRnnResult> {
  const { totalFrames = 200, utd = 16, seed = 0 } = options;
  const rng = new Rng(seed);

  // Environment: pixel CartPole (Gymnasium's 400x600 RGB frame), grey, 84x84, step counts, is_init,
  // rewards scaled by 0.1 and pixels normalized with statistics of 1000 random steps.
  const env = new TransformedEnv(
    new CartPoleEnv({ fromPixels: true, seed }),
    new Compose(
      new ToTensorImage(),
      new GrayScale(),
      new Resize(84, 84),
      new StepCounter(),
      new InitTracker(),
      new RewardScaling(0, 0.1),
      new ObservationNorm({ standardNormal: true, inKeys: ["pixels"] }),
    ),
  );
  env.transform.at(-1, ObservationNorm).initStats(1000, { reduceDim: [0, 1, 2], catDim: 0, keepDims: [0] });

  // Policy: ConvNet (average-pooled to 64 features) -> LSTM (in_key == out_key) -> MLP -> Q-values.
  const feature = new Mod(
    new ConvNet({ inChannels: 1, numCells: [32, 32, 64], aggregator: "globalAvgPool", rng: rng.spawn(0) }),
    { inKeys: ["pixels"], outKeys: ["embed"] },
  );
  const nCells = 64; // TorchRL runs `feature(env.reset())` to read it; ConvNet has `outChannels` too
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
  try {
    for await (const data of collector) {
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
      const rollout = env.rollout(10000, (td) => stochPolicy(td, "mode"));
      trajLens.push(Math.max(...rollout.getHost("next.step_count").data));
      rollout.dispose();
      numTensors.push(tf.memory().numTensors);
      options.onBatch?.({ frames: collector.framesCollected, loss: lossVal, longest, evalLength: trajLens.at(-1)! });
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

async function main(argv: readonly string[]): Promise<void> {
  const flag = (name: string, dflt: number): number => {
    const i = argv.indexOf(`--${name}`);
    if (i < 0) return dflt;
    const v = Number(argv[i + 1]);
    if (!Number.isSafeInteger(v) || v < 0)
      throw new Error(`dqn-with-rnn: --${name} must be a non-negative integer, got ${String(argv[i + 1])}`);
    return v;
  };
  await initBackend();
  const started = Date.now();
  const { trajLens } = await dqnWithRnn({
    totalFrames: flag("frames", 200),
    utd: flag("utd", 16),
    seed: flag("seed", 0),
    onBatch: (b) =>
      console.log(
        `frames ${b.frames}  steps: ${b.longest}  loss_val: ${b.loss.toFixed(4)}  eval length: ${b.evalLength}  (${((Date.now() - started) / 1000).toFixed(0)} s)`,
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
