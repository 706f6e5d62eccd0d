// Run by multi-sync-data-collector.test.ts in a child process (`node --import tsx collector-worker-exit-fixture.ts`):
// two collectors of two workers each collect two batches at once; one is shut down, the other forgotten. It
// prints what it saw as JSON and returns; the test checks that the process then exits by itself, so no
// worker keeps it alive, whether its collector was shut down or not.
import { MultiSyncDataCollector } from "../src/multi-sync-data-collector";

const fixtures = new URL("./collector-worker-fixtures.ts", import.meta.url);

async function run(mode: "shutdown" | "forgotten") {
  const collector = new MultiSyncDataCollector(
    { module: fixtures, exportName: "makeCartPole" },
    { module: fixtures, exportName: "makeRandomPolicy" },
    { numWorkers: 2, framesPerBatch: 20 },
  );
  let batches = 0;
  for await (const _batch of collector) {
    if (++batches === 2) break;
  }
  const threadIds = [...collector.threadIds];
  if (mode === "shutdown") await collector.shutdown();
  return { batches, threadIds, liveWorkers: collector.liveWorkers };
}

const [shutdown, forgotten] = await Promise.all([run("shutdown"), run("forgotten")]);
console.log(JSON.stringify({ shutdown, forgotten }));
