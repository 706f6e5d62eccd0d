import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const packagesDir = fileURLToPath(new URL("./packages/", import.meta.url));

/**
 * Tests run against the sources: every `@tdrl/<name>` import resolves to packages/<name>/src/index.ts,
 * so `npm test` needs no build and a change in one package is seen by the tests of the others.
 */
export function packageTests() {
  return defineConfig({
    resolve: {
      // `@tdrl/<name>/node` is the same full entry (the Node-only parts' documented import path);
      // `@tdrl/<name>/internal` is src/internal.ts (what other @tdrl packages need but users do not).
      alias: [
        { find: /^@tdrl\/([a-z-]+)(\/node)?$/, replacement: `${packagesDir}$1/src/index.ts` },
        { find: /^@tdrl\/([a-z-]+)\/internal$/, replacement: `${packagesDir}$1/src/internal.ts` },
      ],
    },
    test: {
      include: ["src/**/*.test.ts"],
      typecheck: { enabled: true, include: ["src/**/*.test-d.ts"], tsconfig: "./tsconfig.json" },
      testTimeout: 60_000,
      hookTimeout: 60_000,
      pool: "forks",
      passWithNoTests: true,
      // The JSON report feeds scripts/test-summary.mjs, which prints one total for the whole repo in CI.
      reporters: ["default", "json"],
      outputFile: { json: "test-results.json" },
    },
  });
}
