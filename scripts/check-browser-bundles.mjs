// Checks that every publishable workspace package's main entry bundles for a browser: esbuild
// --bundle --platform=browser of `import * as m from "<package>"`, resolved through the built packages'
// exports maps (so the default, non-"node" condition is what is checked), with nothing stubbed. Any error
// (e.g. `Could not resolve "node:fs"`) fails the check. Run after `npm run build`. A package whose
// package.json has `"tdrl": { "nodeOnly": "<reason>" }` is listed as skipped with that reason.
//
// Usage: node scripts/check-browser-bundles.mjs              check every publishable package
//        node scripts/check-browser-bundles.mjs --self-test  prove it fails on an entry that imports node:fs
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const rootManifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
// Inside the repo so that `@tdrl/*` resolve through node_modules' workspace links, as an app's would.
const scratch = mkdtempSync(join(root, "node_modules", ".check-browser-bundles-"));
process.on("exit", () => rmSync(scratch, { recursive: true, force: true }));
// An empty tsconfig: without it esbuild would apply each package's own tsconfig.json, whose `paths` point
// @tdrl/* at the sources, to the built files; an app depending on the published packages has no such map.
const tsconfig = join(scratch, "tsconfig.json");
writeFileSync(tsconfig, "{}\n");

/** Bundles `source` (an ES module's text) for the browser; returns { errors, bytes }. */
async function bundle(name, source) {
  const entry = join(scratch, `${name.replace(/[^a-z0-9]+/gi, "-")}.mjs`);
  writeFileSync(entry, source);
  try {
    const result = await build({
      entryPoints: [entry],
      bundle: true,
      platform: "browser",
      format: "esm",
      target: "es2022",
      write: false,
      logLevel: "silent",
      tsconfig,
    });
    return { errors: [], bytes: result.outputFiles.reduce((n, f) => n + f.contents.length, 0) };
  } catch (error) {
    const errors = (error.errors ?? [{ text: error.message }]).map((e) =>
      e.location ? `${e.text} (${e.location.file}:${e.location.line})` : e.text,
    );
    return { errors, bytes: 0 };
  }
}

async function main() {
  if (process.argv[2] === "--self-test") {
    const { errors } = await bundle(
      "self-test",
      'import { readFileSync } from "node:fs";\nexport const f = readFileSync;\n',
    );
    if (errors.length === 0) {
      console.error("check-browser-bundles self-test FAILED: an entry importing node:fs bundled without errors");
      return 1;
    }
    console.log(`ok    the check rejects an entry importing node:fs (${errors[0]})`);
    return 0;
  }
  if (process.argv.length > 2) {
    console.error(`check-browser-bundles: unknown arguments ${JSON.stringify(process.argv.slice(2))}`);
    return 2;
  }
  const packages = (rootManifest.workspaces ?? [])
    .map((rel) => ({
      dir: join(root, rel),
      manifest: JSON.parse(readFileSync(join(root, rel, "package.json"), "utf8")),
    }))
    .filter((p) => !p.manifest.private);
  let failed = 0;
  const width = Math.max(...packages.map((p) => p.manifest.name.length));
  for (const { dir, manifest } of packages) {
    // A package that only makes sense in Node (a Redis client, child processes) says so, with its reason.
    const nodeOnly = manifest.tdrl?.nodeOnly;
    if (typeof nodeOnly === "string" && nodeOnly.length > 0) {
      console.log(`skip  ${manifest.name.padEnd(width)}  Node-only: ${nodeOnly}`);
      continue;
    }
    if (!existsSync(join(dir, "dist"))) {
      console.log(`FAIL  ${manifest.name}\n        - dist/ missing in ${dir}: run \`npm run build\` first`);
      failed++;
      continue;
    }
    const start = performance.now();
    // Namespace import plus a use of it, so that nothing is tree-shaken away: the whole entry must bundle.
    const { errors, bytes } = await bundle(
      manifest.name,
      `import * as m from "${manifest.name}";\nexport default m;\n`,
    );
    if (errors.length === 0) {
      const took = ((performance.now() - start) / 1000).toFixed(1);
      console.log(`ok    ${manifest.name.padEnd(width)}  ${(bytes / 1024).toFixed(0)} kB bundled in ${took}s`);
    } else {
      failed++;
      console.log(`FAIL  ${manifest.name}`);
      for (const e of errors) console.log(`        - ${e}`);
    }
  }
  console.log(
    failed === 0
      ? `all ${packages.length} packages bundle for the browser`
      : `${failed} of ${packages.length} packages do not bundle for the browser`,
  );
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    console.error(`check-browser-bundles: ${error.stack ?? error.message}`);
    process.exitCode = 1;
  },
);
