import { importBrowserBackendModule } from "./browser-backend-module-loader";
import { processBackendState, type BackendSetupDeps } from "./backend-setup";

/**
 * `initBackend`'s pieces in a browser (page or worker): webgpu, webgl, wasm and cpu, loaded on demand; no
 * environment variables (a page has none), no threaded wasm.
 *
 * @example
 * ```ts
 * const report = await initBackendWith({ prefer: "cpu" }, browserBackendSetupDeps());
 * ```
 */
export function browserBackendSetupDeps(): BackendSetupDeps {
  return { loadModule: importBrowserBackendModule, env: {}, state: processBackendState, platform: "browser" };
}
