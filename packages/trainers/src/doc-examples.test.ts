import { describeDocExamples } from "../../../test-support/doc-examples";

// Examples use the package's names without importing them; one header of imports goes in front of each.
const header = [
  'import { Trainer, DqnLearner, TargetSync, nStepTransitions, EpisodeStats, evaluateGreedy, seedStreams, CheckpointManager, saveBestModel, readBestModelInfo, writeCheckpoint, readCheckpoint, saveAdamState, restoreAdamState, writeSynced, DataParallelLearner } from "@tdrl/trainers";',
  'import { initBackend as initBackendForExamples } from "@tdrl/backend";',
  'await initBackendForExamples({ prefer: "cpu" });',
  "",
].join("\n");

describeDocExamples(
  new URL(".", import.meta.url),
  [
    "trainer.ts",
    "dqn-learner.ts",
    "target-sync.ts",
    "n-step.ts",
    "episode-stats.ts",
    "evaluate.ts",
    "seed-streams.ts",
    "checkpoint-manager.ts",
    "checkpoint-files.ts",
    "optimizer-state.ts",
    "data-parallel-learner.ts",
  ],
  { header, dropImports: /^import \{[^}]*\} from "\.\/[\w-]+";\n/gm },
);
