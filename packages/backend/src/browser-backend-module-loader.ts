import type { BackendModuleLoader } from "./backend-module-loader";

/**
 * Loads a backend package in a browser. Every package is named literally so that bundlers see them and
 * split each into its own chunk, fetched only when `initBackend` tries that backend; the tfjs-node packages
 * cannot run in a browser and are refused.
 *
 * @example
 * ```ts
 * const cpu = await importBrowserBackendModule("@tensorflow/tfjs-backend-cpu");
 * ```
 */
export const importBrowserBackendModule: BackendModuleLoader = async (name) => {
  switch (name) {
    case "@tensorflow/tfjs-backend-webgpu":
      return import("@tensorflow/tfjs-backend-webgpu");
    case "@tensorflow/tfjs-backend-webgl":
      return import("@tensorflow/tfjs-backend-webgl");
    case "@tensorflow/tfjs-backend-wasm":
      return import("@tensorflow/tfjs-backend-wasm");
    case "@tensorflow/tfjs-backend-cpu":
      return import("@tensorflow/tfjs-backend-cpu");
    default:
      throw new Error(`${name} runs only in Node, not in a browser`);
  }
};
