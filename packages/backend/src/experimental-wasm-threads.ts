import * as tf from "@tensorflow/tfjs-core";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";

type WasmPackage = {
  BackendWasm: new (module: unknown) => BackendWasm;
  setThreadsCount: (n: number) => void;
  getThreadsCount: () => number;
};

type NodeWorker = { unref(): void };

type EmscriptenModule = {
  cwrap: (name: string, returnType: string | null, argTypes: string[]) => unknown;
  tfjs?: unknown;
  PThread?: { unusedWorkers: NodeWorker[]; runningWorkers: NodeWorker[]; pthreads: Record<string, NodeWorker> };
};

/**
 * EXPERIMENTAL. Registers tfjs's "wasm" backend built from the threaded SIMD binary, with `threads` XNNPACK
 * threads, in Node. Must run before the wasm backend is first initialized; returns false (doing nothing)
 * outside Node, when the wasm backend is already initialized, or when `threads` < 2.
 *
 * tfjs-backend-wasm turns threads off under Node (its WASM_HAS_MULTITHREAD_SUPPORT flag answers false
 * there, and its loader only knows how to start browser workers from Blob URLs). The threaded emscripten
 * build itself supports Node's worker_threads, so this loads it by hand: the worker script, which the
 * package ships as a string, is written to a temporary file, and both it and the main script are given
 * as file paths. tfjs also caps the thread pool at half the logical cores (it assumes two hardware threads
 * per core), which on a 2-vCPU machine leaves one thread; `os.cpus()` is widened for the duration of the
 * initialization so that the cap allows `threads` (without it the pool came up with 1 thread here).
 *
 * Measured on a 2-vCPU machine with 2 threads (bench/kernels.ts, medians): matMul 512³ 25 → 47 GFLOP/s,
 * Nature-DQN's conv trunk forward at batch 200 101 → 50 ms, a whole DQN Adam step 498 → 401 ms (the
 * elementwise kernels and JS around them stay serial). The threads compete with everything else on the
 * machine, so on a busy one this can be slower; and the C++ side may grow the shared memory behind the
 * JS heap views that tfjs and tdrl's kernels read.
 *
 * @example
 * ```ts
 * import * as wasm from "@tensorflow/tfjs-backend-wasm";
 * if (await registerThreadedWasmBackend(wasm, 2)) await tf.setBackend("wasm");
 * ```
 */
export async function registerThreadedWasmBackend(wasmPackage: unknown, threads: number): Promise<boolean> {
  if (!Number.isInteger(threads) || threads < 2) return false;
  const isNode = typeof process === "object" && typeof process.versions?.node === "string";
  if (!isNode || tf.engine().registry.wasm !== undefined) return false;
  const pkg = wasmPackage as WasmPackage;

  // The default exports are the modules themselves (a namespace object's properties cannot be reassigned).
  const [{ createRequire }, { default: fs }, { default: os }, { default: path }] = await Promise.all([
    import("node:module"),
    import("node:fs"),
    import("node:os"),
    import("node:path"),
  ]);
  const require = createRequire(typeof __filename === "string" ? __filename : import.meta.url);
  const wasmOut = path.join(path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm/package.json")), "wasm-out");
  const mainScript = path.join(wasmOut, "tfjs-backend-wasm-threaded-simd.js");
  const factory = require(mainScript) as (config: object) => Promise<EmscriptenModule>;
  const { wasmWorkerContents } = require(path.join(wasmOut, "tfjs-backend-wasm-threaded-simd.worker.js")) as {
    wasmWorkerContents: string;
  };
  // The contents sit in a template literal, so the "\n" escapes of the worker's string literals arrived
  // as real newlines; tfjs re-escapes them the same way before making its Blob.
  const workerScript = wasmWorkerContents.replace(/\n/g, "\\n");
  // Named by content and kept: a process killed before its exit handlers would leave a per-process file
  // behind, and worker threads started later (more threads than the pre-started pool) read it again.
  const workerFile = path.join(os.tmpdir(), `tdrl-wasm-worker-${contentHash(workerScript)}.js`);
  if (!fs.existsSync(workerFile) || fs.readFileSync(workerFile, "utf8") !== workerScript) {
    const partial = `${workerFile}.${process.pid}.tmp`;
    fs.writeFileSync(partial, workerScript);
    fs.renameSync(partial, workerFile);
  }

  const realCpus = os.cpus;
  const widened = () => {
    const cpus = realCpus();
    return Array.from({ length: Math.max(cpus.length, 2 * threads) }, (_, i) => cpus[i % cpus.length]!);
  };
  os.cpus = widened;
  try {
    const module = await factory({
      locateFile: (file: string, prefix: string) =>
        file.endsWith(".worker.js")
          ? workerFile
          : file.endsWith(".wasm")
            ? path.join(wasmOut, "tfjs-backend-wasm-threaded-simd.wasm")
            : prefix + file,
      mainScriptUrlOrBlob: mainScript,
    });
    // The bridge tfjs's own loader sets up on the module.
    module.tfjs = {
      init: module.cwrap("init", null, []),
      initWithThreadsCount: module.cwrap("init_with_threads_count", null, ["number"]),
      getThreadsCount: module.cwrap("get_threads_count", "number", []),
      registerTensor: module.cwrap("register_tensor", null, ["number", "number", "number"]),
      disposeData: module.cwrap("dispose_data", null, ["number"]),
      dispose: module.cwrap("dispose", null, []),
    };
    pkg.setThreadsCount(threads);
    // Creating the backend creates XNNPACK's thread pool, which is where the core count is read.
    const backend = new pkg.BackendWasm(module);
    unrefWorkers(module);
    if (tf.findBackendFactory("wasm") != null) tf.removeBackend("wasm");
    tf.registerBackend("wasm", () => backend, 2);
  } finally {
    os.cpus = realCpus;
  }
  return true;
}

/**
 * Lets the process exit while the pool's worker threads are alive: emscripten refs a worker while a pthread
 * runs on it, and XNNPACK's pool threads run (idle) for the life of the backend.
 */
function unrefWorkers(module: EmscriptenModule): void {
  const pthread = module.PThread;
  if (pthread === undefined) return;
  for (const worker of [...pthread.unusedWorkers, ...pthread.runningWorkers, ...Object.values(pthread.pthreads)]) {
    worker.unref();
  }
}

/** FNV-1a of a string, as 8 hex digits. */
function contentHash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, "0");
}
