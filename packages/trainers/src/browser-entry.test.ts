import { describe } from "vitest";
import { describeBrowserEntry } from "../../../test-support/browser-entry";

describe("browser entry", () => {
  describeBrowserEntry(
    () => import("./index"),
    () => import("./browser"),
    [
      "CheckpointManager",
      "recipeDifferences",
      "checkpointDir",
      "bestModelDir",
      "saveBestModel",
      "readBestModelInfo",
      "loadPolicyWeights",
      "writeCheckpoint",
      "readCheckpoint",
      "hasCheckpoint",
      "Checkpoint",
      "writeSynced",
      "syncDir",
      "DataParallelLearner",
      "dataParallelWorkerMain",
    ],
  );
});
