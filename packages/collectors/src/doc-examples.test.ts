import { describeDocExamples } from "../../../test-support/doc-examples";

// Examples use the package's names without importing them, and may import from @tdrl/tensordict; one header
// of imports goes in front of each (their own @tdrl/tensordict imports are dropped).
const header = [
  'import { AsyncCollector, MultiAsyncDataCollector, MultiSyncDataCollector, SyncDataCollector, TrajectoryIds, splitTrajectories, type MultiCollector, type MultiCollectorOptions, type PolicyFactory } from "@tdrl/collectors";',
  'import { HostArray, Rng, TensorDict } from "@tdrl/tensordict";',
  "",
].join("\n");

describeDocExamples(
  new URL(".", import.meta.url),
  [
    "sync-data-collector.ts",
    "split-trajectories.ts",
    "trajectory-ids.ts",
    "multi-sync-data-collector.ts",
    "multi-async-data-collector.ts",
    "async-collector.ts",
    "multi-collector.ts",
    "random-policy.ts",
    "collector-worker-protocol.ts",
  ],
  { header, dropImports: /^import .* from "@tdrl\/tensordict";\n/gm },
);
