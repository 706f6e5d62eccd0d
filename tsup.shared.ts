import { existsSync, rmSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { defineConfig, type Options } from "tsup";

type EsbuildPlugin = NonNullable<Options["esbuildPlugins"]>[number];

/**
 * In a package's browser build, a source file `x.ts` with a sibling `x.browser.ts` is replaced by it (e.g.
 * buffers' file checkpoints, which need node:fs). Only relative imports inside the package are affected.
 */
const browserOverrides: EsbuildPlugin = {
  name: "tdrl-browser-overrides",
  setup(build) {
    build.onResolve({ filter: /^\.\.?\// }, (args) => {
      const base = resolve(dirname(args.importer), args.path).replace(/\.(ts|js)$/, "");
      const override = `${base}.browser.ts`;
      return existsSync(override) && !args.importer.endsWith(".browser.ts") ? { path: override } : undefined;
    });
  },
};

/**
 * The one build recipe every package uses: ESM + CJS + .d.ts from src/index.ts.
 * The d.ts build clears the `paths` mapping of tsconfig.base.json so that imports of other
 * @tdrl packages resolve to their published declarations instead of being inlined.
 *
 * A package with Node-only parts also has src/browser.ts, its browser-safe entry: it is built into
 * dist/browser.* for the browser target, with `x.browser.ts` files standing in for their `x.ts`, and the
 * package.json exports map sends the "node" condition to dist/index.* and every other one to dist/browser.*.
 *
 * A package whose other @tdrl packages need names its users do not has src/internal.ts, built beside the
 * Node entry into dist/internal.* and exported as the "./internal" subpath (not public API).
 * `stripInternal` drops `@internal` declarations from the published .d.ts (for runtime-only exports).
 */
export function packageBuild(overrides: Options = {}, { stripInternal = false }: { stripInternal?: boolean } = {}) {
  const base: Options = {
    format: ["esm", "cjs"],
    // "node": a package's declarations see the full (Node) declarations of the @tdrl packages it uses;
    // the browser entries only re-export browser-safe names, so their declarations stay within those.
    dts: { compilerOptions: { paths: {}, customConditions: ["node"], stripInternal } },
    sourcemap: true,
    target: "node20",
    splitting: false,
    treeshake: true,
    external: [/^@tdrl\//, /^@tensorflow\//],
  };
  const nodeEntries = existsSync("src/internal.ts") ? ["src/index.ts", "src/internal.ts"] : ["src/index.ts"];
  if (!existsSync("src/browser.ts")) {
    return defineConfig({ ...base, entry: nodeEntries, clean: true, ...overrides });
  }
  // Two builds write to the same dist/, in parallel. tsup's `clean` cannot be scoped to one build's files (its
  // patterns only add to "everything", and each declaration build deletes every .d.ts at its start), so
  // either build could delete the other's output: dist/ is emptied once here, before both start.
  rmSync("dist", { recursive: true, force: true });
  return defineConfig([
    { ...base, entry: nodeEntries, clean: false, ...overrides },
    {
      ...base,
      entry: ["src/browser.ts"],
      clean: false,
      platform: "browser",
      target: "es2022",
      esbuildPlugins: [browserOverrides],
      ...overrides,
    },
  ]);
}
