// Installs from the lockfile when node_modules is missing or older than package-lock.json, so `npm start` and
// `npm test` work on a fresh clone without a separate `npm ci`. Uses only Node built-ins: it runs before install.
import { spawnSync } from "node:child_process";
import { statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const lockfile = join(root, "package-lock.json");
// npm writes this file at the end of every install; its age is the age of node_modules.
const installed = join(root, "node_modules", ".package-lock.json");

function mtime(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

const lockTime = mtime(lockfile);
const installTime = mtime(installed);
if (installTime === undefined || (lockTime !== undefined && installTime < lockTime)) {
  const why = installTime === undefined ? "node_modules is missing" : "package-lock.json is newer than node_modules";
  console.log(`tdrl: ${why}; installing from the lockfile (npm ci)...`);
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const result = spawnSync(npm, ["ci", "--no-audit", "--no-fund"], { cwd: root, stdio: "inherit" });
  if (result.status !== 0) {
    console.error(`tdrl: npm ci failed (exit ${result.status ?? result.signal}); fix the error above and run it again`);
    process.exit(result.status ?? 1);
  }
}
