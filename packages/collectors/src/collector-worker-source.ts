/**
 * The script a collector worker starts with (`new Worker(source, { eval: true })`). It only loads this
 * package's module (see `collectorWorkerModuleUrl`) and hands over to `collectorWorkerMain`, so the worker
 * runs the same code as the main thread, from the sources or from either build.
 *
 * tsx is registered once for the whole thread (not `tsImport`, which loads each module tree in a namespace
 * of its own): the user's env and policy modules and this package must share one copy of
 * `@tdrl/tensordict`, or the records of one would not be `TensorDict`s to the other.
 */
export const COLLECTOR_WORKER_SOURCE = `"use strict";
const { workerData, parentPort } = require("node:worker_threads");
(async () => {
  let during = "loading " + workerData.self.url;
  try {
    if (workerData.tsx !== null) {
      const { register } = await import(workerData.tsx.api);
      register(workerData.tsx.tsconfig === null ? {} : { tsconfig: workerData.tsx.tsconfig });
    }
    const mod = await import(workerData.self.url);
    during = "collectorWorkerMain";
    await mod[workerData.self.exportName](workerData);
  } catch (error) {
    const isError = error instanceof Error;
    parentPort.postMessage({
      kind: "failure",
      during,
      name: isError ? error.name : "Error",
      message: isError ? error.message : String(error),
      stack: isError && typeof error.stack === "string" ? error.stack : "",
    });
  }
})();
`;
