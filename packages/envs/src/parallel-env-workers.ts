import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from "node:worker_threads";
import type { ResolvedEnvModule } from "./env-module-ref";
import {
  Answer,
  CONTROL_STRIDE,
  Command,
  Slot,
  Status,
  commandName,
  workerFailureError,
  type CommandCode,
  type WorkerFailure,
  type WorkerReady,
} from "./parallel-env-protocol";
import { WORKER_SOURCE } from "./parallel-env-worker-source";

interface Member {
  worker: Worker;
  port: MessagePort;
  threadId: number;
  /** The last request number sent. */
  request: number;
  /** Resolves when the thread has exited. */
  exited: Promise<void>;
  alive: boolean;
  /** An 'error' event from the worker (an error outside the command loop), kept for messages. */
  error: Error | null;
}

/**
 * The threads of one ParallelEnv and the synchronous request/answer protocol with them (see
 * `parallel-env-protocol.ts`). Every wait has a deadline; a worker that exits, fails or misses the
 * deadline turns into an Error naming the worker, the command, and carrying the worker's stack.
 */
export class WorkerGroup {
  readonly size: number;
  private readonly what: string;
  private readonly control: Int32Array;
  private readonly members: Member[];
  private readonly timeoutMs: number;
  /** Set once a worker has exited or missed a deadline: its answers no longer match the requests. */
  private broken: string | null = null;
  private closed = false;

  private constructor(what: string, size: number, timeoutMs: number) {
    this.what = what;
    this.size = size;
    this.timeoutMs = timeoutMs;
    this.control = new Int32Array(new SharedArrayBuffer(size * CONTROL_STRIDE * 4));
    this.members = [];
  }

  /**
   * Starts `size` workers, each building its env from `load` and seeding it with `seeds[i]`, and waits
   * until all have reported their specs. Throws (after ending every worker) if any fails.
   */
  static start(
    what: string,
    size: number,
    load: ResolvedEnvModule,
    seeds: readonly number[],
    startTimeoutMs: number,
    timeoutMs: number,
  ): { group: WorkerGroup; ready: WorkerReady[] } {
    const group = new WorkerGroup(what, size, timeoutMs);
    // One deadline for all: the workers start at the same time.
    const deadline = performance.now() + startTimeoutMs;
    try {
      for (let i = 0; i < size; i++) group.spawn(i, load, seeds[i]!);
      const ready: WorkerReady[] = [];
      for (let i = 0; i < size; i++) {
        group.awaitAnswer(i, 0, "makeEnv", deadline, `${startTimeoutMs} ms (startTimeoutMs)`);
        ready.push(group.receive(i) as WorkerReady);
      }
      return { group, ready };
    } catch (error) {
      group.terminate();
      throw error;
    }
  }

  /** The worker threads' ids, in sub-env order. */
  get threadIds(): number[] {
    return this.members.map((m) => m.threadId);
  }

  /** Workers whose thread has not exited yet. */
  get liveWorkers(): number {
    return this.members.filter((m) => m.alive).length;
  }

  /**
   * Sends `command` to the workers `which` (all by default), with `message` posted first when given, and
   * blocks until every one has answered. Throws on the first failure, after all have answered.
   */
  run(
    command: CommandCode,
    which: readonly number[] | null = null,
    message?: (index: number) => unknown,
    timeoutMs = this.timeoutMs,
  ): void {
    this.checkUsable(command);
    const targets = which ?? this.members.map((_, i) => i);
    for (const i of targets) {
      const m = this.members[i]!;
      if (message !== undefined) m.port.postMessage(message(i));
      m.request++;
      Atomics.store(this.control, i * CONTROL_STRIDE + Slot.COMMAND, command);
      Atomics.store(this.control, i * CONTROL_STRIDE + Slot.REQUEST, m.request);
      Atomics.notify(this.control, i * CONTROL_STRIDE + Slot.REQUEST);
    }
    let failure: Error | null = null;
    const deadline = performance.now() + timeoutMs;
    for (const i of targets) {
      try {
        this.awaitAnswer(i, this.members[i]!.request, commandName(command), deadline, `${timeoutMs} ms (timeoutMs)`);
      } catch (error) {
        failure ??= error as Error;
      }
    }
    if (failure !== null) throw failure;
  }

  /** Asks every worker to close its env, then terminates all threads. Idempotent. */
  close(): void {
    if (this.closed) return;
    if (this.broken === null) {
      try {
        // A short deadline: close must not hang on a stuck env; terminate() ends the thread anyway.
        this.run(Command.CLOSE, null, undefined, Math.min(this.timeoutMs, 5_000));
      } catch {
        // The env's close() failed or the worker is gone; the thread is terminated either way.
      }
    }
    this.terminate();
  }

  /** Resolves when every worker thread has exited (after `close`, or on its own). */
  exited(): Promise<void> {
    return Promise.all(this.members.map((m) => m.exited)).then(() => undefined);
  }

  private terminate(): void {
    this.closed = true;
    for (const m of this.members) void m.worker.terminate();
  }

  private spawn(index: number, load: ResolvedEnvModule, seed: number): void {
    const base = index * CONTROL_STRIDE;
    Atomics.store(this.control, base + Slot.ANSWER, Answer.STARTING);
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { index, control: this.control.buffer, port: port2, load, seed },
      transferList: [port2],
      name: `${this.what} worker ${index}`,
    });
    // Like a daemon process: a forgotten close() does not keep the program alive. close() still matters,
    // to free the threads as soon as the env is no longer needed.
    worker.unref();
    const member: Member = {
      worker,
      port: port1,
      threadId: worker.threadId,
      request: 0,
      alive: true,
      error: null,
      exited: Promise.resolve(),
    };
    member.exited = new Promise((resolve) => {
      worker.once("exit", () => {
        member.alive = false;
        port1.close();
        resolve();
      });
    });
    // Without a listener, an 'error' event would be rethrown as an uncaught exception in this thread.
    worker.on("error", (error) => {
      member.error = error;
    });
    this.members.push(member);
  }

  /** Blocks until worker `index` answers `request`; throws with the worker's error if it failed. */
  private awaitAnswer(index: number, request: number, during: string, deadline: number, limit: string): void {
    const slot = index * CONTROL_STRIDE + Slot.ANSWER;
    for (;;) {
      const answer = Atomics.load(this.control, slot);
      if (answer === request) break;
      if (answer === Answer.EXITED) {
        const failure = this.pendingFailure(index);
        if (failure !== null) throw this.failureError(index, failure);
        const code = Atomics.load(this.control, index * CONTROL_STRIDE + Slot.EXIT_CODE);
        this.broken = `worker ${index} exited`;
        throw new Error(
          `${this.what}: worker ${index} exited with code ${code} during ${during} (process.exit() or a fatal error in the worker)`,
        );
      }
      const left = deadline - performance.now();
      if (left <= 0 || Atomics.wait(this.control, slot, answer, left) === "timed-out") {
        if (Atomics.load(this.control, slot) === request) break;
        this.broken = `worker ${index} did not answer ${during} within ${limit}`;
        throw new Error(
          `${this.what}: worker ${index} did not answer ${during} within ${limit}; close the env, or raise the limit for a slow env`,
        );
      }
    }
    if (Atomics.load(this.control, index * CONTROL_STRIDE + Slot.STATUS) === Status.FAILED) {
      const failure = this.pendingFailure(index);
      throw this.failureError(
        index,
        failure ?? { kind: "failure", during, name: "Error", message: "failed without a message", stack: "" },
      );
    }
  }

  private receive(index: number): unknown {
    const received = receiveMessageOnPort(this.members[index]!.port);
    if (received === undefined) throw new Error(`${this.what}: worker ${index} answered without its message`);
    return received.message;
  }

  private pendingFailure(index: number): WorkerFailure | null {
    for (;;) {
      const received = receiveMessageOnPort(this.members[index]!.port);
      if (received === undefined) return null;
      const message = received.message as { kind?: string };
      if (message.kind === "failure") return message as WorkerFailure;
    }
  }

  /** The worker's error as an Error of this thread: the message names the worker and includes its stack. */
  private failureError(index: number, failure: WorkerFailure): Error {
    return workerFailureError(this.what, index, failure);
  }

  private checkUsable(command: CommandCode): void {
    if (this.closed)
      throw new Error(`${this.what}: the env is closed; ${commandName(command)} needs a new ParallelEnv`);
    if (this.broken !== null)
      throw new Error(`${this.what}: ${this.broken}, so the workers are out of step; close the env and make a new one`);
  }
}
