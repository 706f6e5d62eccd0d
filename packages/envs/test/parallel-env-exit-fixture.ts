// Run by parallel-env.test.ts in a child process (`node --import tsx parallel-env-exit-fixture.ts <mode>`):
// makes a ParallelEnv, steps it, and, in mode "close", closes it. It prints what it saw as JSON and then
// returns; the test checks that the process exits on its own, so no worker keeps it alive.
import { ParallelEnv } from "../src/parallel-env";

const mode = process.argv[2] ?? "close";
const env = new ParallelEnv(2, {
  module: new URL("./parallel-env-fixtures.ts", import.meta.url),
  exportName: "makeCounting",
});
env.rollout(5, { breakWhenAnyDone: false });
const threadIds = [...env.threadIds];
if (mode === "close") await env.closeAsync();
console.log(JSON.stringify({ mode, threadIds, liveWorkers: env.liveWorkers }));
