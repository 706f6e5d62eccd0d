import * as tf from "@tensorflow/tfjs-core";
import { checkOptions, HostArray, isHostArray, isTensor, TensorDict, type OptionKeys } from "@tdrl/tensordict";
import { keyName, type NestedKey, type TensorDictModuleBase } from "@tdrl/modules";
import { distanceLoss, type LossFunction } from "./distance-loss";
import { LossModule } from "./loss-module";
import { readSampleValues } from "./sample-values";
import { TD0Estimator, type ValueEstimator } from "./value-estimators";

/** How per-sample losses are combined: TorchRL's `reduction`. */
export type Reduction = "mean" | "sum" | "none";

export interface DQNLossOptions {
  /** Default "l2" (TorchRL's default). */
  lossFunction?: LossFunction;
  /** `delta` of "huber", `beta` of "smoothL1". Default 1. */
  delta?: number;
  /** Keep a target copy of the value network. Default true. */
  delayValue?: boolean;
  /** Choose the next action with the online network and value it with the target one. Default false. */
  doubleDqn?: boolean;
  /** Default "mean". */
  reduction?: Reduction;
  /** Discount. Default 0.99 (or the estimator's). */
  gamma?: number;
  /**
   * How targets are built from rewards and target-network values. Default `new TD0Estimator({ gamma })`.
   * Multi-step estimators treat the last batch dim as time (TorchRL's convention).
   */
  valueEstimator?: ValueEstimator;
  /** Inside "next"; where trajectories end (terminated or truncated), read by multi-step estimators when present. Default "done". */
  doneKey?: string;
  /** Where the value network writes Q-values `[...B, numActions]`. Default "action_value". */
  actionValueKey?: NestedKey;
  /** The action taken: int32 index `[...B]` / `[...B, 1]`, or one-hot `[...B, numActions]`. Default "action". */
  actionKey?: NestedKey;
  /** Inside "next". Default "reward". */
  rewardKey?: string;
  /** Inside "next"; the only flag that stops the bootstrap (truncated steps still bootstrap). Default "terminated". */
  terminatedKey?: string;
  /** Written back: |target - Q(s, a)| per sample, for prioritized replay. Default "td_error". */
  priorityKey?: NestedKey;
  /** Read when present: importance weights multiplying the per-sample losses. Default "priority_weight". */
  priorityWeightKey?: NestedKey;
  /**
   * Read when present: a bool per sample (`[...B]` or `[...B, 1]`), false on padding. Masked samples add
   * nothing to the loss, its gradients or `td_error` (0 there); "mean" averages over the valid samples.
   * Default: `"mask"` (`SliceSampler({ padOutput: true })`'s key), else `["collector", "mask"]`
   * (`splitTrajectories`'s, TorchRL's). A key given here is the only one read.
   */
  maskKey?: NestedKey;
}

/**
 * The DQN loss (TorchRL's `DQNLoss`), by default with the TD(0) target `r + gamma * (1 - terminated) * V(s')`,
 * where `V(s') = max_a Q_target(s', a)`, or `Q_target(s', argmax_a Q(s', a))` with `doubleDqn`. Only
 * `terminated` stops the bootstrap: truncated steps still bootstrap. Other estimators: `valueEstimator`.
 *
 * Reads `observation`-like inputs of the value network at the root and under `"next"`, `action`,
 * `next.reward`, `next.terminated` and optionally `priority_weight`; writes `td_error` back into `td` as a
 * host array (it must outlive the `tf.tidy` of a gradient step, and replay buffers keep host arrays).
 * Returns `{ loss }`. The value network's own outputs are written into scratch TensorDicts, never into `td`.
 *
 * @example
 * import * as tf from "@tensorflow/tfjs-core";
 * import { HostArray, Rng, TensorDict } from "@tdrl/tensordict";
 * import { initBackend } from "@tdrl/backend";
 * import { MLP, TensorDictModule } from "@tdrl/modules";
 * await initBackend({ prefer: "cpu" });
 * const qnet = new TensorDictModule(new MLP({ inFeatures: 4, outFeatures: 2, numCells: [16], rng: new Rng(0) }), {
 *   inKeys: ["observation"],
 *   outKeys: ["action_value"],
 * });
 * const loss = new DQNLoss(qnet, { lossFunction: "smoothL1", doubleDqn: true, gamma: 0.99 });
 * const td = new TensorDict({
 *   observation: HostArray.zeros("float32", [8, 4]),
 *   action: HostArray.zeros("int32", [8]),
 *   next: { observation: HostArray.zeros("float32", [8, 4]), reward: HostArray.full("float32", [8, 1], 1), terminated: HostArray.zeros("bool", [8, 1]) },
 * }, [8]);
 * const out = loss.forward(td);
 * out.getTensor("loss").dataSync(); // one number
 * td.getHost("td_error").shape; // [8]
 * out.dispose();
 */
export class DQNLoss extends LossModule {
  readonly name: string = "DQNLoss";
  readonly lossFunction: LossFunction;
  readonly delta: number;
  readonly doubleDqn: boolean;
  readonly reduction: Reduction;
  readonly gamma: number;
  readonly valueEstimator: ValueEstimator;
  protected readonly keys: {
    actionValue: NestedKey;
    action: NestedKey;
    reward: NestedKey;
    terminated: NestedKey;
    done: NestedKey;
    priority: NestedKey;
    priorityWeight: NestedKey;
    /** Where a padding mask is looked for, in order. */
    mask: readonly NestedKey[];
  };

  constructor(valueNetwork: TensorDictModuleBase, options: DQNLossOptions = {}) {
    // Every option is checked before LossModule copies the parameters: a refused option leaves no tensors behind.
    const resolved = resolveDQNLossOptions(options, "DQNLoss");
    super(valueNetwork, { delayValue: options.delayValue ?? true });
    this.lossFunction = resolved.lossFunction;
    this.delta = resolved.delta;
    this.doubleDqn = options.doubleDqn ?? false;
    this.reduction = resolved.reduction;
    this.gamma = resolved.gamma;
    this.valueEstimator = options.valueEstimator ?? new TD0Estimator({ gamma: this.gamma });
    this.keys = {
      actionValue: options.actionValueKey ?? "action_value",
      action: options.actionKey ?? "action",
      reward: ["next", options.rewardKey ?? "reward"],
      terminated: ["next", options.terminatedKey ?? "terminated"],
      done: ["next", options.doneKey ?? "done"],
      priority: options.priorityKey ?? "td_error",
      priorityWeight: options.priorityWeightKey ?? "priority_weight",
      mask: options.maskKey === undefined ? DEFAULT_MASK_KEYS : [options.maskKey],
    };
  }

  forward(td: TensorDict): TensorDict {
    const what = this.name;
    const n = td.numel;
    const next = td.has("next") ? td.get("next") : undefined;
    if (!(next instanceof TensorDict))
      throw new Error(
        `${what}: key "next" is missing or not a nested TensorDict; it must hold the next observation, reward and terminated`,
      );
    this.checkInputs(td, next);
    const target = this.targets(td, () => this.nextStateValue(next, n));
    const { loss, tdError } = this.lossFromTargets(td, () => this.actionValues(td, n), target);
    td.set(this.keys.priority, HostArray.from("float32", [...td.batchSize], tdError));
    return new TensorDict({ loss }, []);
  }

  /**
   * Refuses a batch that has an input of the value network at the root but not under "next" (or the other
   * way round), naming the full path and the batch's keys: the network's own error would name only the
   * inner key. An input missing from both is left to the network (it may be optional, as recurrent states).
   */
  protected checkInputs(td: TensorDict, next: TensorDict): void {
    for (const key of this.valueNetwork.inKeys) {
      const atRoot = td.has(key);
      if (atRoot === next.has(key)) continue;
      const keys = td.keys({ nested: true, leavesOnly: true });
      const missing = atRoot ? `next.${keyName(key)}` : keyName(key);
      throw new Error(
        `${this.name}: the batch has no "${missing}", an input of the value network (the batch has ${keys.length === 0 ? "no keys" : keys.join(", ")})`,
      );
    }
  }

  /** Value targets of every sample of `td` (rewards and flags read first, so a missing key fails before any pass). */
  protected targets(td: TensorDict, nextValue: () => Float32Array): Float32Array {
    const what = this.name;
    const reward = readSampleValues(td, this.keys.reward, what);
    const terminated = readSampleValues(td, this.keys.terminated, what);
    let done = td.has(this.keys.done) ? readSampleValues(td, this.keys.done, what) : undefined;
    const steps = td.batchSize[td.batchSize.length - 1] ?? 1;
    const mask = this.maskValues(td);
    if (mask !== null) {
      // A valid step followed by padding ends its trajectory: multi-step returns must not run into the padding.
      done ??= new Float32Array(td.numel);
      for (let i = 0; i < mask.length; i++) {
        if (mask[i] !== 0 && ((i + 1) % steps === 0 || mask[i + 1] === 0)) done[i] = 1;
      }
    }
    return this.valueEstimator.returns({
      reward,
      nextValue: nextValue(),
      terminated,
      ...(done === undefined ? {} : { done }),
      steps,
    });
  }

  /** The padding mask of `td` (1 valid, 0 padding) from the first mask key present, or null when none is. */
  protected maskValues(td: TensorDict): Float32Array | null {
    const key = this.keys.mask.find((k) => td.has(k));
    return key === undefined ? null : readSampleValues(td, key, this.name);
  }

  /**
   * The reduced loss of Q(s, a) against fixed targets, and |target - Q(s, a)| on the host. Actions and
   * priority weights are read from `td`, whose batch is the batch of `target`.
   */
  protected lossFromTargets(
    td: TensorDict,
    onlineValues: () => tf.Tensor2D,
    target: Float32Array,
  ): { loss: tf.Tensor; tdError: Float32Array } {
    const n = td.numel;
    const weight = td.has(this.keys.priorityWeight) ? readSampleValues(td, this.keys.priorityWeight, this.name) : null;
    if (weight !== null) {
      for (let i = 0; i < weight.length; i++) {
        const w = weight[i]!;
        // A negative weight flips the sign of the sample's loss; NaN or Infinity poisons the whole batch.
        if (!(Number.isFinite(w) && w >= 0)) {
          throw new Error(
            `${this.name}: "${keyName(this.keys.priorityWeight)}"[${i}] is ${w}; importance weights must be finite and >= 0`,
          );
        }
      }
    }
    const mask = this.maskValues(td);
    let valid = n;
    if (mask !== null) {
      valid = 0;
      for (let i = 0; i < n; i++) valid += mask[i] !== 0 ? 1 : 0;
    }
    const tdError = new Float32Array(n);
    const loss = tf.tidy(() => {
      const q = onlineValues();
      const hot = this.actionOneHot(td, n, q.shape[1], mask);
      const chosen = tf.sum(tf.mul(hot, q), -1);
      const chosenHost = chosen.dataSync();
      // Padded steps get a target equal to their own value: a zero distance whatever the padding holds.
      const fixedTarget = mask === null ? target : target.map((y, i) => (mask[i] !== 0 ? y : chosenHost[i]!));
      for (let i = 0; i < n; i++) tdError[i] = Math.abs(fixedTarget[i]! - chosenHost[i]!);
      let perSample = distanceLoss(chosen, tf.tensor1d(fixedTarget), this.lossFunction, this.delta);
      if (weight !== null) perSample = tf.mul(perSample, tf.tensor1d(weight));
      // Their distance is already 0; the mask makes their share exactly 0 whatever the weights hold.
      if (mask !== null) perSample = tf.mul(perSample, tf.tensor1d(mask));
      if (this.reduction === "mean")
        return mask === null ? tf.mean(perSample) : tf.div(tf.sum(perSample), Math.max(valid, 1));
      if (this.reduction === "sum") return tf.sum(perSample);
      return tf.reshape(perSample, [...td.batchSize]);
    });
    return { loss, tdError };
  }

  /** V(s') per sample, on the host: the target pass must not be differentiated. */
  protected nextStateValue(next: TensorDict, n: number): Float32Array {
    const v = tf.tidy(() => {
      const qTarget = this.withTargetParameters(() => this.actionValues(next, n));
      if (!this.doubleDqn) return tf.max(qTarget, -1);
      const qOnline = this.actionValues(next, n);
      const hot = floatOneHot(tf.argMax(qOnline, -1), qOnline.shape[1]);
      return tf.sum(tf.mul(hot, qTarget), -1);
    });
    const host = v.dataSync() as Float32Array;
    v.dispose();
    return host;
  }

  /** Runs the value network on a scratch selection of `source` and returns its Q-values as `[n, numActions]`. */
  protected actionValues(source: TensorDict, n: number): tf.Tensor2D {
    const net = this.valueNetwork;
    const present = net.inKeys.filter((k) => source.has(k));
    const scratch = source.select(...present);
    net.forward(scratch);
    return this.readActionValues(scratch, n);
  }

  /** The Q-values the value network wrote into `scratch`, as `[n, numActions]`. */
  protected readActionValues(scratch: TensorDict, n: number): tf.Tensor2D {
    const key = this.keys.actionValue;
    if (!scratch.has(key))
      throw new Error(
        `${this.name}: the value network did not write "${keyName(key)}" (it wrote ${this.valueNetwork.outKeys.map(keyName).join(", ")})`,
      );
    const q = scratch.getTensor(key);
    const a = q.shape[q.rank - 1];
    if (q.rank === 0 || a === undefined || a * n !== q.size) {
      throw new Error(
        `${this.name}: "${keyName(key)}" has shape [${q.shape.join(", ")}]; expected the batch size [${scratch.batchSize.join(", ")}] then numActions`,
      );
    }
    return tf.reshape(q, [n, a]);
  }

  /** The taken action as a float one-hot `[n, numActions]` (a product, not a gather: wasm has no gather gradient). */
  protected actionOneHot(td: TensorDict, n: number, numActions: number, mask: Float32Array | null = null): tf.Tensor2D {
    const key = this.keys.action;
    if (!td.has(key)) throw new Error(`${this.name}: key "${keyName(key)}" is missing from the TensorDict`);
    const entry = td.get(key);
    if (!isHostArray(entry) && !isTensor(entry))
      throw new Error(`${this.name}: key "${keyName(key)}" holds a nested TensorDict, not a leaf`);
    const shape = entry.shape;
    const b = td.batchSize;
    const oneHot = numActions > 1 && shape.length === b.length + 1 && shape[shape.length - 1] === numActions;
    if (oneHot) {
      return tf.tidy(() =>
        tf.reshape(tf.cast(isTensor(entry) ? entry : tf.tensor(entry.data, [...shape]), "float32"), [n, numActions]),
      );
    }
    const index = readSampleValues(td, key, this.name);
    const idx = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const a = index[i]!;
      if (mask !== null && mask[i] === 0) continue; // padding may hold anything (splitTrajectories pads with zeros)
      if (!(Number.isInteger(a) && a >= 0 && a < numActions)) {
        throw new Error(
          `${this.name}: "${keyName(key)}"[${i}] is ${a}; actions must be integers in [0, ${numActions})`,
        );
      }
      idx[i] = a;
    }
    return tf.tidy(() => floatOneHot(tf.tensor1d(idx, "int32"), numActions));
  }
}

/** The mask keys read when no `maskKey` is given: the slice sampler's, then the trajectory splitter's (TorchRL's). */
const DEFAULT_MASK_KEYS: readonly NestedKey[] = ["mask", ["collector", "mask"]];

const DQN_LOSS_OPTION_KEYS = {
  lossFunction: true,
  delta: true,
  delayValue: true,
  doubleDqn: true,
  reduction: true,
  gamma: true,
  valueEstimator: true,
  doneKey: true,
  actionValueKey: true,
  actionKey: true,
  rewardKey: true,
  terminatedKey: true,
  priorityKey: true,
  priorityWeightKey: true,
  maskKey: true,
} satisfies OptionKeys<DQNLossOptions>;

/** The option keys of `DQNLoss`, for losses that extend its options. */
export const DQN_LOSS_OPTIONS: Readonly<Record<keyof DQNLossOptions, true>> = DQN_LOSS_OPTION_KEYS;

/** DQNLoss's options checked and with defaults, before anything is allocated. */
function resolveDQNLossOptions(
  options: DQNLossOptions,
  what: string,
): { lossFunction: LossFunction; delta: number; reduction: Reduction; gamma: number } {
  checkOptions(what, options, DQN_LOSS_OPTION_KEYS);
  const lf = options.lossFunction ?? "l2";
  if (lf !== "l2" && lf !== "smoothL1" && lf !== "huber") {
    throw new Error(`${what}: lossFunction must be "l2", "smoothL1" or "huber", got ${JSON.stringify(lf)}`);
  }
  const delta = options.delta ?? 1;
  if (!(Number.isFinite(delta) && delta > 0)) throw new Error(`${what}: delta must be > 0, got ${delta}`);
  const reduction = options.reduction ?? "mean";
  if (reduction !== "mean" && reduction !== "sum" && reduction !== "none") {
    throw new Error(`${what}: reduction must be "mean", "sum" or "none", got ${JSON.stringify(reduction)}`);
  }
  const est = options.valueEstimator;
  if (est !== undefined && options.gamma !== undefined && est.gamma !== options.gamma) {
    throw new Error(
      `${what}: gamma ${options.gamma} contradicts the value estimator's gamma ${est.gamma} (${est.name}); give one`,
    );
  }
  const gamma = est?.gamma ?? options.gamma ?? 0.99;
  if (!(Number.isFinite(gamma) && gamma >= 0 && gamma <= 1))
    throw new Error(`${what}: gamma must be in [0, 1], got ${gamma}`);
  return { lossFunction: lf, delta, reduction, gamma };
}

/**
 * A float32 one-hot made as int32 and cast: tfjs-backend-wasm 4.22's OneHot ignores a float32 dtype and
 * writes int32 bits, so `oneHot(i, n, 1, 0, "float32")` holds 1.4e-45 instead of 1 on wasm.
 */
function floatOneHot(index: tf.Tensor, n: number): tf.Tensor2D {
  return tf.tidy(() => tf.cast(tf.oneHot(index, n), "float32") as tf.Tensor2D);
}
