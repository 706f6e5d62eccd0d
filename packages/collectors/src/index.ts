// @tdrl/collectors: data collectors (TorchRL's torchrl.collectors). This is the Node entry (the "node"
// export condition and @tdrl/collectors/node): the browser entry's names (./browser.ts), plus the
// worker-thread collectors.

export * from "./browser";

export { MultiSyncDataCollector } from "./multi-sync-data-collector";
export { MultiAsyncDataCollector } from "./multi-async-data-collector";
export { AsyncCollector, type AsyncCollectorOptions } from "./async-collector";
export type { MultiCollector, MultiCollectorOptions } from "./multi-collector";
/**
 * @internal The entry point of collector worker threads, which import it from this module (so it stays a
 * runtime export); `stripInternal` keeps it out of the published declarations.
 */
export { collectorWorkerMain } from "./collector-worker";
