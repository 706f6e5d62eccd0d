// Checks that every publishable workspace package works once published: its package.json has the fields
// npm and bundlers rely on, and its packed tarball, installed into a fresh project next to the other
// tarballs, can be imported from ESM and required from CJS with every file its manifest names present.
//
// Usage: node scripts/check-packages.mjs                 check the built packages (run `npm run build` first)
//        node scripts/check-packages.mjs --self-test [@tdrl/<name>]
//            prove the check rejects a broken exports map: packs deliberately broken copies of one built
//            package (default: the first with no internal dependencies) and expects each to fail while the
//            untouched originals pass.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { undeclaredImports } from "./undeclared-imports.mjs";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const probeDir = join(root, "scripts", "package-check");
const rootManifest = readJson(join(root, "package.json"));
// Installed as the peer every package declares; the pinned root version is the one the repo is tested with.
const tfjsCore = `@tensorflow/tfjs-core@${rootManifest.devDependencies?.["@tensorflow/tfjs-core"] ?? "^4"}`;

const tempDirs = [];
process.on("exit", () => tempDirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => process.exit(130));

const args = process.argv.slice(2);
try {
  if (args[0] === "--self-test" && args.length <= 2) process.exitCode = selfTest(args[1]) ? 0 : 1;
  else if (args.length === 0) process.exitCode = report(checkPackages(publishablePackages())) ? 0 : 1;
  else {
    console.error(
      `check-packages: unknown arguments ${JSON.stringify(args)}; usage: check-packages.mjs [--self-test [name]]`,
    );
    process.exitCode = 2;
  }
} catch (error) {
  console.error(`check-packages: ${error.message}`);
  process.exitCode = 1;
}

/** All workspace packages, publishable or not: { dir, manifest }. */
function workspacePackages() {
  return (rootManifest.workspaces ?? []).map((rel) => {
    const dir = join(root, rel);
    return { dir, manifest: readJson(join(dir, "package.json")) };
  });
}

function publishablePackages() {
  return workspacePackages().filter((p) => !p.manifest.private);
}

/**
 * Runs every check on `packages` ({ dir, manifest }) and returns, in order, { name, problems, note }.
 * One pack and one install cover all of them: that is most of the cost.
 */
function checkPackages(packages) {
  const results = new Map(
    packages.map(({ manifest }) => [manifest.name, { name: manifest.name, problems: [], note: "" }]),
  );
  for (const { dir, manifest } of packages) {
    const result = results.get(manifest.name);
    result.problems.push(...manifestProblems(manifest));
    if (!existsSync(join(dir, "dist"))) result.problems.push(`dist/ missing in ${dir}: run \`npm run build\` first`);
    else result.problems.push(...undeclaredImports(manifest, join(dir, "dist")));
    if (!existsSync(join(dir, "LICENSE")))
      result.problems.push(
        `LICENSE missing in ${dir}: the tarball would ship without the license its "license" field names`,
      );
  }

  // A package whose internal dependency cannot be packed would make npm fetch that dependency from the
  // registry, testing someone else's code (or failing on a 404); such packages are skipped, and say why.
  const internalNames = new Set([...workspacePackages(), ...packages].map((p) => p.manifest.name));
  const installable = new Set(packages.filter((p) => existsSync(join(p.dir, "dist"))).map((p) => p.manifest.name));
  for (let changed = true; changed; ) {
    changed = false;
    for (const { manifest } of packages) {
      if (!installable.has(manifest.name)) continue;
      const blocker = internalDependencies(manifest, internalNames).find((dep) => !installable.has(dep));
      if (blocker) {
        installable.delete(manifest.name);
        results
          .get(manifest.name)
          .problems.push(`not installed: its dependency ${blocker} cannot be packed (see its line)`);
        changed = true;
      }
    }
  }

  const toInstall = packages.filter((p) => installable.has(p.manifest.name));
  if (toInstall.length > 0) {
    try {
      installAndProbe(toInstall, results, internalNames);
    } catch (error) {
      console.log(error.message);
      for (const { manifest } of toInstall)
        results.get(manifest.name).problems.push(`not probed: ${error.message.split("\n")[0]}`);
    }
  }
  return [...results.values()];
}

/** Problems with the package.json fields npm, Node and bundlers rely on; each names the field and value. */
function manifestProblems(manifest) {
  const problems = [];
  const expect = (field, actual, expected) => {
    if (JSON.stringify(actual) !== JSON.stringify(expected)) {
      problems.push(`${field}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
    }
  };
  expect("type", manifest.type, "module");
  expect("sideEffects", manifest.sideEffects, false);
  expect("files", manifest.files, ["dist"]);
  // What the registry's page and `npm repo` / `npm bugs` read; the LICENSE file ships from the package folder.
  expect("repository.url", manifest.repository?.url, "git+https://github.com/tdrl/tdrl.git");
  if (typeof manifest.homepage !== "string" || !manifest.homepage.startsWith("https://"))
    problems.push(`homepage: expected an https URL, got ${JSON.stringify(manifest.homepage)}`);
  if (typeof manifest.bugs?.url !== "string") problems.push(`bugs.url: missing (got ${JSON.stringify(manifest.bugs)})`);
  if (!Array.isArray(manifest.keywords) || manifest.keywords.length === 0)
    problems.push(`keywords: expected a non-empty array, got ${JSON.stringify(manifest.keywords)}`);
  // Scoped packages publish as restricted unless told otherwise.
  if (typeof manifest.publishConfig !== "object" || manifest.publishConfig === null)
    problems.push("publishConfig: missing");
  else expect("publishConfig.access", manifest.publishConfig.access, "public");

  const entry = typeof manifest.exports === "object" && manifest.exports !== null ? manifest.exports["."] : undefined;
  if (typeof entry !== "object" || entry === null) {
    problems.push(`exports["."]: expected an object of conditions, got ${JSON.stringify(entry)}`);
    return problems;
  }
  const sharedTypes = typeof entry.types === "string";
  if (sharedTypes && Object.keys(entry)[0] !== "types")
    problems.push('exports["."]: "types" must be the first condition');
  problems.push(...formatProblems(entry, 'exports["."]', sharedTypes));
  // A package with Node-only parts: "node" gets the full entry, every other condition the browser-safe one,
  // and the "./node" subpath names the very same files (one module instance when both are imported).
  if ("node" in entry) {
    const firstCondition = Object.keys(entry).find((key) => key !== "types");
    if (firstCondition !== "node")
      problems.push('exports["."]: "node" must come before "import" and "require" (the first match wins)');
    if (typeof entry.node !== "object" || entry.node === null)
      problems.push(`exports["."].node: expected an object of conditions, got ${JSON.stringify(entry.node)}`);
    else {
      problems.push(...formatProblems(entry.node, 'exports["."].node', false));
      if (JSON.stringify(manifest.exports["./node"]) !== JSON.stringify(entry.node)) {
        problems.push(
          `exports["./node"]: expected the same targets as exports["."].node, got ${JSON.stringify(manifest.exports["./node"])}`,
        );
      }
    }
  }
  return problems;
}

/** Problems with the "import" and "require" conditions of one exports entry (labelled `where`). */
function formatProblems(entry, where, sharedTypes) {
  const problems = [];
  for (const condition of ["import", "require"]) {
    const target = entry[condition];
    const label = `${where}.${condition}`;
    if (target === undefined) problems.push(`${label}: missing`);
    else if (typeof target === "object" && target !== null) {
      // TypeScript takes the first matching condition, so "types" after "default" is never seen.
      if (typeof target.types === "string" && Object.keys(target)[0] !== "types")
        problems.push(`${label}: "types" must be the first condition`);
      if (typeof target.types !== "string" && !sharedTypes) problems.push(`${label}.types: missing`);
      if (typeof target.default !== "string") problems.push(`${label}.default: missing`);
    } else if (!sharedTypes) problems.push(`${label}.types: missing (${label} is ${JSON.stringify(target)})`);
  }
  return problems;
}

function internalDependencies(manifest, internalNames) {
  const deps = { ...manifest.dependencies, ...manifest.optionalDependencies, ...manifest.peerDependencies };
  return Object.keys(deps).filter((name) => internalNames.has(name));
}

/** Packs `packages` into one temporary project, installs them together, and runs the ESM and CJS probes. */
function installAndProbe(packages, results, internalNames) {
  const temp = mkdtempSync(join(tmpdir(), "tdrl-check-packages-"));
  tempDirs.push(temp);
  const tarballDir = join(temp, "tarballs");
  const projectDir = join(temp, "project");
  mkdirSync(tarballDir);
  mkdirSync(projectDir);

  let start = performance.now();
  const packed = JSON.parse(
    npm(
      ["pack", ...packages.map((p) => p.dir), "--pack-destination", tarballDir, "--json", "--ignore-scripts"],
      temp,
      "npm pack",
    ),
  );
  for (const tarball of packed) {
    const result = results.get(tarball.name);
    if (result) result.note = `${tarball.entryCount} files, ${(tarball.size / 1024).toFixed(1)} kB packed`;
  }
  console.log(`packed ${packed.length} tarballs in ${seconds(start)}`);

  start = performance.now();
  writeFileSync(
    join(projectDir, "package.json"),
    JSON.stringify({ name: "tdrl-package-check", private: true }, null, 2),
  );
  const tarballs = packed.map((t) => join(tarballDir, t.filename));
  npm(
    [
      "install",
      ...tarballs,
      tfjsCore,
      "--no-audit",
      "--no-fund",
      "--ignore-scripts",
      "--prefer-offline",
      "--loglevel=error",
    ],
    projectDir,
    "npm install",
  );
  console.log(`installed them with ${tfjsCore} in ${seconds(start)}`);

  // npm dedupes an internal dependency against the sibling tarball only when the version range matches;
  // otherwise it silently installs a registry copy, which the lockfile shows.
  const lock = readJson(join(projectDir, "package-lock.json"));
  for (const [path, entry] of Object.entries(lock.packages ?? {})) {
    const name = path.slice(path.lastIndexOf("node_modules/") + "node_modules/".length);
    if (!internalNames.has(name) || entry.resolved?.startsWith("file:")) continue;
    const dependents = packages.filter((p) => internalDependencies(p.manifest, new Set([name])).length > 0);
    for (const { manifest } of dependents) {
      results
        .get(manifest.name)
        .problems.push(
          `dependencies["${name}"]: ${JSON.stringify(manifest.dependencies?.[name])} did not match the packed ${name}; npm installed ${entry.resolved ?? path} instead`,
        );
    }
  }

  start = performance.now();
  for (const probe of ["probe-esm.mjs", "probe-cjs.cjs", "installed-files.cjs"])
    cpSync(join(probeDir, probe), join(projectDir, probe));
  for (const { manifest } of packages) {
    const problems = results.get(manifest.name).problems;
    for (const probe of ["probe-esm.mjs", "probe-cjs.cjs"]) {
      for (const problem of runProbe(probe, manifest.name, projectDir))
        if (!problems.includes(problem)) problems.push(problem);
    }
  }
  console.log(`probed ${packages.length} packages (ESM import, CJS require, named files) in ${seconds(start)}`);

  start = performance.now();
  for (const [name, problems] of typeProbe(packages, projectDir)) results.get(name).problems.push(...problems);
  console.log(`type-checked imports of ${packages.length} packages from .mts and .cts consumers in ${seconds(start)}`);
}

/**
 * A TypeScript consumer with node16 resolution imports every package from an ES module and a CommonJS
 * module: this is what fails when `types` in the exports map points at a missing file or when a package
 * ships declarations that do not match its format. One tsc run covers all packages; errors are attributed by file.
 */
function typeProbe(packages, projectDir) {
  const files = [];
  packages.forEach(({ manifest }, i) => {
    for (const ext of ["mts", "cts"]) {
      const file = `types-${i}.${ext}`;
      const body =
        ext === "mts"
          ? `import * as m from "${manifest.name}";\nexport const names: string[] = Object.keys(m);\n`
          : `import m = require("${manifest.name}");\nexport const names: string[] = Object.keys(m);\n`;
      writeFileSync(join(projectDir, file), body);
      files.push({ file, name: manifest.name });
    }
  });
  const tsconfig = {
    compilerOptions: {
      module: "node16",
      moduleResolution: "node16",
      target: "es2022",
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      types: [],
    },
    files: files.map((f) => f.file),
  };
  writeFileSync(join(projectDir, "tsconfig.json"), JSON.stringify(tsconfig, null, 2));
  const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
  const run = spawnSync(process.execPath, [tsc, "-p", "tsconfig.json"], {
    cwd: projectDir,
    encoding: "utf8",
    timeout: 300_000,
  });
  const problems = new Map();
  if (run.status === 0) return problems;
  const lines = `${run.stdout ?? ""}${run.stderr ?? ""}`.split("\n").filter((l) => l.trim());
  for (const { file, name } of files) {
    for (const line of lines.filter((l) => l.startsWith(file))) {
      if (!problems.has(name)) problems.set(name, []);
      problems.get(name).push(`types (${file.endsWith("mts") ? "ESM" : "CJS"} consumer): ${line.slice(file.length)}`);
    }
  }
  if (problems.size === 0)
    problems.set(packages[0].manifest.name, [`tsc failed on the consumer project: ${lines.slice(0, 5).join(" | ")}`]);
  return problems;
}

function runProbe(probe, name, cwd) {
  const run = spawnSync(process.execPath, [probe, name], { cwd, encoding: "utf8", timeout: 120_000 });
  const verdict = run.stdout?.split("\n").find((line) => line.startsWith("PROBE_RESULT "));
  if (verdict) return JSON.parse(verdict.slice("PROBE_RESULT ".length));
  const why = run.error ? run.error.message : `exit code ${run.status}, signal ${run.signal}`;
  const stderrTail = (run.stderr ?? "").trim().split("\n").slice(-3).join(" | ");
  return [`${probe} crashed on ${name} (${why}): ${stderrTail}`];
}

/** Runs npm and returns its stdout; throws with npm's own error output when it fails. */
function npm(npmArgs, cwd, what) {
  const run = spawnSync("npm", npmArgs, {
    cwd,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    shell: process.platform === "win32",
  });
  if (run.status !== 0) {
    const output = `${run.stdout ?? ""}\n${run.stderr ?? ""}`
      .trim()
      .split("\n")
      .filter((l) => !l.includes('Unknown user config "nodedir"'));
    throw new Error(
      `${what} failed (${run.error?.message ?? `exit code ${run.status}`}) in ${cwd}:\n${output.slice(-30).join("\n")}`,
    );
  }
  return run.stdout;
}

/** Prints one line per package (and its problems); returns true when all passed. */
function report(results) {
  const width = Math.max(...results.map((r) => r.name.length));
  for (const { name, problems, note } of results) {
    if (problems.length === 0) console.log(`ok    ${name.padEnd(width)}  ${note}`);
    else {
      console.log(`FAIL  ${name}`);
      for (const problem of problems) console.log(`        - ${problem}`);
    }
  }
  const failed = results.filter((r) => r.problems.length > 0).length;
  console.log(failed === 0 ? `all ${results.length} packages pass` : `${failed} of ${results.length} packages fail`);
  return failed === 0;
}

/**
 * Breaks copies of one built package in ways a release could, renames them so they install beside the
 * original, and checks them all in one run: every copy must fail with the expected problem, and the
 * untouched original and its internal dependencies must pass (else the check would "fail" on anything).
 */
function selfTest(targetName) {
  const publishable = publishablePackages();
  const internalNames = new Set(workspacePackages().map((p) => p.manifest.name));
  const target = targetName
    ? publishable.find((p) => p.manifest.name === targetName)
    : publishable.find((p) => internalDependencies(p.manifest, internalNames).length === 0);
  if (!target) {
    console.error(
      `self-test: no publishable package ${targetName ? `named ${targetName}` : "without internal dependencies"}`,
    );
    return false;
  }
  if (!existsSync(join(target.dir, "dist"))) {
    console.error(`self-test: ${target.manifest.name} has no dist/ in ${target.dir}; run \`npm run build\` first`);
    return false;
  }

  const cases = [
    {
      id: "broken-import-path",
      breakExports: (entry) => (entry.import.default = "./dist/does-not-exist.js"),
      expect: [".import.default -> ./dist/does-not-exist.js", "ESM import of"],
    },
    {
      id: "broken-types-path",
      breakExports: (entry) => (entry.require.types = "./dist/does-not-exist.d.cts"),
      expect: [".require.types -> ./dist/does-not-exist.d.cts"],
    },
    {
      id: "missing-require",
      // Also from the browser-safe conditions beside "node", which a CJS consumer would otherwise fall through to.
      breakExports: (entry, dot) => {
        delete entry.require;
        delete dot.require;
      },
      expect: [".require: missing", "CJS require of"],
    },
    {
      id: "undeclared-import",
      // The install still has tfjs-core (every package's peer), so only the static import check can see it.
      breakExports: () => {},
      breakManifest: (manifest) => {
        delete manifest.peerDependencies?.["@tensorflow/tfjs-core"];
        delete manifest.dependencies?.["@tensorflow/tfjs-core"];
      },
      expect: ['imports "@tensorflow/tfjs-core", which package.json does not declare'],
    },
  ];

  const temp = mkdtempSync(join(tmpdir(), "tdrl-check-packages-self-test-"));
  tempDirs.push(temp);
  const broken = cases.map(({ id, breakExports, breakManifest }) => {
    const dir = join(temp, id);
    cpSync(join(target.dir, "dist"), join(dir, "dist"), { recursive: true });
    const manifest = structuredClone(target.manifest);
    manifest.name = `@tdrl-self-test/${id}`;
    // With a "node" condition, that is what Node (and so the probes) resolve: break it there.
    const entry = manifest.exports?.["."]?.node ?? manifest.exports?.["."];
    if (typeof entry?.import !== "object" || typeof entry?.require !== "object") {
      throw new Error(
        `self-test: expected ${target.manifest.name} exports["."] to hold import and require objects, got ${JSON.stringify(entry)}`,
      );
    }
    breakExports(entry, manifest.exports["."]);
    breakManifest?.(manifest);
    if (manifest.exports["./node"] !== undefined) manifest.exports["./node"] = entry;
    writeFileSync(join(dir, "package.json"), JSON.stringify(manifest, null, 2));
    return { dir, manifest };
  });

  const closure = [target];
  for (let i = 0; i < closure.length; i++) {
    for (const dep of internalDependencies(closure[i].manifest, internalNames)) {
      const pkg = publishable.find((p) => p.manifest.name === dep);
      if (pkg && !closure.includes(pkg)) closure.push(pkg);
    }
  }

  console.log(
    `self-test: checking ${target.manifest.name} (and its dependencies) and ${cases.length} broken copies of it`,
  );
  const results = checkPackages([...closure, ...broken]);
  report(results);

  const verdicts = [];
  for (const { manifest } of closure) {
    const { problems } = results.find((r) => r.name === manifest.name);
    if (problems.length > 0)
      verdicts.push(`control ${manifest.name} should pass but failed; fix it before trusting the self-test`);
  }
  cases.forEach(({ id, expect }, i) => {
    const { problems } = results.find((r) => r.name === broken[i].manifest.name);
    const missing = expect.filter((text) => !problems.some((p) => p.includes(text)));
    if (problems.length === 0) verdicts.push(`${id}: the check passed a broken package`);
    else if (missing.length > 0)
      verdicts.push(`${id}: failed, but without the expected problem(s) ${JSON.stringify(missing)}`);
  });
  if (verdicts.length > 0) {
    console.log(`self-test FAILED:\n${verdicts.map((v) => `  - ${v}`).join("\n")}`);
    return false;
  }
  console.log(
    `self-test passed: the check rejects all ${cases.length} broken copies and passes the originals (the FAIL lines above are expected)`,
  );
  return true;
}

function readJson(path) {
  return JSON.parse(readFileSync(path, "utf8"));
}

function seconds(start) {
  return `${((performance.now() - start) / 1000).toFixed(1)}s`;
}
