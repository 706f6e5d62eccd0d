// Benchmarks for @tdrl/collectors. Each part returns its results; they are printed and written together to
// bench/results/collectors.json. Multi-worker and async parts are added beside the sync one.
import { initBackend } from "@tdrl/backend";
import { printResult, writeResults, type BenchResult } from "../../../bench/harness";
import { multiBenchmarks } from "./multi";
import { syncBenchmarks } from "./sync";

await initBackend();
const results: BenchResult[] = [];
for (const r of [...(await syncBenchmarks()), ...(await multiBenchmarks())]) {
  printResult(r);
  results.push(r);
}
const file = writeResults("collectors", results);
console.log(`\nwrote ${file}`);
