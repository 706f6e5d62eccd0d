// `npm run bench -w @tdrl/backend`: tdrl's wasm kernels against tfjs's own; JSON in bench/results/backend.json.
import { printResult, writeResults, type BenchResult } from "../../../bench/harness";
import { initBackend } from "../src/index";
import { benchKernels } from "./kernels";

const report = await initBackend({ prefer: "wasm" });
const results: BenchResult[] = [];
for (const r of await benchKernels()) {
  printResult(r);
  results.push(r);
}
const file = writeResults("backend", results, { backend: report });
console.log(`wrote ${file}`);
