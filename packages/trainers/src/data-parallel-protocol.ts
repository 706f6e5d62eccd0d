import type { MessagePort } from "node:worker_threads";
import type { ResolvedEnvModule } from "@tdrl/envs/internal";
import type { SharedLeafLayout } from "@tdrl/collectors/internal";
import type { WorkerFailure } from "@tdrl/envs/node";
import type { LossModule } from "@tdrl/losses";

/**
 * What a module exports for `DataParallelLearner`: a function that builds, in the worker thread, a loss
 * with the same value network (parameter names and shapes) as the main thread's. Its weights do not
 * matter: the learner sends the online and target weights before every step. It may be async.
 *
 * @example
 * // my-loss.ts
 * export const makeLoss: LossFactory<{ hidden: number }> = ({ hidden }) =>
 *   new DQNLoss(new TensorDictModule(new MLP({ inFeatures: 4, outFeatures: 2, numCells: [hidden], rng: new Rng(0) }), { inKeys: ["observation"], outKeys: ["action_value"] }));
 */
export type LossFactory<A = undefined> = (args: A) => LossModule | Promise<LossModule>;

/** Where the worker finds its loss: a module, the name of a `LossFactory` export in it, and its arguments. */
export interface LossModuleRef<A = unknown> {
  /** A `file:` URL, an absolute path or a package name; TypeScript modules are loaded with tsx. */
  module: URL | string;
  /** The `LossFactory` to call. Default `"default"`. */
  exportName?: string;
  /** Passed to the factory; must survive `structuredClone`. */
  args?: A;
}

/** Slots of the control `Int32Array` the main thread and the worker share. */
export const Slot = {
  /** Request number, raised by the main thread for every command. */
  REQUEST: 0,
  COMMAND: 1,
  /** The request number the worker answered last (0: started), or `ANSWER_EXITED`. */
  ANSWER: 2,
  STATUS: 3,
  EXIT_CODE: 4,
  /** `tf.memory().numTensors` in the worker after its last step (leak checks). */
  NUM_TENSORS: 5,
  SIZE: 6,
} as const;

export const ANSWER_STARTING = -1;
export const ANSWER_EXITED = -2;
export const STATUS_OK = 1;
export const STATUS_FAILED = 2;
export const COMMAND_STEP = 1;
export const COMMAND_CLOSE = 2;

/** One named parameter inside a weights buffer: float32 values at `[offset, offset + size)`. */
export interface ParameterEntry {
  name: string;
  shape: number[];
  offset: number;
}

/** `workerData` of a data-parallel worker. */
export interface DataParallelWorkerData {
  what: string;
  /** This package's module (sources or build) and the export the worker runs. */
  self: ResolvedEnvModule;
  loss: ResolvedEnvModule;
  tsx: { api: string; tsconfig: string | null } | null;
  /** The main thread's tfjs backend, for `initBackend({ prefer })`: both halves run the same kernels. */
  backend: string;
  control: SharedArrayBuffer;
  port: MessagePort;
  /** The online parameters' layout in `weights` and `grads`; the target's in `weights` after them. */
  online: ParameterEntry[];
  target: ParameterEntry[];
  weights: SharedArrayBuffer;
  grads: SharedArrayBuffer;
  /** float64 [loss]. */
  scalars: SharedArrayBuffer;
}

/** Main thread -> worker, posted before every step command. */
export interface StepMessage {
  kind: "step";
  batchSize: number[];
  /** The half-batch's shared buffers when they are new (first step, or other keys / shapes). */
  layout: SharedLeafLayout[] | null;
  /** Where the worker writes its half's `td_error` (float32, one per sample), when it is new. */
  tdError: SharedArrayBuffer | null;
}

export type { WorkerFailure };
