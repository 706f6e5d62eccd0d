import type { BackendReport } from "./backend-report";
import { initBackendWith } from "./backend-setup";
import { browserBackendSetupDeps } from "./browser-backend-deps";
import type { InitBackendOptions } from "./init-backend";

/**
 * `initBackend` as the package's browser entry exports it: `auto` tries WebGPU, WebGL, WebAssembly, then
 * plain JS, loading each backend's code only when it is tried, and the report says which one it took and
 * why the others were skipped. In a bundled app pass `wasmPaths` (where the .wasm files are served).
 *
 * @example
 * ```ts
 * const report = await initBackend({ wasmPaths: "/tfjs-wasm/" });
 * console.log(formatBackendReport(report)); // backend: webgl (tfjs "webgl"), requested auto (default) ...
 * ```
 */
export function initBackend(options: InitBackendOptions = {}): Promise<BackendReport> {
  return initBackendWith(options, browserBackendSetupDeps());
}
