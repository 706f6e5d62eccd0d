// Lists the files a package.json names (every exports target, main, module, types) that are absent from
// the installed package. It runs inside the temporary consumer project, so it sees what the tarball
// delivered rather than what happens to lie in the workspace's dist/.
const { existsSync, readFileSync } = require("node:fs");
const { join } = require("node:path");

function exportTargets(value, label, out) {
  if (typeof value === "string") {
    // Pattern targets ("./*") name a family of files, not one; the probes import the root entry instead.
    if (!value.includes("*")) out.push([label, value]);
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => exportTargets(v, `${label}[${i}]`, out));
  } else if (value && typeof value === "object") {
    for (const [key, v] of Object.entries(value)) exportTargets(v, `${label}[${JSON.stringify(key)}]`, out);
  }
}

function namedFiles(manifest) {
  const out = [];
  if (typeof manifest.exports === "string") out.push(["exports", manifest.exports]);
  else if (manifest.exports && typeof manifest.exports === "object") {
    for (const [key, v] of Object.entries(manifest.exports)) exportTargets(v, `exports[${JSON.stringify(key)}]`, out);
  }
  for (const field of ["main", "module", "types", "typings"]) {
    if (typeof manifest[field] === "string") out.push([field, manifest[field]]);
  }
  // Labels like exports["."]["import"]["types"] read better as exports["."].import.types.
  return out.map(([label, target]) => [label.replace(/\["([A-Za-z_$][\w$]*)"\]/g, ".$1"), target]);
}

/** Problems, one line each, for the files `name`'s manifest names but its installed copy lacks. */
function missingNamedFiles(projectDir, name) {
  const dir = join(projectDir, "node_modules", ...name.split("/"));
  const manifestPath = join(dir, "package.json");
  if (!existsSync(manifestPath)) return [`not installed: ${manifestPath} does not exist`];
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
  return namedFiles(manifest)
    .filter(([, target]) => !existsSync(join(dir, target)))
    .map(([label, target]) => `${label} -> ${target}: not in the installed package`);
}

module.exports = { missingNamedFiles };
