// Runs the benchmark cases in a Web Worker, where the playground trains.
import { formatBackendReport, initBackend, type BackendPreference } from "@tdrl/backend";
import { benchBackend } from "./bench-core";
import { WASM_PATHS } from "./wasm-paths";

const scope = self as unknown as {
  postMessage(message: unknown): void;
  onmessage: ((event: MessageEvent<BackendPreference>) => void) | null;
};
scope.onmessage = (event) => {
  benchBackend(event.data, initBackend, formatBackendReport, { wasmPaths: WASM_PATHS }).then(
    (result) => scope.postMessage({ ok: true, result }),
    (error: unknown) => scope.postMessage({ ok: false, error: error instanceof Error ? error.message : String(error) }),
  );
};
