// The changeset check of CI (`npm run check:changesets`), in two parts:
// 1. Every .changeset/*.md parses (changesets' own parser, which also checks the bumps) and names only
//    published workspace packages, and says what changed. This holds on any clone, main included.
// 2. When there is a base to compare with (`--base=<ref>`, else origin/main, else main) and HEAD is not on
//    it, i.e. on a branch: `changeset status --since=<base>`, and every published package whose shipped
//    files (src/ outside tests, package.json, README.md) changed since the merge base is named by a changeset
//    added since then (`"<package>": none` there says the change needs no release, and an empty changeset,
//    `changeset add --empty`, says so for the whole branch). On CI's fresh
//    clone of main HEAD is the base: there is nothing to compare, and only part 1 runs.
// `--self-test` runs both parts on scratch git repositories and expects each broken case to be refused.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import parseChangeset from "@changesets/parse";

const REPO = join(dirname(fileURLToPath(import.meta.url)), "..");
/** Files of a package that do not ship or change no behaviour: tests, test helpers, benchmarks. */
const NOT_SHIPPED = [/\.test\.tsx?$/, /\.test-d\.ts$/, /^test\//, /^bench\//];

if (process.argv.includes("--self-test")) selfTest();
else {
  const problems = checkChangesets(REPO, { status: true });
  if (problems.length > 0) {
    console.error(problems.map((p) => `check-changesets: ${p}`).join("\n"));
    process.exit(1);
  }
}

/** The problems found in the repository at `root` (none: an empty list); `status` also runs `changeset status`. */
function checkChangesets(root, { status }) {
  const packages = workspacePackages(root);
  const config = JSON.parse(readFileSync(join(root, ".changeset", "config.json"), "utf8"));
  const ignored = new Set(config.ignore ?? []);
  const problems = [];
  const files = changesetFiles(root);
  for (const file of files) problems.push(...validate(root, file, packages, ignored));
  console.log(`${files.length} changeset(s) parse and name published packages${problems.length ? ": no" : ""}`);
  if (problems.length > 0) return problems;

  const base = baseRef(root);
  if (base === null) {
    console.log("no base ref (--base=<ref>, origin/main or main): nothing to compare with");
    return problems;
  }
  const mergeBase = git(root, ["merge-base", base, "HEAD"]);
  if (mergeBase === git(root, ["rev-parse", "HEAD"])) {
    console.log(`HEAD is ${base} (or behind it): no branch changes to check`);
    return problems;
  }
  if (status) {
    const cli = join(root, "node_modules", ".bin", "changeset");
    const run = spawnSync(cli, ["status", `--since=${mergeBase}`], { cwd: root, stdio: "inherit" });
    if (run.status !== 0) return [...problems, `changeset status --since=${base} failed (exit ${run.status})`];
  }
  const added = changedFiles(root, mergeBase, ["--diff-filter=AM", "--", ".changeset"]).filter(
    (f) => /^\.changeset\/.+\.md$/.test(f) && !f.endsWith("README.md"),
  );
  const named = new Set();
  let empty = false;
  for (const file of added) {
    const { releases } = parseChangeset(readFileSync(join(root, file), "utf8"));
    if (releases.length === 0) empty = true;
    for (const r of releases) named.add(r.name);
  }
  const changed = changedPackages(root, mergeBase, packages, ignored);
  const missing = empty ? [] : changed.filter((name) => !named.has(name));
  for (const name of missing)
    problems.push(`${name} changed since ${base} but no changeset added since then names it (npm run changeset)`);
  if (missing.length === 0)
    console.log(
      `${changed.length} changed package(s) since ${base}, each with a changeset${empty ? " (or an empty one)" : ""}`,
    );
  return problems;
}

/** `.changeset/*.md` except the README, as paths relative to `root`. */
function changesetFiles(root) {
  return readdirSync(join(root, ".changeset"))
    .filter((f) => f.endsWith(".md") && f !== "README.md")
    .sort()
    .map((f) => `.changeset/${f}`);
}

function validate(root, file, packages, ignored) {
  let parsed;
  try {
    parsed = parseChangeset(readFileSync(join(root, file), "utf8"));
  } catch (e) {
    return [`${file}: does not parse as a changeset: ${String(e.message).split("\n")[0]}`];
  }
  const problems = [];
  for (const { name } of parsed.releases) {
    const manifest = packages.get(name);
    if (manifest === undefined) problems.push(`${file}: "${name}" is not a package of this repository`);
    else if (manifest.private === true || ignored.has(name))
      problems.push(`${file}: "${name}" is not published (private or ignored in .changeset/config.json)`);
  }
  if (parsed.releases.length > 0 && parsed.summary.trim() === "")
    problems.push(`${file}: says nothing about the change (the text after the front matter is empty)`);
  return problems;
}

/** Workspace manifests by package name, with the folder of each. */
function workspacePackages(root) {
  const packages = new Map();
  for (const group of ["packages", "apps"]) {
    const dir = join(root, group);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      const file = join(dir, name, "package.json");
      if (!existsSync(file)) continue;
      const manifest = JSON.parse(readFileSync(file, "utf8"));
      packages.set(manifest.name, { ...manifest, folder: `${group}/${name}` });
    }
  }
  return packages;
}

/** The published packages whose shipped files differ between `mergeBase` and the working tree. */
function changedPackages(root, mergeBase, packages, ignored) {
  const files = changedFiles(root, mergeBase, []);
  const changed = [];
  for (const [name, manifest] of packages) {
    if (manifest.private === true || ignored.has(name)) continue;
    const prefix = `${manifest.folder}/`;
    const shipped = files
      .filter((f) => f.startsWith(prefix))
      .map((f) => f.slice(prefix.length))
      .filter(
        (f) =>
          (f.startsWith("src/") || f === "package.json" || f === "README.md") && !NOT_SHIPPED.some((re) => re.test(f)),
      );
    if (shipped.length > 0) changed.push(name);
  }
  return changed;
}

/** Files that differ from `mergeBase` in the working tree, untracked ones included; `args` narrow the diff. */
function changedFiles(root, mergeBase, args) {
  const paths = args.includes("--") ? args.slice(args.indexOf("--") + 1) : [];
  const diff = git(root, ["diff", "--name-only", mergeBase, ...args]);
  const untracked = git(root, ["ls-files", "--others", "--exclude-standard", "--", ...paths]);
  return `${diff}\n${untracked}`.split("\n").filter(Boolean);
}

function baseRef(root) {
  const given = process.argv.find((a) => a.startsWith("--base="));
  const candidates = given !== undefined ? [given.slice("--base=".length)] : ["origin/main", "main"];
  for (const ref of candidates) {
    const r = spawnSync("git", ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`], { cwd: root });
    if (r.status === 0) return ref;
  }
  return null;
}

function git(cwd, args) {
  return execFileSync("git", args, { cwd, encoding: "utf8" }).trim();
}

/** Scratch repositories, one per case: the good ones must pass, each broken one must be refused. */
function selfTest() {
  const scratch = mkdtempSync(join(tmpdir(), "check-changesets-"));
  const failures = [];
  const write = (root, file, text) => {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), text);
  };
  const commit = (root, message) => {
    git(root, ["add", "-A"]);
    git(root, ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", message]);
  };
  const changeset = (releases, summary = "Something changed.") =>
    `---\n${releases.map(([n, t]) => `"${n}": ${t}`).join("\n")}\n---\n\n${summary}\n`;
  let n = 0;
  const expect = (title, setUp, refused) => {
    const root = join(scratch, String(n++));
    mkdirSync(root);
    git(root, ["init", "-q", "-b", "main"]);
    write(root, ".changeset/config.json", JSON.stringify({ ignore: ["app"] }));
    write(root, "packages/a/package.json", JSON.stringify({ name: "@x/a" }));
    write(root, "packages/a/src/a.ts", "export const a = 1;\n");
    write(root, "packages/b/package.json", JSON.stringify({ name: "@x/b" }));
    write(root, "apps/app/package.json", JSON.stringify({ name: "app", private: true }));
    write(root, ".changeset/old.md", changeset([["@x/a", "patch"]]));
    commit(root, "main");
    setUp(root);
    const problems = checkChangesets(root, { status: false });
    const text = problems.join("\n");
    if (refused === null ? problems.length > 0 : !text.includes(refused))
      failures.push(
        `${title}: expected ${refused === null ? "no problems" : `a problem with "${refused}"`}, got: ${text || "none"}`,
      );
  };
  try {
    expect("main itself", () => {}, null);
    expect(
      "a branch with a changeset",
      (r) => {
        git(r, ["checkout", "-qb", "work"]);
        write(r, "packages/a/src/a.ts", "export const a = 2;\n");
        write(r, ".changeset/work.md", changeset([["@x/a", "minor"]]));
        commit(r, "work");
      },
      null,
    );
    expect(
      "a branch changing only tests",
      (r) => {
        git(r, ["checkout", "-qb", "work"]);
        write(r, "packages/a/src/a.test.ts", "test\n");
        write(r, "packages/a/test/helper.ts", "helper\n");
        commit(r, "work");
      },
      null,
    );
    expect(
      "an empty changeset",
      (r) => {
        git(r, ["checkout", "-qb", "work"]);
        write(r, "packages/a/src/a.ts", "export const a = 2;\n");
        write(r, ".changeset/none.md", "---\n---\n");
        commit(r, "work");
      },
      null,
    );
    expect(
      "a branch without a changeset",
      (r) => {
        git(r, ["checkout", "-qb", "work"]);
        write(r, "packages/a/src/a.ts", "export const a = 2;\n");
        commit(r, "work");
      },
      "@x/a changed since main but no changeset",
    );
    expect(
      "a changeset for another package",
      (r) => {
        git(r, ["checkout", "-qb", "work"]);
        write(r, "packages/a/src/a.ts", "export const a = 2;\n");
        write(r, ".changeset/work.md", changeset([["@x/b", "patch"]]));
        commit(r, "work");
      },
      "@x/a changed since main",
    );
    expect(
      "an unknown package",
      (r) => write(r, ".changeset/bad.md", changeset([["@x/zzz", "patch"]])),
      '"@x/zzz" is not a package',
    );
    expect(
      "an ignored package",
      (r) => write(r, ".changeset/bad.md", changeset([["app", "patch"]])),
      '"app" is not published',
    );
    expect(
      "a bad bump",
      (r) => write(r, ".changeset/bad.md", changeset([["@x/a", "huge"]])),
      'invalid version type "huge"',
    );
    expect("no summary", (r) => write(r, ".changeset/bad.md", changeset([["@x/a", "patch"]], "")), "says nothing");
    expect(
      "broken front matter",
      (r) => write(r, ".changeset/bad.md", '---\n"@x/a: patch\n---\n\nx\n'),
      "does not parse",
    );
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  if (failures.length > 0) {
    console.error(`check-changesets self-test failed:\n${failures.join("\n")}`);
    process.exit(1);
  }
  console.log(`check-changesets self-test: ${n} cases as expected`);
}
