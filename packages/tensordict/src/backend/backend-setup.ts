import * as tf from "@tensorflow/tfjs-core";
import { registerCoreGradients } from "../gradients/register-core-gradients";
import { importBackendModule, isModuleNotFound, type BackendModuleLoader } from "./backend-module-loader";
import {
  BACKEND_ENV_VAR,
  resolveBackendPreference,
  resolveWasmThreads,
  type BackendChoice,
  type BackendPreference,
  type PreferenceSource,
} from "./backend-preference";
import type { BackendReport, SkippedBackend, WasmFacts } from "./backend-report";
import { registerThreadedWasmBackend } from "./experimental-wasm-threads";
import { TENSORFLOW_PACKAGES, tensorflowInstallHint, tensorflowRepairHint } from "./install-hints";
import { registerWasmKernels, wasmKernelsRegistered } from "./wasm/register-wasm-kernels";
import { removeAddedHandlers, snapshotProcessHandlers } from "./process-handlers";

/** The order `auto` tries backends in. */
const AUTO_ORDER: readonly BackendChoice[] = ["tensorflow-gpu", "tensorflow", "wasm", "cpu"];

/** Kernels whose gradients training needs first; the report says gradients are registered when all have one. */
const GRADIENT_PROBES: readonly string[] = [tf.Sum, tf.BatchMatMul, tf.Conv2D];

/**
 * What `initBackendWith` remembers between calls. One per process in normal use; tests make their own.
 *
 * @example
 * ```ts
 * const deps = { loadModule: importBackendModule, env: {}, state: new BackendSetupState() };
 * await initBackendWith({ prefer: "cpu" }, deps);
 * deps.state.current?.report.backend; // "cpu"
 * ```
 */
export class BackendSetupState {
  current: { key: string; report: BackendReport } | null = null;
  /** Serializes set-ups so that concurrent calls do not race on `tf.setBackend`. */
  queue: Promise<unknown> = Promise.resolve();
  /** Which package registered tfjs's "tensorflow" backend in this process (both use that name). */
  tensorflowProvider: "tensorflow-gpu" | "tensorflow" | null = null;
}

/** The pieces of `initBackend` tests replace. */
export interface BackendSetupDeps {
  readonly loadModule: BackendModuleLoader;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly state: BackendSetupState;
}

const processState = new BackendSetupState();

/**
 * The real module loader, the process environment and the process-wide state.
 *
 * @example
 * ```ts
 * const report = await initBackendWith({ prefer: "wasm" }, { ...defaultBackendSetupDeps(), env: {} });
 * ```
 */
export function defaultBackendSetupDeps(): BackendSetupDeps {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env ?? {};
  return { loadModule: importBackendModule, env, state: processState };
}

/**
 * `initBackend` with its loader, environment and state passed in (internal: tests simulate tfjs-node being
 * present, absent or broken with it). See `initBackend` for the behaviour.
 *
 * @example
 * ```ts
 * const report = await initBackendWith({ prefer: "cpu" },
 *   { loadModule: importBackendModule, env: {}, state: new BackendSetupState() });
 * ```
 */
export async function initBackendWith(
  options: { prefer?: BackendPreference | undefined; experimentalWasmThreads?: number | undefined },
  deps: BackendSetupDeps,
): Promise<BackendReport> {
  const { preference, source } = resolveBackendPreference(options.prefer, deps.env);
  const threads = resolveWasmThreads(options.experimentalWasmThreads, deps.env);
  const key = `${preference}|${source}|${threads ?? ""}`;
  const cached = stillCurrent(deps.state, key);
  if (cached) return cached;
  const run = deps.state.queue.then(
    () => stillCurrent(deps.state, key) ?? setUp({ preference, source, threads }, deps, key),
  );
  deps.state.queue = run.catch(() => undefined);
  return run;
}

function stillCurrent(state: BackendSetupState, key: string): BackendReport | null {
  const current = state.current;
  if (current === null || current.key !== key) return null;
  const { report } = current;
  if (tf.getBackend() !== report.tfjsBackend) return null;
  if (report.backend === "wasm" && !wasmKernelsRegistered()) return null;
  return report;
}

type Attempt =
  | { ok: true; choice: BackendChoice; wasm: WasmFacts | null; customKernels: readonly string[] }
  | { ok: false; reason: string; advice: string };

interface SetupRequest {
  readonly preference: BackendPreference;
  readonly source: PreferenceSource;
  readonly threads: number | null;
}

async function setUp(request: SetupRequest, deps: BackendSetupDeps, key: string): Promise<BackendReport> {
  const { preference, source } = request;
  // Idempotent, and other code may have replaced backends or gradients since the last call.
  registerCoreGradients();
  const order = preference === "auto" ? AUTO_ORDER : [preference];
  const skipped: SkippedBackend[] = [];
  for (const choice of order) {
    const attempt = await tryBackend(choice, request, deps);
    if (attempt.ok) {
      const report: BackendReport = {
        backend: choice,
        tfjsBackend: tf.getBackend(),
        requested: preference,
        requestedBy: source,
        skipped,
        wasm: attempt.wasm,
        customKernels: attempt.customKernels,
        gradientsRegistered: GRADIENT_PROBES.every((name) => tf.getGradient(name) !== undefined),
      };
      deps.state.current = { key, report };
      return report;
    }
    if (preference !== "auto") {
      throw new Error(
        `Backend "${choice}" was requested by ${describeSource(source, preference)} but ${attempt.reason}. ${
          attempt.advice
        }`,
      );
    }
    skipped.push({ backend: choice, reason: attempt.reason });
  }
  throw new Error(
    `No tfjs backend could be initialized: ${skipped.map((s) => `${s.backend}: ${s.reason}`).join("; ")}`,
  );
}

function describeSource(source: PreferenceSource, preference: BackendPreference): string {
  return source === "env" ? `${BACKEND_ENV_VAR}=${preference}` : `initBackend({ prefer: "${preference}" })`;
}

async function tryBackend(choice: BackendChoice, request: SetupRequest, deps: BackendSetupDeps): Promise<Attempt> {
  switch (choice) {
    case "tensorflow-gpu":
    case "tensorflow":
      return tryTensorflow(choice, deps);
    case "wasm":
      return tryWasm(request.threads, deps);
    case "cpu":
      return tryCpu(deps);
  }
}

async function tryTensorflow(choice: "tensorflow-gpu" | "tensorflow", deps: BackendSetupDeps): Promise<Attempt> {
  const pkg = TENSORFLOW_PACKAGES[choice];
  const provider = deps.state.tensorflowProvider;
  if (provider !== null && provider !== choice) {
    return {
      ok: false,
      reason: `tfjs's "tensorflow" backend is already provided by ${TENSORFLOW_PACKAGES[provider]} in this process`,
      advice: `Both packages register that name, so switching needs a new process: start it with ${BACKEND_ENV_VAR}=${choice}.`,
    };
  }
  try {
    await deps.loadModule(pkg);
  } catch (error) {
    if (isModuleNotFound(error, pkg)) {
      return { ok: false, reason: `${pkg} is not installed`, advice: tensorflowInstallHint(choice) };
    }
    return {
      ok: false,
      reason: `${pkg} is installed but failed to load (${messageOf(error)})`,
      advice: tensorflowRepairHint(choice),
    };
  }
  if (!hasBackendFactory("tensorflow")) {
    return {
      ok: false,
      reason: `${pkg} loaded but did not register tfjs's "tensorflow" backend`,
      advice: `Check that its @tensorflow/tfjs-core is the same version as this one (${tf.version_core}).`,
    };
  }
  deps.state.tensorflowProvider = choice;
  if (!(await tf.setBackend("tensorflow"))) {
    return {
      ok: false,
      reason: `the "tensorflow" backend from ${pkg} failed to initialize (tfjs logged why)`,
      advice: tensorflowRepairHint(choice),
    };
  }
  return { ok: true, choice, wasm: null, customKernels: [] };
}

async function tryWasm(threadsRequested: number | null, deps: BackendSetupDeps): Promise<Attempt> {
  // The wasm module's Emscripten glue adds process handlers that re-throw (see removeAddedHandlers).
  const handlers = snapshotProcessHandlers();
  try {
    return await loadWasm(threadsRequested, deps);
  } finally {
    removeAddedHandlers(handlers);
  }
}

async function loadWasm(threadsRequested: number | null, deps: BackendSetupDeps): Promise<Attempt> {
  const pkg = "@tensorflow/tfjs-backend-wasm";
  let module: unknown;
  try {
    module = await deps.loadModule(pkg);
  } catch (error) {
    return {
      ok: false,
      reason: `${pkg} failed to load (${messageOf(error)})`,
      advice: `Reinstall @tdrl/tensordict's dependencies (npm install).`,
    };
  }
  if (!hasBackendFactory("wasm")) {
    return {
      ok: false,
      reason: `${pkg} loaded but did not register tfjs's "wasm" backend`,
      advice: `Check that its @tensorflow/tfjs-core is the same version as this one (${tf.version_core}).`,
    };
  }
  let threadsNote: string | null = null;
  if (threadsRequested !== null && threadsRequested > 1) {
    try {
      if (!(await registerThreadedWasmBackend(module, threadsRequested))) {
        threadsNote = `threads not applied: they need Node and must be asked for before the wasm backend first initializes`;
      }
    } catch (error) {
      threadsNote = `threads not applied: the threaded wasm build failed to load (${messageOf(error)})`;
    }
  }
  // Before the backend initializes is fine: the replacements carry the originals' set-up functions along.
  const kernels = registerWasmKernels();
  if (!(await tf.setBackend("wasm"))) {
    return {
      ok: false,
      reason: `the wasm backend failed to initialize (tfjs logged why)`,
      advice:
        `In Node the .wasm binaries load from the package's own folder; in a bundled web app, serve them and ` +
        `call setWasmPaths() from ${pkg} before initBackend.`,
    };
  }
  const simd = (await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT")) === true;
  const getThreadsCount = (module as { getThreadsCount?: () => number }).getThreadsCount;
  const threads = typeof getThreadsCount === "function" ? getThreadsCount() : 1;
  return {
    ok: true,
    choice: "wasm",
    wasm: { simd, threads, threadsRequested, threadsNote },
    customKernels: kernels.map((k) => `wasm:${k}`),
  };
}

async function tryCpu(deps: BackendSetupDeps): Promise<Attempt> {
  const pkg = "@tensorflow/tfjs-backend-cpu";
  try {
    await deps.loadModule(pkg);
  } catch (error) {
    return {
      ok: false,
      reason: `${pkg} failed to load (${messageOf(error)})`,
      advice: `Reinstall @tdrl/tensordict's dependencies (npm install).`,
    };
  }
  if (!hasBackendFactory("cpu") || !(await tf.setBackend("cpu"))) {
    return {
      ok: false,
      reason: `the cpu backend failed to initialize`,
      advice: `Check that ${pkg} matches @tensorflow/tfjs-core ${tf.version_core}.`,
    };
  }
  return { ok: true, choice: "cpu", wasm: null, customKernels: [] };
}

function hasBackendFactory(name: string): boolean {
  return tf.findBackendFactory(name) != null;
}

function messageOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split("\n")[0] ?? text;
}
