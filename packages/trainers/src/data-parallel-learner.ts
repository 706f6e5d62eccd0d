import * as tf from "@tensorflow/tfjs-core";
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from "node:worker_threads";
import { SharedBatchWriter } from "@tdrl/collectors/internal";
import { workerFailureError } from "@tdrl/envs/node";
import { resolveEnvModule } from "@tdrl/envs/internal";
import { HostArray, type TensorDict } from "@tdrl/tensordict";
import { clipGradNorm, RecurrentDQNLoss } from "@tdrl/losses";
import { DqnLearner, type DqnLearnerOptions } from "./dqn-learner";
import {
  ANSWER_EXITED,
  ANSWER_STARTING,
  COMMAND_CLOSE,
  COMMAND_STEP,
  STATUS_FAILED,
  Slot,
  type DataParallelWorkerData,
  type LossModuleRef,
  type ParameterEntry,
  type StepMessage,
  type WorkerFailure,
} from "./data-parallel-protocol";
import { DATA_PARALLEL_WORKER_SOURCE } from "./data-parallel-worker-source";
import { dataParallelWorkerModuleUrl } from "./data-parallel-worker";
import type { UpdateStats } from "./trainer";

export interface DataParallelLearnerOptions extends DqnLearnerOptions {
  /** Builds the worker's copy of `loss` (same network, same options); see `LossFactory`. */
  workerLoss: LossModuleRef;
  /** How long the worker may take to start (tsx, the backend, the loss). Default 60 000 ms. */
  startTimeoutMs?: number;
  /** How long one half-step in the worker may take. Default 60 000 ms. */
  timeoutMs?: number;
}

const MASK_KEYS = ["mask", "collector.mask"];

/**
 * `DqnLearner` on two threads (Node only): each sampled batch is split in two along its first dim (the
 * slices of a `[B, T]` batch, the samples of a flat one); a worker thread with its own tfjs backend
 * computes the loss and gradients of the first half while the main thread computes the second's, then the
 * main thread combines them, clips and steps the optimizer. The worker holds no state of its own: before
 * every step it gets the online and target weights through shared memory, so checkpoints, target syncs and
 * the optimizer stay on the main thread and an exact resume works as with one thread.
 *
 * The combination is fixed: with `reduction: "mean"` the gradient is `(B1 / B) g1 + (B2 / B) g2` (for even
 * B, `(g1 + g2) / 2`), with `"sum"` `g1 + g2`, and so is the reported loss. It equals the one-thread
 * gradient up to float rounding (the sums inside the ops are split differently), so a run on two threads
 * repeats itself exactly but does not repeat a one-thread run bit for bit. `td_error` of both halves is
 * written back to the batch in sample order, for priorities. Padding masks are refused (the halves'
 * means would need their valid counts), and so is a flat batch of concatenated slices for a recurrent
 * loss (the split would cut a slice).
 *
 * The main thread blocks (`Atomics.wait`) while it waits for the worker; the worker's errors are thrown
 * from `update()` with the worker's stack. Call `dispose()` to end the thread (it is `unref`'d, so a
 * forgotten learner does not keep the process alive).
 *
 * @example
 * // The worker builds its loss from a module's `LossFactory`; this one builds the same network as `parts.loss`.
 * import { smallSetup } from "../test/data-parallel-fixture";
 * const args = { hidden: 8, seed: 0, burnIn: 2 };
 * const parts = smallSetup(args); // loss, buffer, optimizer, targetSync, gradClip, ...
 * const module = new URL("../test/data-parallel-fixture.ts", import.meta.url);
 * const learner = new DataParallelLearner({ ...parts, workerLoss: { module, exportName: "makeSmallLoss", args } });
 * learner.update().loss; // the mean of both halves' losses
 * learner.dispose();
 * parts.dispose();
 */
export class DataParallelLearner extends DqnLearner {
  readonly what = "DataParallelLearner";
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly control: Int32Array;
  private readonly online: ParameterEntry[];
  private readonly target: ParameterEntry[];
  private readonly weights: Float32Array;
  private readonly grads: Float32Array;
  private readonly scalars: Float64Array;
  private readonly writer = new SharedBatchWriter();
  private readonly timeoutMs: number;
  private tdError: Float32Array<ArrayBufferLike> = new Float32Array(0);
  private request = 0;
  private started = false;
  private readonly startDeadline: number;
  private broken: string | null = null;
  private disposed = false;
  private readonly exitedPromise: Promise<void>;
  private threadError: Error | null = null;

  constructor(options: DataParallelLearnerOptions) {
    super(options);
    const what = this.what;
    const { loss, workerLoss } = options;
    if (loss.reduction !== "mean" && loss.reduction !== "sum")
      throw new Error(`${what}: the loss's reduction must be "mean" or "sum", got "${loss.reduction}"`);
    if (workerLoss === null || typeof workerLoss !== "object")
      throw new Error(`${what}: workerLoss must be { module, exportName?, args? }, got ${String(workerLoss)}`);
    const startTimeoutMs = options.startTimeoutMs ?? 60_000;
    this.timeoutMs = options.timeoutMs ?? 60_000;
    for (const [name, ms] of [
      ["startTimeoutMs", startTimeoutMs],
      ["timeoutMs", this.timeoutMs],
    ] as const)
      if (!(ms > 0)) throw new Error(`${what}: ${name} must be > 0, got ${ms}`);
    const lossRef = resolveEnvModule(workerLoss, `${what} (workerLoss)`);
    const self = resolveEnvModule(
      { module: dataParallelWorkerModuleUrl(), exportName: "dataParallelWorkerMain" },
      what,
    );
    let size = 0;
    const layout = (params: Map<string, tf.Variable>) =>
      [...params].map(([name, v]): ParameterEntry => {
        const entry = { name, shape: [...v.shape], offset: size };
        size += v.size;
        return entry;
      });
    this.online = layout(loss.parameters());
    const onlineSize = size;
    this.target = layout(loss.targetParameters());
    const control = new SharedArrayBuffer(Slot.SIZE * 4);
    this.control = new Int32Array(control);
    Atomics.store(this.control, Slot.ANSWER, ANSWER_STARTING);
    const weights = new SharedArrayBuffer(size * 4);
    const grads = new SharedArrayBuffer(onlineSize * 4);
    const scalars = new SharedArrayBuffer(8);
    this.weights = new Float32Array(weights);
    this.grads = new Float32Array(grads);
    this.scalars = new Float64Array(scalars);
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const data: DataParallelWorkerData = {
      what,
      self,
      loss: lossRef,
      // One tsx registration per thread: the user's tsconfig first (for their paths), else this package's.
      tsx: lossRef.tsx ?? self.tsx,
      backend: tf.getBackend(),
      control,
      port: port2,
      online: this.online,
      target: this.target,
      weights,
      grads,
      scalars,
    };
    this.startDeadline = performance.now() + startTimeoutMs;
    this.worker = new Worker(DATA_PARALLEL_WORKER_SOURCE, {
      eval: true,
      workerData: data,
      transferList: [port2],
      name: `${what} worker`,
    });
    this.worker.unref();
    this.port.unref();
    this.exitedPromise = new Promise((resolve) => this.worker.once("exit", () => resolve()));
    // Without a listener an 'error' event would be rethrown in this thread; it is kept for messages.
    this.worker.on("error", (error: Error) => {
      this.threadError = error;
    });
  }

  /** The worker's thread id. */
  get threadId(): number {
    return this.worker.threadId;
  }

  /** `tf.memory().numTensors` in the worker after its last step (leak checks). */
  get workerNumTensors(): number {
    return Atomics.load(this.control, Slot.NUM_TENSORS);
  }

  /** Resolves when the worker thread has exited (after `dispose()`, or a failure). */
  exited(): Promise<void> {
    return this.exitedPromise;
  }

  /** Ends the worker thread (it frees its loss first, given a few seconds). Idempotent; the learner is unusable after. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.started && this.broken === null) {
      try {
        this.command(COMMAND_CLOSE, Math.min(this.timeoutMs, 5_000), "close");
      } catch {
        // The thread is terminated either way.
      }
    }
    this.port.close();
    void this.worker.terminate();
  }

  protected override step(batch: TensorDict): UpdateStats {
    const what = this.what;
    this.checkUsable();
    const { loss, gradClip } = this.options;
    const b = batch.batchSize[0] ?? 0;
    if (batch.batchDims === 0 || b < 2)
      throw new Error(`${what}: a batch of size [${batch.batchSize.join(", ")}] cannot be split in two along dim 0`);
    if (loss instanceof RecurrentDQNLoss && batch.batchDims === 1)
      throw new Error(
        `${what}: a flat batch [${b}] of concatenated slices would be cut inside a slice; sample [B, T] slices (SliceSampler with strictLength)`,
      );
    for (const key of MASK_KEYS)
      if (batch.has(key.split(".")))
        throw new Error(
          `${what}: the batch has a padding mask "${key}"; the halves' means cannot be combined without their valid counts`,
        );
    this.awaitStart();
    const h = b >> 1;
    const [w1, w2] = loss.reduction === "sum" ? [1, 1] : [h / b, (b - h) / b];
    const first = batch.index({ stop: h });
    const second = batch.index({ start: h });
    let mainValue: tf.Scalar | null = null;
    let mainGrads: tf.NamedTensorMap | null = null;
    try {
      this.writeWeights();
      const layout = this.writer.write(first);
      let fresh: SharedArrayBuffer | null = null;
      if (this.tdError.length !== first.numel) {
        fresh = new SharedArrayBuffer(first.numel * 4);
        this.tdError = new Float32Array(fresh);
      }
      const message: StepMessage = { kind: "step", batchSize: [...first.batchSize], layout, tdError: fresh };
      this.port.postMessage(message);
      this.post(COMMAND_STEP);
      // The second half here while the worker runs the first; its answer is awaited even if this throws,
      // so the worker is never still busy when the next step writes the shared buffers.
      try {
        const r = tf.variableGrads(() => loss.forward(second).getTensor("loss") as tf.Scalar, loss.parameterList());
        mainValue = r.value;
        mainGrads = r.grads;
      } finally {
        this.awaitAnswer(this.timeoutMs, "step");
      }
      const params = loss.parameters();
      const grads = mainGrads;
      const combined = tf.tidy(() => {
        const out: tf.NamedTensorMap = {};
        for (const { name, shape, offset } of this.online) {
          const v = params.get(name)!;
          const g2 = grads[v.name]!;
          const g1 = tf.tensor(this.grads.subarray(offset, offset + v.size), shape, "float32");
          out[v.name] = w1 === w2 ? tf.mul(tf.add(g1, g2), w1) : tf.add(tf.mul(g1, w1), tf.mul(g2, w2));
        }
        return out;
      });
      const { grads: clipped, norm } = Number.isFinite(gradClip)
        ? clipGradNorm(combined, gradClip)
        : { grads: combined, norm: Number.NaN };
      this.applyGradients(clipped);
      const lossValue = w1 * this.scalars[0]! + w2 * mainValue.dataSync()[0]!;
      tf.dispose([combined, clipped]);
      const rest = second.getHost("td_error").data as Float32Array;
      const tdError = new Float32Array(this.tdError.length + rest.length);
      tdError.set(this.tdError);
      tdError.set(rest, this.tdError.length);
      batch.set("td_error", new HostArray("float32", [...batch.batchSize], tdError));
      const meanTdError = tdError.reduce((a, x) => a + x, 0) / tdError.length;
      return { loss: lossValue, gradNorm: norm, meanTdError };
    } finally {
      tf.dispose([mainValue ?? [], mainGrads ?? {}]);
      first.dispose();
      second.dispose();
    }
  }

  /** Copies the online and target weights into the shared buffer the worker loads them from. */
  private writeWeights(): void {
    const { loss } = this.options;
    const copy = (params: Map<string, tf.Variable>, entries: readonly ParameterEntry[]) => {
      for (const { name, offset } of entries) {
        const v = params.get(name);
        if (v === undefined) throw new Error(`${this.what}: the loss no longer has the parameter "${name}"`);
        this.weights.set(v.dataSync() as Float32Array, offset);
      }
    };
    copy(loss.parameters(), this.online);
    copy(loss.targetParameters(), this.target);
  }

  private checkUsable(): void {
    if (this.disposed) throw new Error(`${this.what}: the learner was disposed; its worker has ended`);
    if (this.broken !== null)
      throw new Error(`${this.what}: ${this.broken}, so the worker is out of step; make a new learner`);
  }

  /** Waits (once) for the worker's start-up answer: its backend and loss are ready. */
  private awaitStart(): void {
    if (this.started) return;
    this.awaitAnswerFor(0, "start-up (initBackend, the loss module)", this.startDeadline, "startTimeoutMs");
    this.started = true;
  }

  private post(command: number): void {
    this.request++;
    Atomics.store(this.control, Slot.COMMAND, command);
    Atomics.store(this.control, Slot.REQUEST, this.request);
    Atomics.notify(this.control, Slot.REQUEST);
  }

  private command(command: number, timeoutMs: number, during: string): void {
    this.post(command);
    this.awaitAnswer(timeoutMs, during);
  }

  private awaitAnswer(timeoutMs: number, during: string): void {
    this.awaitAnswerFor(this.request, during, performance.now() + timeoutMs, "timeoutMs");
  }

  /** Blocks until the worker answers `request`; throws with the worker's error if it failed, exited or missed the deadline. */
  private awaitAnswerFor(request: number, during: string, deadline: number, limit: string): void {
    for (;;) {
      const answer = Atomics.load(this.control, Slot.ANSWER);
      if (answer === request) break;
      if (answer === ANSWER_EXITED) {
        const failure = this.pendingFailure();
        this.breakWith(`the worker exited during ${during}`);
        if (failure !== null) throw workerFailureError(this.what, 0, failure);
        const code = Atomics.load(this.control, Slot.EXIT_CODE);
        const detail = this.threadError === null ? "" : `: ${this.threadError.message}`;
        throw new Error(
          `${this.what}: the worker exited with code ${code} during ${during} (process.exit() or a fatal error in the worker)${detail}`,
        );
      }
      const left = deadline - performance.now();
      if (left <= 0 || Atomics.wait(this.control, Slot.ANSWER, answer, left) === "timed-out") {
        if (Atomics.load(this.control, Slot.ANSWER) === request) break;
        this.breakWith(`the worker did not answer ${during} within ${limit}`);
        throw new Error(
          `${this.what}: the worker did not answer ${during} within ${limit}; raise it on a loaded machine (loading TypeScript with tsx takes seconds)`,
        );
      }
    }
    if (Atomics.load(this.control, Slot.STATUS) === STATUS_FAILED) {
      const failure = this.pendingFailure() ?? {
        kind: "failure" as const,
        during,
        name: "Error",
        message: "failed without a message",
        stack: "",
      };
      // A failed start leaves no worker to step; a failed step leaves it waiting, in step.
      if (request === 0) this.breakWith(`the worker failed to start`);
      throw workerFailureError(this.what, 0, failure);
    }
  }

  private pendingFailure(): WorkerFailure | null {
    for (;;) {
      const received = receiveMessageOnPort(this.port);
      if (received === undefined) return null;
      const message = received.message as { kind?: string };
      if (message.kind === "failure") return message as WorkerFailure;
    }
  }

  private breakWith(reason: string): void {
    this.broken ??= reason;
    void this.worker.terminate();
  }
}
