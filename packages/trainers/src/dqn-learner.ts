import * as tf from "@tensorflow/tfjs-core";
import type { HostArray, TensorDict } from "@tdrl/tensordict";
import type { TensorDictReplayBuffer } from "@tdrl/buffers";
import { clipGradNorm, type DQNLoss } from "@tdrl/losses";
import { nStepTransitions } from "./n-step";
import type { TargetSync } from "./target-sync";
import { withLearningRate, type LrSchedule } from "./lr-schedule";
import type { Learner, UpdateContext, UpdateStats } from "./trainer";

export interface DqnLearnerOptions {
  loss: DQNLoss;
  buffer: TensorDictReplayBuffer;
  optimizer: tf.Optimizer;
  targetSync: TargetSync;
  /** Max global gradient norm; `Infinity` for none. */
  gradClip: number;
  /** n of n-step returns (1: plain TD(0)); the loss must discount by `gamma ** nStep`. */
  nStep: number;
  /** One-step discount, for the n-step reward sums. */
  gamma: number;
  /** Observation keys the loss reads under `"next"` (moved to the end of the n-step window). */
  obsKeys: readonly string[];
  /** Feed `td_error` back to a prioritized sampler. */
  prioritized: boolean;
  /** The learning rate of each step from the updates taken before it (e.g. `linearLr`); none: the optimizer's own. */
  lrSchedule?: LrSchedule;
}

/**
 * One DQN gradient step per `update()`: sample from the buffer, optional n-step targets, loss, gradient
 * clipping, Adam, priorities, target sync. Everything runs inside `tf.tidy` / `tf.variableGrads` and is
 * disposed before returning, so the tensor count does not move between updates.
 *
 * @example
 * import * as tf from "@tensorflow/tfjs-core";
 * import { HostArray, Rng, TensorDict } from "@tdrl/tensordict";
 * import { LazyTensorStorage, RandomSampler, TensorDictReplayBuffer } from "@tdrl/buffers";
 * import { DQNLoss } from "@tdrl/losses";
 * import { MLP, TensorDictModule } from "@tdrl/modules";
 * import { TargetSync } from "./target-sync";
 * const loss = new DQNLoss(new TensorDictModule(new MLP({ inFeatures: 4, outFeatures: 2, numCells: [8], rng: new Rng(0) }), { inKeys: ["observation"], outKeys: ["action_value"] }));
 * const buffer = new TensorDictReplayBuffer({ storage: new LazyTensorStorage(64, { ndim: 2 }), sampler: new RandomSampler({ rng: new Rng(1) }), batchSize: 8 });
 * const f = (...s: number[]) => HostArray.zeros("float32", s);
 * const b = () => HostArray.zeros("bool", [1, 16, 1]);
 * buffer.extend(new TensorDict({ observation: f(1, 16, 4), action: HostArray.zeros("int32", [1, 16]), next: { observation: f(1, 16, 4), reward: f(1, 16, 1), done: b(), terminated: b(), truncated: b() } }, [1, 16]));
 * const learner = new DqnLearner({ loss, buffer, optimizer: tf.train.adam(1e-3), targetSync: new TargetSync(loss, { kind: "hard", everyUpdates: 5 }), gradClip: 10, nStep: 1, gamma: 0.99, obsKeys: ["observation"], prioritized: false });
 * learner.update().loss; // a finite number
 */
export class DqnLearner implements Learner {
  readonly options: DqnLearnerOptions;
  private count = 0;

  constructor(options: DqnLearnerOptions) {
    this.options = options;
  }

  /** Optimizer steps taken (restored from checkpoints with `resumeAt`). */
  get updates(): number {
    return this.count;
  }

  resumeAt(updates: number): void {
    this.count = updates;
  }

  /** One gradient step; `context.processBatch` (a trainer's "processOptimBatch" hooks) sees the sampled batch before the loss. */
  update(context?: Pick<UpdateContext, "processBatch">): UpdateStats {
    const { buffer, nStep, gamma, obsKeys } = this.options;
    const batch = buffer.sample();
    if (nStep > 1)
      nStepTransitions(buffer.storage, (batch.get("index") as HostArray).data as Int32Array, batch, {
        n: nStep,
        gamma,
        obsKeys,
      });
    context?.processBatch(batch);
    const stats = this.step(batch);
    if (this.options.prioritized) buffer.updateTensorDictPriority(batch);
    this.count += 1;
    this.options.targetSync.afterUpdate(this.count);
    return stats;
  }

  /** Applies (clipped) gradients at this step's scheduled learning rate, or the optimizer's own without `lrSchedule`. */
  protected applyGradients(grads: tf.NamedTensorMap): void {
    const { optimizer, lrSchedule } = this.options;
    if (lrSchedule === undefined) optimizer.applyGradients(grads);
    else withLearningRate(optimizer, lrSchedule(this.count), () => optimizer.applyGradients(grads));
  }

  /** The gradient step on a sampled (and processed) batch: loss, gradients, clipping, the optimizer; `td_error` is left in `batch`. */
  protected step(batch: TensorDict): UpdateStats {
    const { loss, gradClip } = this.options;
    let meanTdError = 0;
    const { value, grads } = tf.variableGrads(
      () => loss.forward(batch).getTensor("loss") as tf.Scalar,
      loss.parameterList(),
    );
    const { grads: clipped, norm } = Number.isFinite(gradClip) ? clipGradNorm(grads, gradClip) : { grads, norm: NaN };
    this.applyGradients(clipped);
    const lossValue = value.dataSync()[0]!;
    tf.dispose([value, grads, clipped]);
    const tdError = batch.has("td_error") ? ((batch.get("td_error") as HostArray).data as Float32Array) : null;
    if (tdError !== null) meanTdError = tdError.reduce((a, b) => a + b, 0) / tdError.length;
    return { loss: lossValue, gradNorm: norm, meanTdError };
  }
}
