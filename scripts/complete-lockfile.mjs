// The registry these machines reach serves only the platform packages it can install here, so `npm install`
// writes a package-lock.json without the other platforms' optional binaries (rollup, turbo, esbuild...).
// `npm ci` then rejects the lock ("Missing: @rollup/rollup-android-arm-eabi@ from lock file").
// This script adds an entry for every optional dependency the lock names but does not hold, marked
// optional, so `npm ci` accepts the lock and skips them on platforms where they do not apply.
// Run it after every `npm install` that changes the lock: `node scripts/complete-lockfile.mjs`.
import { readFileSync, writeFileSync } from "node:fs";

const file = new URL("../package-lock.json", import.meta.url);
const lock = JSON.parse(readFileSync(file, "utf8"));
const packages = lock.packages;
let added = 0;
for (const [path, entry] of Object.entries(packages)) {
  for (const [name, range] of Object.entries(entry.optionalDependencies ?? {})) {
    const nested = `${path ? `${path}/` : ""}node_modules/${name}`;
    const hoisted = `node_modules/${name}`;
    if (packages[nested] || packages[hoisted]) continue;
    const version = range.replace(/^[\^~=]/, "");
    if (!/^\d+\.\d+\.\d+(-[\w.]+)?$/.test(version)) {
      throw new Error(
        `complete-lockfile: ${path || "root"} wants ${name}@${range}; only exact versions can be filled in`,
      );
    }
    packages[hoisted] = { version, ...(entry.dev ? { dev: true } : {}), optional: true };
    added++;
  }
}
const sorted = Object.fromEntries(
  Object.entries(packages).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a.localeCompare(b))),
);
lock.packages = sorted;
writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`complete-lockfile: added ${added} optional platform entries`);
