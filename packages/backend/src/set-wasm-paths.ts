import type { WasmPaths } from "./backend-setup";

/**
 * tfjs-backend-wasm's `setWasmPaths`, reached through tdrl so that a browser app need not install that
 * package itself: where the wasm backend fetches its .wasm binaries (a URL prefix ending in "/", or one URL
 * per binary). Call it before `initBackend`, or pass `initBackend({ wasmPaths })`. Asynchronous because the
 * wasm backend's code is loaded on demand.
 *
 * @example
 * ```ts
 * await setWasmPaths("https://cdn.jsdelivr.net/npm/@tensorflow/tfjs-backend-wasm@4.22.0/dist/");
 * ```
 */
export async function setWasmPaths(prefixOrFileMap: WasmPaths, usePlatformFetch = false): Promise<void> {
  const wasm = await import("@tensorflow/tfjs-backend-wasm");
  wasm.setWasmPaths(prefixOrFileMap, usePlatformFetch);
}
