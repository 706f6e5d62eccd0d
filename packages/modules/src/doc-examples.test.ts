import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

// Every public class's and function's `@example` is run, so doc comments cannot drift from the code.
// Examples are written for the reader: they use the package's names without importing them, so the same
// header of imports is put in front of each (their own imports of these modules are dropped).
const srcDir = fileURLToPath(new URL(".", import.meta.url));
const files = [
  "parameters.ts",
  "tensordict-module.ts",
  "tensordict-sequential.ts",
  "mlp.ts",
  "conv-net.ts",
  "lstm-module.ts",
  "gru-module.ts",
  "q-value-module.ts",
  "dueling-head.ts",
  "e-greedy-module.ts",
  "safetensors.ts",
];
const header = [
  'import * as tf from "@tensorflow/tfjs-core";',
  'import { readFileSync, writeFileSync } from "node:fs";',
  'import { Categorical, HostArray, OneHot, Rng, TensorDict, initBackend } from "@tdrl/tensordict";',
  'import { ConvNet, DuelingHead, EGreedyModule, GRUModule, LSTMModule, MLP, QValueModule, TensorDictModule, TensorDictSequential, copyParams, lerpParams, loadWeights, natureCnn, saveWeights } from "@tdrl/modules";',
  'await initBackend({ prefer: "cpu" });',
  "void tf, readFileSync, writeFileSync, Categorical, HostArray, OneHot, Rng, TensorDict;",
  "",
].join("\n");
const scratch = mkdtempSync(join(srcDir, "..", ".doc-examples-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function examples(file: string): string[] {
  const text = readFileSync(join(srcDir, file), "utf8");
  return [...text.matchAll(/\* @example\n((?: \*(?: .*)?\n)+?) \*\//g)].map((m) =>
    m[1]!
      .replace(/^ \* ?/gm, "")
      .replace(/^import .* from "(@tensorflow\/tfjs-core|@tdrl\/tensordict|node:fs)";\n/gm, ""),
  );
}

describe("doc comment examples", () => {
  for (const file of files) {
    it(`${file} has examples that run`, async () => {
      const found = examples(file);
      expect(found.length).toBeGreaterThan(0);
      for (const [i, code] of found.entries()) {
        const path = join(scratch, `${file.replace(".ts", "")}-${i}.ts`);
        writeFileSync(path, header + code);
        await import(/* @vite-ignore */ path);
      }
    });
  }
});
