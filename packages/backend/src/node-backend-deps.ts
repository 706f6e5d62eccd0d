import { importBackendModule } from "./backend-module-loader";
import { processBackendState, type BackendSetupDeps } from "./backend-setup";
import { registerThreadedWasmBackend } from "./experimental-wasm-threads";

/**
 * `initBackend`'s pieces in Node: the loader that can find tfjs-node, the process environment (for
 * TDRL_BACKEND and TDRL_WASM_THREADS), the threaded wasm loader, and the process-wide state.
 *
 * @example
 * ```ts
 * const report = await initBackendWith({ prefer: "wasm" }, { ...defaultBackendSetupDeps(), env: {} });
 * ```
 */
export function defaultBackendSetupDeps(): BackendSetupDeps {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env ?? {};
  return {
    loadModule: importBackendModule,
    env,
    state: processBackendState,
    platform: "node",
    registerThreadedWasm: registerThreadedWasmBackend,
  };
}
