import type { BackendPreference } from "./backend-preference";
import type { BackendReport } from "./backend-report";
import { initBackendWith, type WasmPaths } from "./backend-setup";
import { defaultBackendSetupDeps } from "./node-backend-deps";

/** Options of `initBackend`. */
export interface InitBackendOptions {
  /** Which backend to use; in Node the `TDRL_BACKEND` environment variable overrides it. Default `auto`. */
  prefer?: BackendPreference;
  /**
   * EXPERIMENTAL, Node only: run the wasm backend on this many XNNPACK threads (tfjs turns threads off
   * under Node). Must be asked for before the wasm backend first initializes in the process. The
   * `TDRL_WASM_THREADS` environment variable overrides it. See `registerThreadedWasmBackend`.
   */
  experimentalWasmThreads?: number;
  /**
   * Where the wasm backend fetches its .wasm binaries: a URL prefix ending in "/" or one URL per binary.
   * Needed in a bundled web app (serve the files of @tensorflow/tfjs-backend-wasm/wasm-out/); Node finds
   * them by itself. Applied before the wasm backend first initializes.
   */
  wasmPaths?: WasmPaths;
}

/**
 * Chooses and initializes tfjs's compute backend, registers tdrl's kernels for it and the core gradient
 * functions, and reports what it did.
 *
 * In Node, `auto` tries `@tensorflow/tfjs-node-gpu`, then `@tensorflow/tfjs-node` (optional peer
 * dependencies; both provide tfjs's "tensorflow" backend), then WebAssembly, then plain JS; in a browser
 * (the package's browser entry) it tries WebGPU, WebGL, WebAssembly, then plain JS. It records why each
 * skipped one was skipped. Asking for a backend explicitly that cannot be had throws, saying how to get it.
 * The `TDRL_BACKEND` environment variable wins over `prefer`. A second call with the same options is cheap
 * and returns the same report; a call with another preference switches backend.
 *
 * In Node the wasm backend needs no `wasmPaths`: its .wasm files are found beside its own JS files
 * in node_modules, both from sources and from the built (ESM or CJS) package, which keeps it external.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * const report = await initBackend({ prefer: "wasm" });
 * report.backend;   // "wasm"
 * tf.getBackend();  // "wasm"
 * ```
 */
export function initBackend(options: InitBackendOptions = {}): Promise<BackendReport> {
  return initBackendWith(options, defaultBackendSetupDeps());
}
