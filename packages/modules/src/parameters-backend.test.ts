import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

const packageDir = fileURLToPath(new URL("../", import.meta.url));

it("building a module before initBackend() says to call initBackend(), not tfjs's bare registry error", () => {
  const out = spawnSync(process.execPath, ["--import", "tsx", "test/module-before-backend.mts"], {
    cwd: packageDir,
    encoding: "utf8",
    timeout: 60_000,
  });
  expect(out.stderr).toBe("");
  expect(out.stdout).toContain("Creating a module's parameters: no tfjs backend is ready");
  expect(out.stdout).toContain("await initBackend()");
});
