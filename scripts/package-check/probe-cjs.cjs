// The CommonJS twin of probe-esm.mjs: `require`s one installed package as a CJS consumer would.
const { missingNamedFiles } = require("./installed-files.cjs");

const name = process.argv[2];
const problems = [];
try {
  const m = require(name);
  if (m === null || typeof m !== "object" || Object.keys(m).length === 0) {
    problems.push(`CJS require of ${name}: the module has no exports`);
  }
} catch (error) {
  problems.push(`CJS require of ${name} failed: ${String(error?.message ?? error).split("\n")[0]}`);
}
problems.push(...missingNamedFiles(process.cwd(), name));
console.log(`PROBE_RESULT ${JSON.stringify(problems)}`);
