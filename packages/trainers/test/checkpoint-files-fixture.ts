/**
 * Child process for checkpoint-files.test.ts: writes checkpoint after checkpoint into argv[2] until killed,
 * printing "wrote <i>" after each.
 * Checkpoint i holds json {i}, a 1 MiB Float32Array filled with i and a directory of files holding i, so a
 * reader can tell a mix of two checkpoints from one whole one.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { writeCheckpoint } from "../src/checkpoint-files";

const dir = process.argv[2]!;
const big = new Float32Array(256 * 1024);
for (let i = 1; ; i++) {
  big.fill(i);
  writeCheckpoint(dir, {
    json: { counters: { i } },
    arrays: { weights: big },
    dirs: { replay: (d) => writeFileSync(join(d, "data.txt"), String(i).repeat(10_000)) },
  });
  process.stdout.write(`wrote ${i}\n`);
}
