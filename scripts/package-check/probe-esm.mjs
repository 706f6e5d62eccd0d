// Imports one installed package the way an ESM consumer would; run by check-packages.mjs inside the
// temporary consumer project. Prints one `PROBE_RESULT <json>` line so library noise on stdout/stderr
// (tfjs prints advice on import) cannot be mistaken for a verdict.
import installedFiles from "./installed-files.cjs";

const name = process.argv[2];
const problems = [];
try {
  const m = await import(name);
  if (Object.keys(m).length === 0) problems.push(`ESM import of ${name}: the module has no exports`);
} catch (error) {
  problems.push(`ESM import of ${name} failed: ${String(error?.message ?? error).split("\n")[0]}`);
}
problems.push(...installedFiles.missingNamedFiles(process.cwd(), name));
console.log(`PROBE_RESULT ${JSON.stringify(problems)}`);
