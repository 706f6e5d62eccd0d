// Runs the two standard checks of a package as the registry will serve it, on every publishable workspace
// package: publint (package.json fields, exports, files; --strict: suggestions fail too) and
// @arethetypeswrong/cli (types resolve for every entry under node16 ESM and CJS and bundlers; node10's
// resolution, which has no exports maps and so no subpaths, is ignored). Run after `npm run build`.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const bin = (name) => join(root, "node_modules", ".bin", name);
const workspaces = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).workspaces ?? [];
let failed = 0;
for (const rel of workspaces) {
  const dir = join(root, rel);
  const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  if (manifest.private) continue;
  for (const [tool, args] of [
    ["publint", [dir, "--strict"]],
    ["attw", ["--pack", dir, "--profile", "node16", "--format", "ascii"]],
  ]) {
    const run = spawnSync(bin(tool), args, { cwd: root, encoding: "utf8" });
    if (run.status === 0) console.log(`ok    ${manifest.name} ${tool}`);
    else {
      failed++;
      console.log(`FAIL  ${manifest.name} ${tool} (exit ${run.status})\n${run.stdout}${run.stderr}`);
    }
  }
}
console.log(failed === 0 ? "publint and attw pass for every package" : `${failed} check(s) failed`);
process.exitCode = failed === 0 ? 0 : 1;
