// @tdrl/backend's browser-safe entry: the package's default export condition (browsers, bundlers). Node gets
// ./index.ts (the "node" condition and @tdrl/backend/node), which re-exports all of this with Node's
// initBackend in place of the browser one. Add new exports here unless they need Node (browser-entry.test.ts).

export { initBackend } from "./init-backend-browser";
export type { InitBackendOptions } from "./init-backend";
export { setWasmPaths } from "./set-wasm-paths";
export type { WasmPaths } from "./backend-setup";
export { requireBackend } from "./require-backend";
export { formatBackendReport, type BackendReport, type SkippedBackend, type WasmFacts } from "./backend-report";
export {
  BACKEND_PREFERENCES,
  BACKEND_ENV_VAR,
  WASM_THREADS_ENV_VAR,
  type BackendChoice,
  type BackendPreference,
  type PreferenceSource,
} from "./backend-preference";
export {
  registerWasmKernels,
  unregisterWasmKernels,
  wasmKernelsRegistered,
  WASM_KERNEL_NAMES,
} from "./wasm/register-wasm-kernels";
export { registerCoreGradients, CORE_GRADIENT_KERNELS } from "./gradients/register-core-gradients";
