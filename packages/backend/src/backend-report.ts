import type { BackendChoice, BackendPreference, PreferenceSource } from "./backend-preference";

/** A backend `initBackend` tried and did not use, and why. */
export interface SkippedBackend {
  readonly backend: BackendChoice;
  readonly reason: string;
}

/** Facts about the WebAssembly backend when it is the one in use. */
export interface WasmFacts {
  /** Whether the SIMD build of the wasm binary runs (much faster matMul/conv). */
  readonly simd: boolean;
  /** Threads XNNPACK uses; tfjs turns threads off under Node, so 1 there unless threads were asked for. */
  readonly threads: number;
  /** EXPERIMENTAL: the thread count asked for (`experimentalWasmThreads` / TDRL_WASM_THREADS), or null. */
  readonly threadsRequested: number | null;
  /** Why the requested threads are not in use, or null. */
  readonly threadsNote: string | null;
}

/** What `initBackend` set up. */
export interface BackendReport {
  /** The backend in use. */
  readonly backend: BackendChoice;
  /** Its tfjs name, as `tf.getBackend()` returns it ("tensorflow" for both libtensorflow builds). */
  readonly tfjsBackend: string;
  /** The preference that was resolved, and where it came from (TDRL_BACKEND, the option, or the default). */
  readonly requested: BackendPreference;
  readonly requestedBy: PreferenceSource;
  /** Backends tried before the one in use, each with the reason it was passed over. */
  readonly skipped: readonly SkippedBackend[];
  /** Present when `backend` is "wasm". */
  readonly wasm: WasmFacts | null;
  /** Kernels tdrl registered for the backend in use, as "backend:Kernel" (e.g. "wasm:Conv2DBackpropFilter"). */
  readonly customKernels: readonly string[];
  /** Whether gradient functions for the core kernels are registered (training with `tf.grad` needs them). */
  readonly gradientsRegistered: boolean;
}

/**
 * One line per fact, for logs.
 *
 * @example
 * ```ts
 * console.log(formatBackendReport(await initBackend()));
 * // backend: wasm (tfjs "wasm"), requested auto (default)
 * // skipped tensorflow-gpu: @tensorflow/tfjs-node-gpu is not installed
 * // ...
 * ```
 */
export function formatBackendReport(report: BackendReport): string {
  const lines = [
    `backend: ${report.backend} (tfjs "${report.tfjsBackend}"), requested ${report.requested} (${report.requestedBy})`,
  ];
  for (const s of report.skipped) lines.push(`skipped ${s.backend}: ${s.reason}`);
  if (report.wasm) {
    const note = report.wasm.threadsNote ? ` (${report.wasm.threadsNote})` : "";
    lines.push(`wasm: SIMD ${report.wasm.simd ? "on" : "off"}, ${report.wasm.threads} thread(s)${note}`);
  }
  lines.push(`custom kernels: ${report.customKernels.length > 0 ? report.customKernels.join(", ") : "none"}`);
  lines.push(`gradients registered: ${report.gradientsRegistered ? "yes" : "no"}`);
  return lines.join("\n");
}
