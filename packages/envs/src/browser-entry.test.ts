import { describe } from "vitest";
import { describeBrowserEntry } from "../../../test-support/browser-entry";

describe("browser entry", () => {
  describeBrowserEntry(
    () => import("./index"),
    () => import("./browser"),
    ["ParallelEnv", "workerFailureError"],
  );
});
