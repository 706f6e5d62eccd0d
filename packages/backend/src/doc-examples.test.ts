import { describeDocExamples } from "../../../test-support/doc-examples";

// Examples are written for the reader: they use the package's names without importing them, so the same
// header of imports is put in front of each (their own imports of these modules are dropped). Internal helpers
// are imported from the sources (the scratch files sit in the package folder).
const header = [
  'import * as tf from "@tensorflow/tfjs-core";',
  'import { formatBackendReport, initBackend, registerCoreGradients, registerWasmKernels, requireBackend, unregisterWasmKernels, wasmKernelsRegistered } from "@tdrl/backend";',
  'import { importBackendModule, isModuleNotFound } from "../src/backend-module-loader";',
  'import { resolveBackendPreference, resolveWasmThreads } from "../src/backend-preference";',
  'import { BackendSetupState, initBackendWith } from "../src/backend-setup";',
  'import { tensorflowInstallHint, tensorflowRepairHint } from "../src/install-hints";',
  'import { defaultBackendSetupDeps } from "../src/node-backend-deps";',
  'import { backpropConvGeometry } from "../src/wasm/conv-geometry";',
  'import { planSubPixelAxis } from "../src/wasm/sub-pixel-plan";',
  "void tf, formatBackendReport, initBackend, registerCoreGradients, registerWasmKernels, requireBackend, unregisterWasmKernels, wasmKernelsRegistered, importBackendModule, isModuleNotFound, resolveBackendPreference, resolveWasmThreads, BackendSetupState, initBackendWith, tensorflowInstallHint, tensorflowRepairHint, defaultBackendSetupDeps, backpropConvGeometry, planSubPixelAxis;",
  "",
].join("\n");

// Left out, as they are fragments of a kernel's or a set-up step's inner workings rather than runnable code
// (they name tensors or backends the reader has in hand): the wasm kernels' files, the browser initBackend,
// setWasmPaths (a CDN), the threaded wasm backend and the process-handler snapshot (both only before wasm
// first loads in the process).
describeDocExamples(
  new URL(".", import.meta.url),
  [
    "init-backend.ts",
    "backend-report.ts",
    "require-backend.ts",
    "backend-preference.ts",
    "backend-setup.ts",
    "node-backend-deps.ts",
    "backend-module-loader.ts",
    "install-hints.ts",
    "gradients/register-core-gradients.ts",
    "wasm/register-wasm-kernels.ts",
    "wasm/one-hot-dtype.ts",
    "wasm/conv-geometry.ts",
    "wasm/sub-pixel-plan.ts",
  ],
  { header, dropImports: /^import .* from "(@tensorflow\/tfjs-core|@tdrl\/backend)";\n/gm },
);
