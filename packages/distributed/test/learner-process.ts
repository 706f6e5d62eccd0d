// A learner process for the "kill the learner" test: ingests a run's batches with manual acknowledgement,
// saving a checkpoint (the collector state and every (actor, seq) it holds) before acknowledging, exactly
// as a real learner saves its replay buffer. Restarted, it resumes from the checkpoint.
// Env: REDIS_URL, CKPT (checkpoint path), TOTAL_FRAMES, RUN.
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { initBackend } from "@tdrl/backend";
import { DistributedCollector, type DistributedCollectorState } from "../src/index";

const fixtures = new URL("./fixtures.ts", import.meta.url);
const ckpt = process.env.CKPT!;
await initBackend();
const collector = new DistributedCollector(
  { module: fixtures, exportName: "makeCountingEnv" },
  { module: fixtures, exportName: "makeMarkedPolicy" },
  {
    redis: process.env.REDIS_URL!,
    run: process.env.RUN!,
    framesPerBatch: 8,
    totalFrames: Number(process.env.TOTAL_FRAMES),
    ack: "manual",
    blockMs: 100,
    readCount: 4,
  },
);
let held: string[] = [];
if (existsSync(ckpt)) {
  const saved = JSON.parse(readFileSync(ckpt, "utf8")) as { state: DistributedCollectorState; held: string[] };
  collector.loadState(saved.state);
  held = saved.held;
}
for await (const _batch of collector) {
  const m = collector.lastBatchMeta!;
  held.push(`${m.actor}:${m.seq}`);
  writeFileSync(
    `${ckpt}.tmp`,
    JSON.stringify({ state: collector.state(), held, recovered: collector.stats.recovered }),
  );
  renameSync(`${ckpt}.tmp`, ckpt);
  await collector.acknowledge();
}
writeFileSync(`${ckpt}.done`, "1");
await collector.shutdown();
process.exit(0);
