import { Answer, CONTROL_STRIDE, Command, Slot, Status } from "./parallel-env-protocol";

/**
 * The script every `ParallelEnv` worker runs, started with `new Worker(source, { eval: true })`.
 *
 * Why a string and not a module file: a worker file has to be found on disk, and where it is differs
 * between the sources (vitest), the ESM build, the CJS build and a user's bundle; an eval'd script is the
 * same in all of them. It imports nothing from tdrl: it builds the user's env from the user's module and
 * only calls the env's public methods, and makes every TensorDict it passes in through the env's own specs
 * (`actionSpec.zero()`), so the records are always of the env's copy of `@tdrl/tensordict`.
 *
 * The worker loop is synchronous: it blocks in `Atomics.wait` until the main thread posts a command,
 * runs it, answers, and waits again. Any exception is caught and reported (name, message, stack) before
 * answering, so the main thread never waits for an answer that will not come; `process.exit()` in user
 * code is reported through the exit handler.
 */
export const WORKER_SOURCE = String.raw`"use strict";
const { workerData, receiveMessageOnPort } = require("node:worker_threads");
const { index, control, port, load, seed } = workerData;
const ctrl = new Int32Array(control);
const base = index * ${CONTROL_STRIDE};
const REQUEST = base + ${Slot.REQUEST}, COMMAND = base + ${Slot.COMMAND}, ANSWER = base + ${Slot.ANSWER};
const STATUS = base + ${Slot.STATUS}, EXIT_CODE = base + ${Slot.EXIT_CODE};

process.on("exit", (code) => {
  Atomics.store(ctrl, EXIT_CODE, code);
  Atomics.store(ctrl, ANSWER, ${Answer.EXITED});
  Atomics.notify(ctrl, ANSWER);
});

function answer(request, ok) {
  Atomics.store(ctrl, STATUS, ok ? ${Status.OK} : ${Status.FAILED});
  Atomics.store(ctrl, ANSWER, request);
  Atomics.notify(ctrl, ANSWER);
}

function report(during, error) {
  const isError = error instanceof Error || (error !== null && typeof error === "object" && typeof error.message === "string");
  port.postMessage({
    kind: "failure",
    during,
    name: isError ? String(error.name) : "Error",
    message: isError ? error.message : "a non-Error value was thrown: " + String(error),
    stack: isError && typeof error.stack === "string" ? error.stack : "",
  });
}

function isClass(fn) {
  return /^class[\s{]/.test(Function.prototype.toString.call(fn));
}

async function makeEnv() {
  let mod;
  if (load.tsx !== null) {
    const { tsImport } = await import(load.tsx.api);
    mod = await tsImport(load.url, { parentURL: load.url, tsconfig: load.tsx.tsconfig === null ? undefined : load.tsx.tsconfig });
  } else {
    mod = await import(load.url);
  }
  const exported = mod[load.exportName];
  if (typeof exported !== "function") {
    const names = Object.keys(mod).join(", ") || "(none)";
    throw new Error("module " + load.url + " has no function or class exported as \"" + load.exportName + "\" (exports: " + names + ")");
  }
  const env = isClass(exported) ? new exported(load.args) : await exported(index, load.args);
  const isEnv = env !== null && typeof env === "object" && ["reset", "step", "setSeed", "close"].every((m) => typeof env[m] === "function");
  if (!isEnv) {
    const what = env === null || typeof env !== "object" ? typeof env + " " + String(env) : "a " + (env.constructor ? env.constructor.name : "object");
    throw new Error("\"" + load.exportName + "\" from " + load.url + " gave " + what + ", not an EnvBase");
  }
  return env;
}

function describeComposite(composite) {
  return {
    batchSize: Array.from(composite.batchSize),
    leaves: composite.leaves().map(([path, spec]) => {
      const leaf = { path, kind: spec.kind, shape: Array.from(spec.shape), dtype: spec.dtype };
      if (typeof spec.n === "number") leaf.n = spec.n;
      if (spec.low !== undefined && spec.high !== undefined) {
        leaf.low = Array.from(spec.low.data);
        leaf.high = Array.from(spec.high.data);
      }
      return leaf;
    }),
  };
}

const VIEW = { float32: Float32Array, int32: Int32Array, uint8: Uint8Array, bool: Uint8Array };
const viewsOf = (leaves) => leaves.map((leaf) => ({ path: leaf.path, size: leaf.size, view: new VIEW[leaf.dtype](leaf.buffer) }));

function receive(what) {
  const received = receiveMessageOnPort(port);
  if (received === undefined) throw new Error("the main thread sent " + what + " without its message");
  return received.message;
}

/** Copies the leaves of a record the env returned into this sub-env's slice of the shared buffers. */
function publish(env, record, leaves, method) {
  for (const { path, size, view } of leaves) {
    const leaf = record.has(path) ? record.get(path) : undefined;
    const data = leaf === undefined ? undefined : leaf.data;
    if (data === undefined || data.length !== size) {
      const got = data === undefined ? "no such leaf (keys: " + record.keys({ nested: true }).join(", ") + ")" : data.length + " values";
      throw new Error(env.name + "." + method + " returned \"" + path + "\" with " + got + "; its spec has " + size + " values per sub-env");
    }
    view.set(data, index * size);
  }
}

(async () => {
  let env;
  try {
    env = await makeEnv();
    env.setSeed(seed);
    port.postMessage({
      kind: "ready",
      name: String(env.name),
      batchSize: Array.from(env.batchSize),
      specs: {
        observation: describeComposite(env.observationSpec),
        action: describeComposite(env.actionSpec),
        reward: describeComposite(env.rewardSpec),
        done: describeComposite(env.doneSpec),
      },
    });
  } catch (error) {
    report("makeEnv", error);
    answer(0, false);
    return;
  }
  answer(0, true);

  let actions = [], root = [], next = [], mask = null, subEnvs = 1;
  let request = 0;
  for (;;) {
    Atomics.wait(ctrl, REQUEST, request);
    const latest = Atomics.load(ctrl, REQUEST);
    if (latest === request) continue;
    request = latest;
    const command = Atomics.load(ctrl, COMMAND);
    let during = "step()";
    try {
      switch (command) {
        case ${Command.STEP}: {
          const td = env.actionSpec.zero();
          for (const { path, size, view } of actions) td.get(path).data.set(view.subarray(index * size, (index + 1) * size));
          env.step(td);
          publish(env, td.get("next"), next, "step()");
          break;
        }
        case ${Command.RESET_ALL}:
        case ${Command.RESET_SOME}: {
          during = "reset()";
          let input;
          if (command === ${Command.RESET_SOME}) {
            // The env's own done spec gives a bool [...batch, 1] record of the env's TensorDict class.
            input = env.doneSpec.zero();
            const key = input.keys()[0];
            input = input.select(key).rename(key, "_reset");
            input.get("_reset").data.set(mask.subarray(index * subEnvs, (index + 1) * subEnvs));
          }
          publish(env, env.reset(input), root, "reset()");
          break;
        }
        case ${Command.SEED}:
          during = "setSeed()";
          env.setSeed(receive("setSeed").seed);
          break;
        case ${Command.CONFIGURE}: {
          during = "configure";
          const layout = receive("the buffer layout");
          actions = viewsOf(layout.actions);
          root = viewsOf(layout.root);
          next = viewsOf(layout.next);
          mask = new Uint8Array(layout.resetMask);
          subEnvs = layout.subEnvs;
          break;
        }
        case ${Command.CLOSE}:
          during = "close()";
          env.close();
          answer(request, true);
          // Nothing keeps this thread's event loop alive: returning ends the thread.
          return;
        default:
          throw new Error("unknown command " + command);
      }
    } catch (error) {
      report(during, error);
      answer(request, false);
      continue;
    }
    answer(request, true);
  }
})();
`;
