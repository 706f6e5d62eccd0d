// Rewrites imports of the names that moved from @tdrl/tensordict to @tdrl/backend (initBackend & co); idempotent.
//
// Usage: node scripts/migrate-backend-imports.mjs [--check] [path ...]    (--self-test: checks the rewrite itself)
//   Rewrites .ts/.mts/.cts/.tsx/.md files under the given paths (default: the repository) in place: import and
//   `await import()` statements, also inside doc comments, markdown code blocks and the import lines that the
//   doc-examples tests put in a header string. Then adds @tdrl/backend to the package.json of each workspace
//   whose files now import it: "dependencies" when shipped code does, else "devDependencies" (tests, docs,
//   benches), and says to refresh the lockfile. `--check` changes nothing and exits 1 if anything would change.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

/** Every name @tdrl/tensordict exported before 0.2 that @tdrl/backend exports now. */
export const MOVED_NAMES = new Set([
  "initBackend",
  "InitBackendOptions",
  "setWasmPaths",
  "WasmPaths",
  "requireBackend",
  "formatBackendReport",
  "BackendReport",
  "SkippedBackend",
  "WasmFacts",
  "BACKEND_PREFERENCES",
  "BACKEND_ENV_VAR",
  "WASM_THREADS_ENV_VAR",
  "BackendChoice",
  "BackendPreference",
  "PreferenceSource",
  "registerWasmKernels",
  "unregisterWasmKernels",
  "wasmKernelsRegistered",
  "WASM_KERNEL_NAMES",
  "registerCoreGradients",
  "CORE_GRADIENT_KERNELS",
]);

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const EXTENSIONS = /\.(ts|mts|cts|tsx|md)$/;
// Generated output, installed code, history (changesets and changelogs describe the past as it was), and the
// package the names moved into (its own files import them relatively).
const SKIP_DIRS = new Set(["node_modules", "dist", ".git", ".turbo", ".changeset", "runs", "results"]);
const SKIP_PATHS = [join("packages", "backend") + sep];

// `import { a, type B } from "@tdrl/tensordict";`, `import type { ... } from "@tdrl/tensordict/node"` and
// `const { a } = await import("@tdrl/tensordict")`; specifiers may span lines (also inside doc comments).
const STATIC_IMPORT = /import\s+(type\s+)?\{([^}]*)\}\s*from\s*(["'])@tdrl\/tensordict(?:\/node)?\3(;?)/g;
const DYNAMIC_IMPORT = /const\s*\{([^}]*)\}\s*=\s*await\s+import\((["'])@tdrl\/tensordict(?:\/node)?\2\)(;?)/g;

/** The specifiers of a `{ ... }` list, without comment-continuation stars and blank entries. */
function specifiers(list) {
  return list
    .split(",")
    .map((s) => s.replace(/^\s*\*?\s*/gm, "").trim())
    .filter((s) => s.length > 0);
}

/** The exported name a specifier imports: `type Foo as Bar` -> Foo; `a: b` (destructuring) -> a. */
function importedName(specifier) {
  return specifier
    .replace(/^type\s+/, "")
    .split(/\s+as\s+|\s*:\s*/)[0]
    .trim();
}

/** The text on the match's line before and after it, so a split import keeps its ` * ` or `'...',` framing. */
function framing(text, start, end) {
  const lineStart = text.lastIndexOf("\n", start - 1) + 1;
  const lineEndAt = text.indexOf("\n", end);
  const lineEnd = lineEndAt === -1 ? text.length : lineEndAt;
  return { lineStart, lineEnd, prefix: text.slice(lineStart, start), suffix: text.slice(end, lineEnd) };
}

/**
 * Rewrites one file's text. Returns { text, moved } where `moved` says whether any import of a moved name was
 * rewritten (the text is unchanged when it was not).
 */
export function migrateText(text) {
  let moved = false;
  const rewrite = (pattern, render) => {
    let out = "";
    let last = 0;
    for (const match of text.matchAll(pattern)) {
      const specs = specifiers(match[pattern === STATIC_IMPORT ? 2 : 1]);
      const toBackend = specs.filter((s) => MOVED_NAMES.has(importedName(s)));
      if (toBackend.length === 0) continue;
      const staying = specs.filter((s) => !MOVED_NAMES.has(importedName(s)));
      const { lineStart, lineEnd, prefix, suffix } = framing(text, match.index, match.index + match[0].length);
      if (lineStart < last) continue; // two imports on one line: the next run of the script takes the second
      const lines = render(match, staying, toBackend).map((statement) => prefix + statement + suffix);
      out += text.slice(last, lineStart) + lines.join("\n");
      last = lineEnd;
      moved = true;
    }
    text = out + text.slice(last);
  };
  rewrite(STATIC_IMPORT, (match, staying, toBackend) => {
    const [, typeOnly = "", , quote, semi] = match;
    // A list left with type specifiers only becomes `import type` (what Biome's useImportType asks for).
    const statement = (names, from) => {
      const allTypes = typeOnly === "" && names.every((n) => /^type\s/.test(n));
      const list = allTypes ? names.map((n) => n.replace(/^type\s+/, "")) : names;
      return `import ${allTypes ? "type " : typeOnly}{ ${list.join(", ")} } from ${quote}${from}${quote}${semi}`;
    };
    return [
      ...(staying.length > 0 ? [statement(staying, "@tdrl/tensordict")] : []),
      statement(toBackend, "@tdrl/backend"),
    ];
  });
  rewrite(DYNAMIC_IMPORT, (match, staying, toBackend) => {
    const [, , quote, semi] = match;
    const statement = (names, from) => `const { ${names.join(", ")} } = await import(${quote}${from}${quote})${semi}`;
    return [
      ...(staying.length > 0 ? [statement(staying, "@tdrl/tensordict")] : []),
      statement(toBackend, "@tdrl/backend"),
    ];
  });
  // A doc-examples test drops the examples' own imports of the modules its header imports: @tdrl/backend now too.
  if (moved || text.includes('from "@tdrl/backend"')) {
    text = text.replace(/(dropImports:[^\n]*@tdrl\\\/tensordict)(?![^\n]*@tdrl\\\/backend)/g, "$1|@tdrl\\/backend");
  }
  return { text, moved };
}

function* sourceFiles(path) {
  const rel = relative(root, path);
  if (SKIP_PATHS.some((skip) => `${rel}${sep}`.startsWith(skip))) return;
  const stat = statSync(path);
  if (stat.isDirectory()) {
    for (const entry of readdirSync(path).sort()) {
      if (!SKIP_DIRS.has(entry) && !entry.startsWith(".readme-") && !entry.startsWith(".doc-examples-")) {
        yield* sourceFiles(join(path, entry));
      }
    }
  } else if (EXTENSIONS.test(path) && !/CHANGELOG\.md$/.test(path)) {
    yield path;
  }
}

/** The nearest workspace package.json above `file`, or null (the root manifest is not a workspace's). */
function workspaceManifest(file) {
  for (let dir = dirname(file); dir.startsWith(root) && dir !== root; dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json"))) return join(dir, "package.json");
  }
  return null;
}

/** Whether `file` ships: under src/, not a test, not only a doc-comment or markdown mention. */
function isShippedCode(file, text) {
  const rel = relative(root, file).split(sep).join("/");
  if (!/\/src\//.test(rel) || /\.test(-d)?\.ts$|\.md$/.test(rel)) return false;
  return /^import\s+(?:type\s+)?\{[^}]*\}\s*from\s*["']@tdrl\/backend["']|await\s+import\(["']@tdrl\/backend["']\)/m.test(
    text,
  );
}

/** Before/after pairs the rewrite must produce, each also left unchanged by a second run. */
const SELF_TEST_CASES = [
  [
    'import { HostArray, initBackend, type TensorDict } from "@tdrl/tensordict";\n',
    'import { HostArray, type TensorDict } from "@tdrl/tensordict";\nimport { initBackend } from "@tdrl/backend";\n',
  ],
  [
    'import { initBackend, type BackendReport } from "@tdrl/tensordict";\n',
    'import { initBackend, type BackendReport } from "@tdrl/backend";\n',
  ],
  [
    'import { formatBackendReport, type TensorDict } from "@tdrl/tensordict";\n',
    'import type { TensorDict } from "@tdrl/tensordict";\nimport { formatBackendReport } from "@tdrl/backend";\n',
  ],
  [
    'import type { BackendPreference, Shape } from "@tdrl/tensordict/node";\n',
    'import type { Shape } from "@tdrl/tensordict";\nimport type { BackendPreference } from "@tdrl/backend";\n',
  ],
  [
    'import {\n  Rng,\n  initBackend,\n  TensorDict,\n} from "@tdrl/tensordict";\nawait initBackend();\n',
    'import { Rng, TensorDict } from "@tdrl/tensordict";\nimport { initBackend } from "@tdrl/backend";\nawait initBackend();\n',
  ],
  [
    '/**\n * @example\n * import { initBackend, Rng } from "@tdrl/tensordict";\n */\n',
    '/**\n * @example\n * import { Rng } from "@tdrl/tensordict";\n * import { initBackend } from "@tdrl/backend";\n */\n',
  ],
  [
    `  'import { Rng, initBackend } from "@tdrl/tensordict";',\n` +
      '  { header, dropImports: /^import .* from "(@tensorflow\\/tfjs-core|@tdrl\\/tensordict)";\\n/gm },\n',
    `  'import { Rng } from "@tdrl/tensordict";',\n  'import { initBackend } from "@tdrl/backend";',\n` +
      '  { header, dropImports: /^import .* from "(@tensorflow\\/tfjs-core|@tdrl\\/tensordict|@tdrl\\/backend)";\\n/gm },\n',
  ],
  [
    'const { initBackend } = await import("@tdrl/tensordict");\n',
    'const { initBackend } = await import("@tdrl/backend");\n',
  ],
  [
    'import { HostArray, TensorDict } from "@tdrl/tensordict";\n// initBackend() from "@tdrl/tensordict" in prose stays\n',
    'import { HostArray, TensorDict } from "@tdrl/tensordict";\n// initBackend() from "@tdrl/tensordict" in prose stays\n',
  ],
];

function selfTest() {
  let failed = 0;
  for (const [before, expected] of SELF_TEST_CASES) {
    const once = migrateText(before).text;
    const twice = migrateText(once).text;
    if (once !== expected || twice !== once) {
      failed++;
      console.error(`FAIL\n--- input\n${before}--- expected\n${expected}--- got\n${once}--- second run\n${twice}`);
    }
  }
  console.log(`${SELF_TEST_CASES.length - failed} of ${SELF_TEST_CASES.length} self-test cases pass`);
  return failed === 0 ? 0 : 1;
}

function main(args) {
  if (args[0] === "--self-test") return selfTest();
  const check = args.includes("--check");
  const paths = args.filter((a) => a !== "--check");
  const targets = paths.length > 0 ? paths.map((p) => join(process.cwd(), p)) : [root];
  const changed = [];
  const users = new Map(); // manifest path -> "dependencies" | "devDependencies"
  for (const target of targets) {
    for (const file of sourceFiles(target)) {
      const before = readFileSync(file, "utf8");
      const { text, moved } = migrateText(before);
      if (text !== before) {
        changed.push(relative(root, file));
        if (!check) writeFileSync(file, text);
      }
      if (!moved && !text.includes("@tdrl/backend")) continue;
      const manifest = workspaceManifest(file);
      if (manifest === null) continue;
      const field = isShippedCode(file, text) ? "dependencies" : "devDependencies";
      if (users.get(manifest) !== "dependencies") users.set(manifest, field);
    }
  }
  const manifests = [];
  for (const [path, field] of users) {
    const manifest = JSON.parse(readFileSync(path, "utf8"));
    if (manifest.name === "@tdrl/backend" || manifest.name === "@tdrl/tensordict") continue;
    const declared = ["dependencies", "devDependencies", "peerDependencies"].find(
      (f) => manifest[f]?.["@tdrl/backend"] !== undefined,
    );
    // A runtime import needs a runtime dependency; a devDependency is upgraded, never the reverse.
    if (declared === "dependencies" || declared === "peerDependencies" || declared === field) continue;
    manifests.push(`${declared ? "move" : "add"} @tdrl/backend to ${field} of ${relative(root, path)}`);
    if (check) continue;
    if (declared) delete manifest[declared]["@tdrl/backend"];
    manifest[field] = { ...manifest[field], "@tdrl/backend": "^0.1.0" };
    writeFileSync(path, `${JSON.stringify(manifest, null, 2)}\n`);
  }
  for (const file of changed) console.log(`${check ? "would rewrite" : "rewrote"} ${file}`);
  for (const line of manifests) console.log(`${check ? "would " : ""}${line}`);
  if (manifests.length > 0 && !check) {
    console.log(
      "package.json changed: run `npm install` and `node scripts/complete-lockfile.mjs`, then commit the lockfile",
    );
  }
  if (changed.length > 0 && !check) console.log("then format the rewritten files: `npm run format`");
  if (changed.length === 0 && manifests.length === 0) console.log("nothing to migrate");
  return check && (changed.length > 0 || manifests.length > 0) ? 1 : 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.exitCode = main(process.argv.slice(2));
