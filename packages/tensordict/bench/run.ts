// `npm run bench -w @tdrl/tensordict`: TensorDict operations; JSON in bench/results/tensordict.json.
// The wasm kernels' figures are @tdrl/backend's bench. tfjs's own wasm backend is enough for toTensors here
// (this package does not depend on @tdrl/backend).
import "@tensorflow/tfjs-backend-wasm";
import * as tf from "@tensorflow/tfjs-core";
import { printResult, writeResults, type BenchResult } from "../../../bench/harness";
import { benchTensorDictOps } from "./tensordict-ops";

if (!(await tf.setBackend("wasm"))) throw new Error("tensordict bench: the wasm backend did not initialize");
const results: BenchResult[] = [];
for (const r of benchTensorDictOps()) {
  printResult(r);
  results.push(r);
}
const file = writeResults("tensordict", results, { backend: { tfjsBackend: tf.getBackend() } });
console.log(`wrote ${file}`);
