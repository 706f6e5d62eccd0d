import type { BackendPreference } from "./backend-preference";
import type { BackendReport } from "./backend-report";
import { defaultBackendSetupDeps, initBackendWith } from "./backend-setup";

/** Options of `initBackend`. */
export interface InitBackendOptions {
  /** Which backend to use; the `TDRL_BACKEND` environment variable overrides it. Default `auto`. */
  prefer?: BackendPreference;
  /**
   * EXPERIMENTAL, Node only: run the wasm backend on this many XNNPACK threads (tfjs turns threads off
   * under Node). Must be asked for before the wasm backend first initializes in the process. The
   * `TDRL_WASM_THREADS` environment variable overrides it. See `registerThreadedWasmBackend`.
   */
  experimentalWasmThreads?: number;
}

/**
 * Chooses and initializes tfjs's compute backend, registers tdrl's kernels for it and the core gradient
 * functions, and reports what it did.
 *
 * `auto` tries `@tensorflow/tfjs-node-gpu`, then `@tensorflow/tfjs-node` (optional peer dependencies; both
 * provide tfjs's "tensorflow" backend), then WebAssembly, then plain JS, and records why each skipped one
 * was skipped. Asking for a backend explicitly that cannot be had throws, saying how to get it. The
 * `TDRL_BACKEND` environment variable wins over `prefer`. A second call with the same preference is
 * cheap and returns the same report; a call with another preference switches backend.
 *
 * In Node the wasm backend needs no `setWasmPaths`: its .wasm files are found beside its own JS files
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
