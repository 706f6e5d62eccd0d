/**
 * The script of a worker thread that runs an export of a tdrl package's own module
 * (`new Worker(source, { eval: true })`): it registers tsx when `workerData.tsx` says so, imports
 * `workerData.self.url` and awaits `workerData.self.exportName(workerData)`, so the worker runs the same
 * code as the main thread, from the sources or from either build. `prelude` runs first; a failure while
 * loading or in the export is turned into a `WorkerFailure` named `failure` and handed to the `report`
 * statements. `mainName` names the export in the failure's `during`.
 *
 * tsx is registered once for the whole thread (not `tsImport`, which loads each module tree in a namespace
 * of its own): the user's modules and the package must share one copy of `@tdrl/tensordict`, or the
 * records of one would not be `TensorDict`s to the other.
 */
export function moduleWorkerSource(options: { mainName: string; report: string; prelude?: string }): string {
  return `"use strict";
const { workerData, parentPort } = require("node:worker_threads");
${options.prelude ?? ""}
(async () => {
  let during = "loading " + workerData.self.url;
  try {
    if (workerData.tsx !== null) {
      const { register } = await import(workerData.tsx.api);
      register(workerData.tsx.tsconfig === null ? {} : { tsconfig: workerData.tsx.tsconfig });
    }
    const mod = await import(workerData.self.url);
    during = ${JSON.stringify(options.mainName)};
    await mod[workerData.self.exportName](workerData);
  } catch (error) {
    const isError = error instanceof Error;
    const failure = {
      kind: "failure",
      during,
      name: isError ? error.name : "Error",
      message: isError ? error.message : String(error),
      stack: isError && typeof error.stack === "string" ? error.stack : "",
    };
    ${options.report}
  }
})();
`;
}

/** The script a collector worker starts with: it hands over to `collectorWorkerMain` (see `collector-worker.ts`). */
export const COLLECTOR_WORKER_SOURCE = moduleWorkerSource({
  mainName: "collectorWorkerMain",
  report: "parentPort.postMessage(failure);",
});
