// Which bare imports in a built package's shipped JavaScript name a package its manifest does not declare.
// Installing all the tarballs together (as check-packages does) hoists them side by side, so an import of a
// sibling that is only a devDependency would still resolve there, and fail for a user who installs the
// package alone: this reads the imports instead.
import { readdirSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { join } from "node:path";

const builtins = new Set(builtinModules);
// Static imports and re-exports (`... from "x";`, `import "x";` at a line's start) and whole-string dynamic
// ones (`import("x")`, `require("x")`), in esbuild's output; `require("u" + "rl")` and the like are not read.
const specifierPatterns = [
  /^\s*(?:import|export)\b[^;]*?\bfrom\s*["']([^"']+)["']\s*;?\s*$/gm,
  /^\s*import\s*["']([^"']+)["']\s*;?\s*$/gm,
  /\b(?:import|require)\s*\(\s*["']([^"']+)["']\s*\)/g,
];

/** The package a bare specifier names: `@scope/name` or `name`. */
function packageOf(specifier) {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

/** Files under `dir` (recursively) whose names end in .js, .cjs or .mjs. */
function scripts(dir) {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(c|m)?js$/.test(e.name))
    .map((e) => join(e.parentPath ?? e.path, e.name));
}

/**
 * Problems for `manifest` whose built files are in `distDir`: one per package imported but not in
 * dependencies, peerDependencies or optionalDependencies, naming a file that imports it.
 */
export function undeclaredImports(manifest, distDir) {
  const declared = new Set(
    [manifest.dependencies, manifest.peerDependencies, manifest.optionalDependencies].flatMap((d) =>
      Object.keys(d ?? {}),
    ),
  );
  const firstImporter = new Map();
  for (const file of scripts(distDir)) {
    const text = readFileSync(file, "utf8");
    for (const [, specifier] of specifierPatterns.flatMap((pattern) => [...text.matchAll(pattern)])) {
      if (specifier.startsWith(".") || specifier.startsWith("node:") || builtins.has(specifier)) continue;
      const name = packageOf(specifier);
      if (name === manifest.name || declared.has(name) || firstImporter.has(name)) continue;
      firstImporter.set(name, file.slice(distDir.length + 1));
    }
  }
  return [...firstImporter].map(
    ([name, file]) =>
      `dist/${file} imports "${name}", which package.json does not declare in dependencies or peerDependencies`,
  );
}
