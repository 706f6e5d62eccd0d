import { parentPort } from "node:worker_threads";
import * as tf from "@tensorflow/tfjs-core";
import { pathToFileURL } from "node:url";
import type { EnvBase } from "@tdrl/envs";
import type { ResolvedEnvModule } from "@tdrl/envs/internal";
import { describeValue, HostArray } from "@tdrl/tensordict";
import { initBackend } from "@tdrl/backend";
import { checkPolicy, type CollectorPolicy } from "./collector-policy";
import { SharedBatchWriter } from "./collector-worker-batch";
import {
  describeFailure,
  type CollectorWorkerData,
  type FromWorker,
  type PolicyContext,
  type ToWorker,
  type WeightEntry,
} from "./collector-worker-protocol";
import { SyncDataCollector } from "./sync-data-collector";

/**
 * This module's own URL, which a worker imports to run `collectorWorkerMain`: the source file under vitest /
 * tsx, `dist/index.js` in the ESM build, `dist/index.cjs` in the CJS build (where `import.meta.url` is
 * empty and `__filename` is set).
 */
export function collectorWorkerModuleUrl(): string {
  const url = (import.meta as { url?: string }).url;
  if (typeof url === "string" && url.length > 0) return url;
  if (typeof __filename === "string") return pathToFileURL(__filename).href;
  throw new Error("collectors: cannot tell where this module is, so a worker cannot load it");
}

/**
 * @internal The body of a collector worker thread (internal; exported so that the worker can import it from the
 * package's entry point): builds the env, the policy and a `SyncDataCollector` from the module references
 * in `data`, then serves the main thread's messages in order. Collecting is synchronous, so a weights update
 * that arrives during a batch is applied after it, before the next. Every exception is posted to the main
 * thread with its stack; the worker then waits to be shut down.
 */
export async function collectorWorkerMain(data: CollectorWorkerData): Promise<void> {
  const port = parentPort;
  if (port === null) throw new Error(`${data.what}: collectorWorkerMain runs in a worker thread only`);
  const post = (message: FromWorker) => port.postMessage(message);
  const close = (c: SyncDataCollector | null) => {
    void c?.shutdown().catch(() => undefined);
    post({ kind: "closed" });
    port.close();
  };
  let collector: SyncDataCollector | null = null;
  let during = "initBackend()";
  try {
    const start = performance.now();
    const backend = await initBackend();
    const initBackendMs = performance.now() - start;
    during = "makeEnv";
    const env = await buildEnv(data.env, data.index);
    during = "makePolicy";
    const policy = await buildPolicy(data.policy, data.index, { seed: data.collector.seed, env });
    during = "SyncDataCollector";
    collector = new SyncDataCollector(env, policy, data.collector);
    const params = typeof policy === "function" ? undefined : policy.parameters?.();
    const parameters =
      params === undefined ? null : [...params].map(([name, v]): [string, number[]] => [name, [...v.shape]]);
    post({
      kind: "ready",
      backend: backend.backend,
      initBackendMs,
      parameters,
      trajectoryIds: collector.countersState().trajectoryIds[0]!,
    });
  } catch (error) {
    post(describeFailure(during, error));
    // Wait for shutdown; the main thread ends the iteration with this error.
    port.on("message", (message: ToWorker) => {
      if (message.kind === "shutdown") close(null);
    });
    return;
  }
  const running = collector;
  const writer = new SharedBatchWriter();
  let failed = false;
  port.on("message", (message: ToWorker) => {
    if (message.kind === "shutdown") {
      close(running);
      return;
    }
    if (failed) return;
    try {
      if (message.kind === "collect") {
        during = "collect";
        const batch = running.rollout();
        const layout = writer.write(batch);
        post({
          kind: "batch",
          batchSize: [...batch.batchSize],
          layout,
          trajectoryIds: running.countersState().trajectoryIds[0]!,
          numTensors: tf.memory().numTensors,
        });
      } else if (message.kind === "weights") {
        during = "updatePolicyWeights()";
        running.updatePolicyWeights(weightsMap(message.entries, message.buffer));
      } else if (message.kind === "loadState") {
        during = "loadState()";
        running.loadState(message.state);
      }
    } catch (error) {
      failed = true;
      post(describeFailure(during, error));
    }
  });
}

/** The weights of a `"weights"` message as host arrays over the shared buffer (loading copies them into the variables). */
function weightsMap(entries: readonly WeightEntry[], buffer: SharedArrayBuffer): Map<string, HostArray> {
  const all = new Float32Array(buffer);
  const out = new Map<string, HostArray>();
  for (const { name, shape, offset } of entries) {
    const size = shape.reduce((a, b) => a * b, 1);
    out.set(name, new HostArray("float32", shape, all.subarray(offset, offset + size)));
  }
  return out;
}

async function loadExport(ref: ResolvedEnvModule): Promise<unknown> {
  const mod = (await import(ref.url)) as Record<string, unknown>;
  const exported = mod[ref.exportName];
  if (typeof exported !== "function") {
    throw new Error(
      `module ${ref.url} has no function or class exported as "${ref.exportName}" (exports: ${Object.keys(mod).join(", ") || "(none)"})`,
    );
  }
  return exported;
}

function isClass(fn: unknown): fn is new (args: unknown) => unknown {
  return typeof fn === "function" && /^class[\s{]/.test(Function.prototype.toString.call(fn));
}

/** Builds env `index` from a resolved module reference (an `EnvFactory` or an `EnvBase` subclass), checking what it gave. */
export async function buildEnv(ref: ResolvedEnvModule, index: number): Promise<EnvBase> {
  const exported = await loadExport(ref);
  const env = isClass(exported)
    ? new exported(ref.args)
    : await (exported as (i: number, a: unknown) => unknown)(index, ref.args);
  const isEnv =
    env !== null &&
    typeof env === "object" &&
    ["reset", "step", "setSeed", "close"].every((m) => typeof (env as Record<string, unknown>)[m] === "function");
  if (!isEnv) throw new Error(`"${ref.exportName}" from ${ref.url} gave ${describeValue(env)}, not an EnvBase`);
  return env as EnvBase;
}

/** Builds policy `index` from a resolved module reference to a `PolicyFactory`, checking what it gave. */
export async function buildPolicy(
  ref: ResolvedEnvModule,
  index: number,
  context: PolicyContext,
): Promise<CollectorPolicy> {
  const exported = await loadExport(ref);
  const policy = await (exported as (i: number, a: unknown, c: PolicyContext) => unknown)(index, ref.args, context);
  try {
    checkPolicy(policy, `"${ref.exportName}" from ${ref.url}`);
  } catch {
    throw new Error(
      `"${ref.exportName}" from ${ref.url} gave ${describeValue(policy)}, not a policy (a function (td, exploration) => td or a module with forward(td))`,
    );
  }
  return policy;
}
