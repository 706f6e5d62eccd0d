import type { DType } from "@tdrl/tensordict";

/**
 * The handshake between `ParallelEnv` (main thread) and its workers, shared by both sides: the worker
 * script is built from these constants, so the two cannot drift apart.
 *
 * Each worker owns `CONTROL_STRIDE` int32 slots of one control SharedArrayBuffer (16 ints = 64 bytes, one
 * cache line, so two workers never write to the same line). The main thread writes a command and bumps
 * `REQUEST`; the worker runs it, writes `STATUS` and copies the request number to `ANSWER`. Both sides
 * block in `Atomics.wait` on the slot the other one writes. Bulk data (actions, observations, rewards,
 * done flags, reset masks) goes through one SharedArrayBuffer per leaf; messages that are not on the hot
 * path (specs, errors, seeds, the buffer layout) go through a MessagePort read with `receiveMessageOnPort`,
 * which needs no event loop on either side.
 */
export const CONTROL_STRIDE = 16;
export const Slot = { REQUEST: 0, COMMAND: 1, ANSWER: 2, STATUS: 3, EXIT_CODE: 4 } as const;

export const Command = { CONFIGURE: 1, RESET_ALL: 2, RESET_SOME: 3, STEP: 4, SEED: 5, CLOSE: 6 } as const;
export type CommandCode = (typeof Command)[keyof typeof Command];

/** `ANSWER` before the worker has built its env, and after it has exited. */
export const Answer = { STARTING: -2, EXITED: -1 } as const;

export const Status = { OK: 0, FAILED: 1 } as const;

/** The sub-env method a command runs, for error messages. */
export function commandName(command: CommandCode): string {
  switch (command) {
    case Command.CONFIGURE:
      return "configure";
    case Command.RESET_ALL:
    case Command.RESET_SOME:
      return "reset()";
    case Command.STEP:
      return "step()";
    case Command.SEED:
      return "setSeed()";
    case Command.CLOSE:
      return "close()";
  }
}

/** A leaf spec as the worker describes it (specs are class instances, which do not cross threads). */
export interface LeafSpecDescription {
  path: string;
  kind: string;
  shape: number[];
  dtype: DType;
  n?: number;
  low?: number[];
  high?: number[];
}

export interface CompositeDescription {
  batchSize: number[];
  leaves: LeafSpecDescription[];
}

/** What a worker posts once its env is built. */
export interface WorkerReady {
  kind: "ready";
  name: string;
  batchSize: number[];
  specs: {
    observation: CompositeDescription;
    action: CompositeDescription;
    reward: CompositeDescription;
    done: CompositeDescription;
  };
}

export interface WorkerFailure {
  kind: "failure";
  /** What the worker was doing: "makeEnv", "step()", ... */
  during: string;
  name: string;
  message: string;
  stack: string;
}

/**
 * A worker's failure as an Error of the main thread (shared with the worker-based collectors): the message
 * names `what`, the worker and what it was doing, and carries the worker's stack; `cause` is the worker's
 * error rebuilt (name, message, stack), since the Error itself does not survive `postMessage`.
 */
export function workerFailureError(what: string, index: number, failure: WorkerFailure): Error {
  const cause = new Error(failure.message);
  cause.name = failure.name;
  cause.stack = failure.stack.length > 0 ? failure.stack : `${failure.name}: ${failure.message}`;
  const stack = failure.stack.length > 0 ? `\n--- worker ${index} stack ---\n${failure.stack}` : "";
  return new Error(
    `${what}: worker ${index} failed in ${failure.during}: ${failure.name}: ${failure.message}${stack}`,
    { cause },
  );
}

/** One shared buffer for one leaf, over all sub-envs; sub-env `i` owns elements `[i * size, (i + 1) * size)`. */
export interface SharedLeaf {
  path: string;
  dtype: DType;
  /** Elements per sub-env. */
  size: number;
  buffer: SharedArrayBuffer;
}

/** Sent with `Command.CONFIGURE`. */
export interface WorkerLayout {
  actions: SharedLeaf[];
  /** The leaves `reset` writes: observation and done keys. */
  root: SharedLeaf[];
  /** The leaves `step` writes: observation, reward and done keys. */
  next: SharedLeaf[];
  /** One byte per sub-env of every worker's env, for `Command.RESET_SOME`. */
  resetMask: SharedArrayBuffer;
  /** The number of sub-envs in one worker's env (the size of its batch). */
  subEnvs: number;
}
