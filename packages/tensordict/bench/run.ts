// `npm run bench -w @tdrl/tensordict`: TensorDict operations and the wasm kernels; JSON in bench/results/tensordict.json.
import { printResult, writeResults, type BenchResult } from "../../../bench/harness";
import { initBackend } from "../src/index";
import { benchKernels } from "./kernels";
import { benchTensorDictOps } from "./tensordict-ops";

const report = await initBackend({ prefer: "wasm" });
const results: BenchResult[] = [];
for (const r of benchTensorDictOps()) {
  printResult(r);
  results.push(r);
}
for (const r of await benchKernels()) {
  printResult(r);
  results.push(r);
}
const file = writeResults("tensordict", results, { backend: report });
console.log(`wrote ${file}`);
