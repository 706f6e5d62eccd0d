import { defineConfig, type Options } from "tsup";

/**
 * The one build recipe every package uses: ESM + CJS + .d.ts from src/index.ts.
 * The d.ts build clears the `paths` mapping of tsconfig.base.json so that imports of other
 * @tdrl packages resolve to their published declarations instead of being inlined.
 */
export function packageBuild(overrides: Options = {}) {
  return defineConfig({
    entry: ["src/index.ts"],
    format: ["esm", "cjs"],
    dts: { compilerOptions: { paths: {} } },
    sourcemap: true,
    clean: true,
    target: "node20",
    splitting: false,
    treeshake: true,
    external: [/^@tdrl\//, /^@tensorflow\//],
    ...overrides,
  });
}
