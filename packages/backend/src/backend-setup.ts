import * as tf from "@tensorflow/tfjs-core";
import { registerCoreGradients } from "./gradients/register-core-gradients";
import { isModuleNotFound, type BackendModuleLoader } from "./backend-module-loader";
import {
  BACKEND_ENV_VAR,
  resolveBackendPreference,
  resolveWasmThreads,
  type BackendChoice,
  type BackendPreference,
  type PreferenceSource,
} from "./backend-preference";
import type { BackendReport, SkippedBackend, WasmFacts } from "./backend-report";
import { TENSORFLOW_PACKAGES, tensorflowInstallHint, tensorflowRepairHint } from "./install-hints";
import { registerWasmKernels, wasmKernelsRegistered } from "./wasm/register-wasm-kernels";
import { removeAddedHandlers, snapshotProcessHandlers } from "./process-handlers";

/** Where tdrl runs: decides which backends exist and the order `auto` tries them in. */
export type BackendPlatform = "node" | "browser";

/** The order `auto` tries backends in, per platform. */
export const AUTO_ORDER: Readonly<Record<BackendPlatform, readonly BackendChoice[]>> = {
  node: ["tensorflow-gpu", "tensorflow", "wasm", "cpu"],
  browser: ["webgpu", "webgl", "wasm", "cpu"],
};

/** Backends that exist on one platform only. */
const ONLY_ON: Partial<Record<BackendChoice, BackendPlatform>> = {
  "tensorflow-gpu": "node",
  tensorflow: "node",
  webgpu: "browser",
  webgl: "browser",
};

/**
 * Where tfjs-backend-wasm fetches its .wasm binaries from in a browser: a URL prefix ending in "/", or one
 * URL per binary (the argument of tfjs-backend-wasm's `setWasmPaths`).
 */
export type WasmPaths =
  | string
  | Partial<
      Record<"tfjs-backend-wasm.wasm" | "tfjs-backend-wasm-simd.wasm" | "tfjs-backend-wasm-threaded-simd.wasm", string>
    >;

/** The options `initBackendWith` takes (those of `initBackend`). */
export interface BackendSetupOptions {
  prefer?: BackendPreference | undefined;
  experimentalWasmThreads?: number | undefined;
  wasmPaths?: WasmPaths | undefined;
}

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

/** The pieces of `initBackend` that differ between Node and browsers, and that tests replace. */
export interface BackendSetupDeps {
  readonly loadModule: BackendModuleLoader;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly state: BackendSetupState;
  /** Default "node". */
  readonly platform?: BackendPlatform;
  /** Node only: registers the threaded wasm backend (see `registerThreadedWasmBackend`); absent, threads are not applied. */
  readonly registerThreadedWasm?: (wasmPackage: unknown, threads: number) => Promise<boolean>;
}

/** The state `initBackend` keeps for the whole program (Node process or browser page / worker). */
export const processBackendState = new BackendSetupState();

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
export async function initBackendWith(options: BackendSetupOptions, deps: BackendSetupDeps): Promise<BackendReport> {
  const { preference, source } = resolveBackendPreference(options.prefer, deps.env);
  const threads = resolveWasmThreads(options.experimentalWasmThreads, deps.env);
  const wasmPaths = options.wasmPaths ?? null;
  const key = `${preference}|${source}|${threads ?? ""}|${JSON.stringify(wasmPaths)}`;
  const cached = stillCurrent(deps.state, key);
  if (cached) return cached;
  const run = deps.state.queue.then(
    () => stillCurrent(deps.state, key) ?? setUp({ preference, source, threads, wasmPaths }, deps, key),
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
  readonly wasmPaths: WasmPaths | null;
}

async function setUp(request: SetupRequest, deps: BackendSetupDeps, key: string): Promise<BackendReport> {
  const { preference, source } = request;
  // Idempotent, and other code may have replaced backends or gradients since the last call.
  registerCoreGradients();
  const platform = deps.platform ?? "node";
  const order = preference === "auto" ? AUTO_ORDER[platform] : [preference];
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
  const platform = deps.platform ?? "node";
  const only = ONLY_ON[choice];
  if (only !== undefined && only !== platform) {
    return {
      ok: false,
      reason: `it runs only in ${only === "node" ? "Node" : "a browser"}, not in ${platform === "node" ? "Node" : "a browser"}`,
      advice: `Use "auto", "wasm" or "cpu", which run in both.`,
    };
  }
  switch (choice) {
    case "tensorflow-gpu":
    case "tensorflow":
      return tryTensorflow(choice, deps);
    case "webgpu":
      return tryWebgpu(deps);
    case "webgl":
      return tryWebgl(deps, request.preference === "auto");
    case "wasm":
      return tryWasm(request, deps);
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

/** WebGPU needs `navigator.gpu` and an adapter (headless or GPU-less browsers usually have none). */
async function tryWebgpu(deps: BackendSetupDeps): Promise<Attempt> {
  const gpu = (globalThis as { navigator?: { gpu?: { requestAdapter(): Promise<unknown> } } }).navigator?.gpu;
  const advice = `Use a browser with WebGPU enabled, or let "auto" fall back to webgl, wasm or cpu.`;
  if (gpu === undefined)
    return { ok: false, reason: `this browser has no WebGPU (navigator.gpu is undefined)`, advice };
  let adapter: unknown = null;
  try {
    adapter = await gpu.requestAdapter();
  } catch (error) {
    return { ok: false, reason: `navigator.gpu.requestAdapter() failed (${messageOf(error)})`, advice };
  }
  if (adapter === null) return { ok: false, reason: `navigator.gpu.requestAdapter() found no GPU adapter`, advice };
  return loadAndSet("webgpu", "@tensorflow/tfjs-backend-webgpu", deps, advice);
}

/**
 * WebGL needs a canvas that gives a WebGL context, checked before fetching the backend's code. A
 * software-rendered context (SwiftShader, llvmpipe: what a browser without a usable GPU falls back to) is
 * passed over on `auto`: tdrl's small networks ran ~10x slower on it than on wasm (28 vs 300 frames/s of
 * DQN training in headless Chromium).
 */
async function tryWebgl(deps: BackendSetupDeps, auto: boolean): Promise<Attempt> {
  const advice = `Enable hardware acceleration (or WebGL) in the browser, or let "auto" fall back to wasm or cpu.`;
  const webgl = probeWebgl();
  if (webgl === null) {
    return { ok: false, reason: `this browser gives no WebGL context (no GPU, or WebGL disabled)`, advice };
  }
  if (auto && webgl.software) {
    return { ok: false, reason: `WebGL is software-rendered here (${webgl.renderer}), slower than wasm`, advice };
  }
  return loadAndSet("webgl", "@tensorflow/tfjs-backend-webgl", deps, advice);
}

/** Whether a WebGL context can be had, and its renderer (unmasked when the browser tells it). */
export function probeWebgl(): { renderer: string; software: boolean } | null {
  type Gl = { getExtension(name: string): unknown; getParameter(p: number): unknown; RENDERER: number };
  type Canvas = { getContext(kind: string): unknown };
  const g = globalThis as {
    OffscreenCanvas?: new (w: number, h: number) => Canvas;
    document?: { createElement(tag: string): Canvas };
  };
  try {
    const canvas = g.OffscreenCanvas !== undefined ? new g.OffscreenCanvas(1, 1) : g.document?.createElement("canvas");
    if (canvas === undefined) return null;
    const gl = (canvas.getContext("webgl2") ?? canvas.getContext("webgl")) as Gl | null;
    if (gl == null) return null;
    const info = gl.getExtension("WEBGL_debug_renderer_info") as { UNMASKED_RENDERER_WEBGL: number } | null;
    const renderer = String(gl.getParameter(info !== null ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER) ?? "unknown");
    return { renderer, software: /swiftshader|llvmpipe|softpipe|software/i.test(renderer) };
  } catch {
    return null;
  }
}

async function loadAndSet(
  name: "webgpu" | "webgl",
  pkg: "@tensorflow/tfjs-backend-webgpu" | "@tensorflow/tfjs-backend-webgl",
  deps: BackendSetupDeps,
  advice: string,
): Promise<Attempt> {
  try {
    await deps.loadModule(pkg);
  } catch (error) {
    return { ok: false, reason: `${pkg} failed to load (${messageOf(error)})`, advice };
  }
  if (!hasBackendFactory(name) || !(await tf.setBackend(name))) {
    return { ok: false, reason: `the ${name} backend failed to initialize (tfjs logged why)`, advice };
  }
  return { ok: true, choice: name, wasm: null, customKernels: [] };
}

async function tryWasm(request: SetupRequest, deps: BackendSetupDeps): Promise<Attempt> {
  // The wasm module's Emscripten glue adds process handlers that re-throw (see removeAddedHandlers).
  const handlers = snapshotProcessHandlers();
  try {
    return await loadWasm(request, deps);
  } finally {
    removeAddedHandlers(handlers);
  }
}

async function loadWasm(request: SetupRequest, deps: BackendSetupDeps): Promise<Attempt> {
  const threadsRequested = request.threads;
  const pkg = "@tensorflow/tfjs-backend-wasm";
  let module: unknown;
  try {
    module = await deps.loadModule(pkg);
  } catch (error) {
    return {
      ok: false,
      reason: `${pkg} failed to load (${messageOf(error)})`,
      advice: `Reinstall @tdrl/backend's dependencies (npm install).`,
    };
  }
  if (!hasBackendFactory("wasm")) {
    return {
      ok: false,
      reason: `${pkg} loaded but did not register tfjs's "wasm" backend`,
      advice: `Check that its @tensorflow/tfjs-core is the same version as this one (${tf.version_core}).`,
    };
  }
  if (request.wasmPaths !== null) {
    (module as { setWasmPaths(paths: WasmPaths): void }).setWasmPaths(request.wasmPaths);
  }
  let threadsNote: string | null = null;
  if (threadsRequested !== null && threadsRequested > 1) {
    try {
      if (deps.registerThreadedWasm === undefined || !(await deps.registerThreadedWasm(module, threadsRequested))) {
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
        `pass their location: initBackend({ wasmPaths }) (or setWasmPaths() before it).`,
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
      advice: `Reinstall @tdrl/backend's dependencies (npm install).`,
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
