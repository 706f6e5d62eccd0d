import type { EnvBase } from "@tdrl/envs";
import type { WorkerFailure } from "@tdrl/envs/node";
import type { ResolvedEnvModule } from "@tdrl/envs/internal";
import type { DType } from "@tdrl/tensordict";
import type { CollectorState } from "./collector";
import type { CollectorPolicy } from "./collector-policy";
import type { TrajectoryIdsState } from "./trajectory-ids";

/** What a `PolicyFactory` gets besides its args: the worker's seed and its env (for specs, or random actions). */
export interface PolicyContext {
  /** The worker's seed (the collector's seed + index): seed the policy's own randomness from it, so runs repeat. */
  seed: number;
  /** The worker's env, already built and seeded. */
  env: EnvBase;
}

/**
 * What a module exports for the worker-based collectors: a function that builds worker `index`'s policy
 * from `args` (it may be async). Functions cannot cross threads, so each worker imports this and calls it.
 *
 * @example
 * // my-policies.ts
 * export const makeRandom: PolicyFactory<{ n: number }> = (_index, args, { seed }) => {
 *   const rng = new Rng(seed);
 *   return (td) => td.set("action", HostArray.from("int32", [], [rng.int(0, args.n)]));
 * };
 */
export type PolicyFactory<A = undefined> = (
  index: number,
  args: A,
  context: PolicyContext,
) => CollectorPolicy | Promise<CollectorPolicy>;

/** Where a worker finds its policy: a module, the name of a `PolicyFactory` export in it, and its arguments (as `EnvModuleRef`). */
export interface PolicyModuleRef<A = unknown> {
  /** A `file:` URL, an absolute path or a package name; TypeScript modules are loaded with tsx. */
  module: URL | string;
  /** The `PolicyFactory` to call. Default `"default"`. */
  exportName?: string;
  /** Passed to the factory in every worker; must survive `structuredClone`. */
  args?: A;
}

/** The `SyncDataCollector` options a worker's collector gets; plain data, so they cross to the worker. */
export interface WorkerCollectorOptions {
  framesPerBatch: number;
  seed: number;
  [option: string]: unknown;
}

/** `workerData` of a collector worker. */
export interface CollectorWorkerData {
  index: number;
  /** The collector's class name, for messages. */
  what: string;
  /** This package's module (sources or build) and the export the worker runs. */
  self: ResolvedEnvModule;
  env: ResolvedEnvModule;
  policy: ResolvedEnvModule;
  collector: WorkerCollectorOptions;
  /** tsx's ESM API and the tsconfig to register once for every TypeScript module the worker loads (null: none is TS). */
  tsx: { api: string; tsconfig: string | null } | null;
}

/** One leaf of a batch in shared memory: the whole leaf, in row-major order. */
export interface SharedLeafLayout {
  path: string;
  dtype: DType;
  shape: number[];
  buffer: SharedArrayBuffer;
}

/** One named parameter inside a weights buffer: float32 values at `[offset, offset + size)`. */
export interface WeightEntry {
  name: string;
  shape: number[];
  offset: number;
}

/** Main thread -> worker. */
export type ToWorker =
  | { kind: "collect" }
  | { kind: "weights"; entries: WeightEntry[]; buffer: SharedArrayBuffer }
  | { kind: "loadState"; state: CollectorState }
  | { kind: "shutdown" };

/** Worker -> main thread, once its collector is built. */
export interface WorkerReady {
  kind: "ready";
  /** The tfjs backend the worker initialized, and what `initBackend()` cost there. */
  backend: string;
  initBackendMs: number;
  /** The policy's parameters (name, shape), or null if it has none: lets the main thread check weights before sending. */
  parameters: [string, number[]][] | null;
  /** The collector's trajectory-id counters at start. */
  trajectoryIds: TrajectoryIdsState;
}

/** Worker -> main thread: a batch is in the shared buffers (`layout` is sent when they are new). */
export interface WorkerBatch {
  kind: "batch";
  batchSize: number[];
  layout: SharedLeafLayout[] | null;
  /** The worker's trajectory-id counters after the batch, for the collector's `state()`. */
  trajectoryIds: TrajectoryIdsState;
  /** `tf.memory().numTensors` in the worker after the batch (leak checks). */
  numTensors: number;
}

export type FromWorker = WorkerReady | WorkerBatch | WorkerFailure | { kind: "closed" };

export type { WorkerFailure };

/** A thrown value as a `WorkerFailure` (name, message and stack survive `postMessage`; the Error itself may not). */
export function describeFailure(during: string, error: unknown): WorkerFailure {
  const isError =
    error instanceof Error ||
    (error !== null && typeof error === "object" && typeof (error as { message?: unknown }).message === "string");
  const e = error as Error;
  return {
    kind: "failure",
    during,
    name: isError ? String(e.name) : "Error",
    message: isError ? e.message : `a non-Error value was thrown: ${String(error)}`,
    stack: isError && typeof e.stack === "string" ? e.stack : "",
  };
}
