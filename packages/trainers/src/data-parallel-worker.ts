import * as tf from "@tensorflow/tfjs-core";
import { pathToFileURL } from "node:url";
import { receiveMessageOnPort } from "node:worker_threads";
import { SharedBatchReader } from "@tdrl/collectors/internal";
import type { ResolvedEnvModule } from "@tdrl/envs/internal";
import { initBackend, type InitBackendOptions } from "@tdrl/backend";
import type { LossModule } from "@tdrl/losses";
import {
  COMMAND_CLOSE,
  COMMAND_STEP,
  STATUS_FAILED,
  STATUS_OK,
  Slot,
  type DataParallelWorkerData,
  type ParameterEntry,
  type StepMessage,
} from "./data-parallel-protocol";

/**
 * This module's own URL, which a worker imports to run `dataParallelWorkerMain`: the source file under
 * vitest / tsx, `dist/index.js` in the ESM build, `dist/index.cjs` in the CJS build (where
 * `import.meta.url` is empty and `__filename` is set).
 */
export function dataParallelWorkerModuleUrl(): string {
  const url = (import.meta as { url?: string }).url;
  if (typeof url === "string" && url.length > 0) return url;
  if (typeof __filename === "string") return pathToFileURL(__filename).href;
  throw new Error("trainers: cannot tell where this module is, so a worker cannot load it");
}

const BACKENDS = new Set(["wasm", "cpu", "tensorflow", "webgl", "webgpu"]);

/**
 * @internal The body of a `DataParallelLearner` worker thread (exported so the worker can import it from
 * the package's entry point): builds the loss from its module reference, checks its parameters against the
 * main thread's, answers request 0, then serves step commands synchronously, blocked in `Atomics.wait`
 * between them. A step loads the online and target weights from shared memory, runs the loss and its
 * gradients on the half-batch in the shared buffers, and writes back the gradients, the loss and the
 * half's `td_error`. A failure is posted (name, message, stack) before it is answered.
 */
export async function dataParallelWorkerMain(data: DataParallelWorkerData): Promise<void> {
  const ctrl = new Int32Array(data.control);
  const answer = (request: number, ok: boolean) => {
    Atomics.store(ctrl, Slot.NUM_TENSORS, tf.memory().numTensors);
    Atomics.store(ctrl, Slot.STATUS, ok ? STATUS_OK : STATUS_FAILED);
    Atomics.store(ctrl, Slot.ANSWER, request);
    Atomics.notify(ctrl, Slot.ANSWER);
  };
  const fail = (request: number, during: string, error: unknown) => {
    const isError = error instanceof Error;
    data.port.postMessage({
      kind: "failure",
      during,
      name: isError ? error.name : "Error",
      message: isError ? error.message : `a non-Error value was thrown: ${String(error)}`,
      stack: isError && typeof error.stack === "string" ? error.stack : "",
    });
    answer(request, false);
  };
  let during = "initBackend()";
  let loss: LossModule;
  let online: [string, tf.Variable][];
  let target: [string, tf.Variable][];
  try {
    const prefer = (BACKENDS.has(data.backend) ? data.backend : "auto") as InitBackendOptions["prefer"];
    await initBackend({ prefer });
    during = "building the loss";
    loss = await buildLoss(data.loss);
    online = [...loss.parameters()];
    target = [...loss.targetParameters()];
    checkParameters("online", online, data.online, data);
    checkParameters("target", target, data.target, data);
  } catch (error) {
    fail(0, during, error);
    return; // the main thread ends the thread
  }
  const weights = new Float32Array(data.weights);
  const grads = new Float32Array(data.grads);
  const scalars = new Float64Array(data.scalars);
  const reader = new SharedBatchReader();
  let tdError: Float32Array<ArrayBufferLike> = new Float32Array(0);
  answer(0, true);
  let request = 0;
  for (;;) {
    Atomics.wait(ctrl, Slot.REQUEST, request);
    const latest = Atomics.load(ctrl, Slot.REQUEST);
    if (latest === request) continue;
    request = latest;
    const command = Atomics.load(ctrl, Slot.COMMAND);
    if (command === COMMAND_CLOSE) {
      loss.dispose();
      answer(request, true);
      data.port.close(); // nothing else keeps this thread alive: it ends
      return;
    }
    during = "step";
    try {
      if (command !== COMMAND_STEP) throw new Error(`unknown command ${command}`);
      const received = receiveMessageOnPort(data.port);
      if (received === undefined) throw new Error("the main thread sent a step without its message");
      const message = received.message as StepMessage;
      if (message.tdError !== null) tdError = new Float32Array(message.tdError);
      during = "loading the weights";
      loadWeights(online, data.online, weights);
      loadWeights(target, data.target, weights);
      during = "reading the half-batch";
      const batch = reader.read(message.batchSize, message.layout);
      during = `${loss.name}.forward and its gradients`;
      const list = online.map(([, v]) => v);
      const { value, grads: named } = tf.variableGrads(() => loss.forward(batch).getTensor("loss") as tf.Scalar, list);
      try {
        scalars[0] = value.dataSync()[0]!;
        online.forEach(([name, v], i) => {
          const g = named[v.name];
          if (g === undefined) throw new Error(`no gradient for parameter "${name}"`);
          grads.set(g.dataSync() as Float32Array, data.online[i]!.offset);
        });
      } finally {
        tf.dispose([value, named]);
      }
      const err = batch.getHost("td_error").data as Float32Array;
      if (err.length !== tdError.length)
        throw new Error(`the loss wrote ${err.length} td_error values for a half-batch of ${tdError.length} samples`);
      tdError.set(err);
      batch.dispose();
      answer(request, true);
    } catch (error) {
      fail(request, during, error);
    }
  }
}

function loadWeights(params: [string, tf.Variable][], entries: readonly ParameterEntry[], all: Float32Array): void {
  params.forEach(([, v], i) => {
    const { shape, offset } = entries[i]!;
    const size = v.size;
    // assign() takes its own reference to the new values, so the tidy may dispose the temporary.
    tf.tidy(() => v.assign(tf.tensor(all.subarray(offset, offset + size), shape, "float32")));
  });
}

function checkParameters(
  which: string,
  got: [string, tf.Variable][],
  expected: readonly ParameterEntry[],
  data: DataParallelWorkerData,
): void {
  const describe = (list: readonly { name: string; shape: readonly number[] }[]) =>
    list.map((p) => `${p.name} [${p.shape.join(", ")}]`).join(", ");
  const mine = got.map(([name, v]) => ({ name, shape: v.shape }));
  const same =
    mine.length === expected.length &&
    mine.every((p, i) => p.name === expected[i]!.name && p.shape.join() === expected[i]!.shape.join());
  if (!same) {
    throw new Error(
      `${data.what}: the loss "${data.loss.exportName}" from ${data.loss.url} built in the worker has ${which} parameters ${describe(mine)}, but the main thread's loss has ${describe(expected)}; both must build the same network`,
    );
  }
}

async function buildLoss(ref: ResolvedEnvModule): Promise<LossModule> {
  const mod = (await import(ref.url)) as Record<string, unknown>;
  const exported = mod[ref.exportName];
  if (typeof exported !== "function") {
    throw new Error(
      `module ${ref.url} has no function exported as "${ref.exportName}" (exports: ${Object.keys(mod).join(", ") || "(none)"})`,
    );
  }
  const loss = await (exported as (args: unknown) => unknown)(ref.args);
  const ok =
    loss !== null &&
    typeof loss === "object" &&
    ["forward", "parameters", "targetParameters", "dispose"].every(
      (m) => typeof (loss as Record<string, unknown>)[m] === "function",
    );
  if (!ok) {
    const what = loss === null || typeof loss !== "object" ? `${typeof loss} ${String(loss)}` : "an object";
    throw new Error(`"${ref.exportName}" from ${ref.url} gave ${what}, not a LossModule`);
  }
  return loss as LossModule;
}
