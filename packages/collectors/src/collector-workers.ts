import { Worker } from "node:worker_threads";
import { workerFailureError, type EnvModuleRef } from "@tdrl/envs/node";
import { resolveEnvModule } from "@tdrl/envs/internal";
import type { TensorDict } from "@tdrl/tensordict";
import { SharedBatchReader } from "./collector-worker-batch";
import { collectorWorkerModuleUrl } from "./collector-worker";
import type {
  CollectorWorkerData,
  FromWorker,
  PolicyModuleRef,
  ToWorker,
  WeightEntry,
  WorkerCollectorOptions,
  WorkerReady,
} from "./collector-worker-protocol";
import { COLLECTOR_WORKER_SOURCE } from "./collector-worker-source";
import type { TrajectoryIdsState } from "./trajectory-ids";
import type { CollectorState } from "./collector";

export interface CollectorWorkersOptions {
  /** The collector's class name, for messages. */
  what: string;
  numWorkers: number;
  env: EnvModuleRef;
  policy: PolicyModuleRef;
  /** The `SyncDataCollector` options of worker `index`. */
  collector: (index: number) => WorkerCollectorOptions;
  startTimeoutMs: number;
  timeoutMs: number;
}

/** A batch as it arrived from a worker. */
export interface ArrivedBatch {
  worker: number;
  batch: TensorDict;
}

interface Member {
  worker: Worker;
  reader: SharedBatchReader;
  ready: WorkerReady | null;
  /** Batches asked for and not yet arrived. */
  inFlight: number;
  trajectoryIds: TrajectoryIdsState | null;
  numTensors: number | null;
  alive: boolean;
  exited: Promise<void>;
}

/**
 * The worker threads of one multi collector, each running a `SyncDataCollector` (see
 * `collector-worker.ts`), and the asynchronous protocol with them: `request(i)` asks worker `i` for a batch,
 * `take(i)` / `take(null)` awaits the batch of worker `i` / of whichever worker delivers first.
 *
 * Workers are `unref`'d and ref'd only while something awaits them, so a collector that is not being
 * iterated never keeps the process alive. The first failure (an exception in a worker, with its stack; an
 * exit; a missed deadline) ends every worker and is what every later call throws.
 */
export class CollectorWorkers {
  readonly what: string;
  private readonly members: Member[] = [];
  private readonly arrived: ArrivedBatch[] = [];
  private readonly wakers = new Set<() => void>();
  private readonly startDeadline: number;
  private readonly timeoutMs: number;
  private failure: Error | null = null;
  private waiting = 0;
  private shuttingDown = false;

  constructor(options: CollectorWorkersOptions) {
    const { what, numWorkers } = options;
    this.what = what;
    this.timeoutMs = options.timeoutMs;
    const self = resolveEnvModule({ module: collectorWorkerModuleUrl(), exportName: "collectorWorkerMain" }, what);
    const env = resolveEnvModule(options.env, what);
    if (options.policy === null || typeof options.policy !== "object")
      throw new Error(`${what}: the policy must be { module, exportName?, args? }, got ${String(options.policy)}`);
    const policy = resolveEnvModule(options.policy, `${what} (policy)`);
    // One tsx registration per thread: the user's tsconfig first (for their paths), else this package's.
    const tsx = env.tsx ?? policy.tsx ?? self.tsx;
    const collectors = Array.from({ length: numWorkers }, (_, i) => options.collector(i));
    this.startDeadline = performance.now() + options.startTimeoutMs;
    for (let i = 0; i < numWorkers; i++)
      this.spawn({ index: i, what, self, env, policy, collector: collectors[i]!, tsx });
  }

  get size(): number {
    return this.members.length;
  }

  /** The workers' thread ids. */
  get threadIds(): number[] {
    return this.members.map((m) => m.worker.threadId);
  }

  /** Worker threads that have not exited yet (exits are seen on the event loop). */
  get liveWorkers(): number {
    return this.members.filter((m) => m.alive).length;
  }

  /** Batches asked for and not yet arrived, over all workers. */
  get inFlight(): number {
    return this.members.reduce((n, m) => n + m.inFlight, 0);
  }

  /** Whether worker `index` has a batch on the way. */
  busy(index: number): boolean {
    return this.members[index]!.inFlight > 0;
  }

  /** Worker `index`'s trajectory-id counters after its last batch (or at start). */
  trajectoryIds(index: number): TrajectoryIdsState | null {
    return this.members[index]!.trajectoryIds;
  }

  /** `tf.memory().numTensors` of each worker after its last batch (null before its first). */
  get numTensors(): (number | null)[] {
    return this.members.map((m) => m.numTensors);
  }

  /** Waits until every worker has built its env, policy and collector; returns what they reported. */
  async ready(): Promise<WorkerReady[]> {
    const deadline = this.startDeadline;
    return this.waitFor(
      () => (this.members.every((m) => m.ready !== null) ? this.members.map((m) => m.ready!) : undefined),
      deadline,
      () =>
        `${this.what}: the workers did not start within the start timeout (startTimeoutMs); loading TypeScript with tsx takes seconds, raise the limit on a loaded machine`,
    );
  }

  /** Asks worker `index` for one more batch. */
  request(index: number): void {
    this.throwIfFailed();
    const m = this.members[index]!;
    m.inFlight++;
    this.post(m, { kind: "collect" });
  }

  /** Awaits the next batch of worker `index`, or of any worker when `index` is null (the first to arrive). */
  async take(index: number | null): Promise<ArrivedBatch> {
    const pick = () => {
      const at = this.arrived.findIndex((a) => index === null || a.worker === index);
      return at === -1 ? undefined : this.arrived.splice(at, 1)[0];
    };
    return this.waitFor(pick, performance.now() + this.timeoutMs, () => {
      return `${this.what}: ${index === null ? "no worker delivered" : `worker ${index} did not deliver`} a batch within ${this.timeoutMs} ms (timeoutMs); the workers were ended. Raise timeoutMs for a slow env or a large batch`;
    });
  }

  /** Sends a weights update to every worker; each applies it before its next batch. */
  broadcast(entries: WeightEntry[], buffer: SharedArrayBuffer): void {
    this.throwIfFailed();
    for (const m of this.members) this.post(m, { kind: "weights", entries, buffer });
  }

  /** Sends worker `i` the collector state `state(i)`; its next batch starts from a full reset. */
  loadState(state: (index: number) => CollectorState): void {
    this.throwIfFailed();
    this.members.forEach((m, i) => {
      const s = state(i);
      m.trajectoryIds = structuredClone(s.trajectoryIds[0]!);
      this.post(m, { kind: "loadState", state: s });
    });
  }

  /** Ends every worker: each closes its env first (given a few seconds), then the thread is terminated. Idempotent. */
  async shutdown(): Promise<void> {
    if (!this.shuttingDown) {
      this.shuttingDown = true;
      this.refAll(true);
      for (const m of this.members) if (m.alive) this.post(m, { kind: "shutdown" });
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, 5_000);
      });
      await Promise.race([Promise.all(this.members.map((m) => m.exited)), grace]);
      clearTimeout(timer);
      await Promise.all(this.members.map((m) => m.worker.terminate()));
      this.wake();
    }
    await Promise.all(this.members.map((m) => m.exited));
  }

  private spawn(data: CollectorWorkerData): void {
    const index = data.index;
    const worker = new Worker(COLLECTOR_WORKER_SOURCE, {
      eval: true,
      workerData: data,
      name: `${this.what} worker ${index}`,
    });
    worker.unref();
    const member: Member = {
      worker,
      reader: new SharedBatchReader(),
      ready: null,
      inFlight: 0,
      trajectoryIds: null,
      numTensors: null,
      alive: true,
      exited: Promise.resolve(),
    };
    member.exited = new Promise((resolve) => {
      worker.once("exit", (code) => {
        member.alive = false;
        if (!this.shuttingDown)
          this.fail(
            new Error(
              `${this.what}: worker ${index} exited with code ${code} (process.exit() or a fatal error in the worker)`,
            ),
          );
        this.wake();
        resolve();
      });
    });
    worker.on("error", (error: Error) => {
      const stack = typeof error.stack === "string" ? `\n--- worker ${index} stack ---\n${error.stack}` : "";
      this.fail(
        new Error(`${this.what}: worker ${index} failed: ${error.name}: ${error.message}${stack}`, { cause: error }),
      );
    });
    worker.on("message", (message: FromWorker) => {
      switch (message.kind) {
        case "ready":
          member.ready = message;
          member.trajectoryIds = message.trajectoryIds;
          break;
        case "batch":
          member.inFlight--;
          member.trajectoryIds = message.trajectoryIds;
          member.numTensors = message.numTensors;
          try {
            this.arrived.push({ worker: index, batch: member.reader.read(message.batchSize, message.layout) });
          } catch (error) {
            this.fail(new Error(`${this.what}: worker ${index}: ${(error as Error).message}`));
          }
          break;
        case "failure":
          if (!this.shuttingDown) this.fail(workerFailureError(this.what, index, message));
          break;
        case "closed":
          break;
      }
      this.wake();
    });
    this.members.push(member);
  }

  private post(m: Member, message: ToWorker): void {
    if (m.alive) m.worker.postMessage(message);
  }

  /** Resolves with `check()`'s first defined value; rejects with the first failure, or a timeout (which ends the workers). */
  private async waitFor<T>(check: () => T | undefined, deadline: number, timeoutMessage: () => string): Promise<T> {
    this.waiting++;
    if (this.waiting === 1) this.refAll(true);
    try {
      for (;;) {
        this.throwIfFailed();
        const value = check();
        if (value !== undefined) return value;
        const left = deadline - performance.now();
        if (left <= 0) {
          this.fail(new Error(timeoutMessage()));
          continue;
        }
        await new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(timer);
            this.wakers.delete(done);
            resolve();
          };
          const timer = setTimeout(done, left);
          this.wakers.add(done);
        });
      }
    } finally {
      this.waiting--;
      if (this.waiting === 0 && !this.shuttingDown) this.refAll(false);
    }
  }

  private wake(): void {
    for (const waker of [...this.wakers]) waker();
  }

  private refAll(on: boolean): void {
    for (const m of this.members) {
      if (on) m.worker.ref();
      else m.worker.unref();
    }
  }

  private throwIfFailed(): void {
    if (this.shuttingDown) throw new Error(`${this.what}: the collector was shut down`);
    if (this.failure !== null) throw this.failure;
  }

  /** Keeps the first failure and ends every worker: after it, the workers' batches no longer line up. */
  private fail(error: Error): void {
    if (this.failure !== null || this.shuttingDown) return;
    this.failure = error;
    for (const m of this.members) void m.worker.terminate();
    this.wake();
  }
}
