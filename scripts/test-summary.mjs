// Sums the vitest JSON reports of every workspace (written by `npm test`) into one closing line,
// `tests: N passed, N failed, N skipped`, and fails if any package reported a failure or no test ran at all.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const { workspaces } = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
let passed = 0;
let failed = 0;
let skipped = 0;
for (const ws of workspaces) {
  const file = join(root, ws, "test-results.json");
  if (!existsSync(file)) continue;
  const r = JSON.parse(readFileSync(file, "utf8"));
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  skipped += r.numPendingTests + (r.numTodoTests ?? 0);
  console.log(`${ws.padEnd(24)} ${r.numPassedTests} passed, ${r.numFailedTests} failed`);
}
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
if (failed > 0 || passed === 0) process.exit(1);
