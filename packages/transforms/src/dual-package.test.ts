import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

const packageDir = fileURLToPath(new URL("../", import.meta.url));

it("ESM and CJS copies of tensordict, envs and transforms in one process accept each other's records, specs and envs", () => {
  const out = spawnSync(process.execPath, ["--import", "tsx", "test/dual-package.mts"], {
    cwd: packageDir,
    encoding: "utf8",
    timeout: 120_000,
  });
  expect(out.stderr).toBe("");
  expect(out.stdout.trim().split("\n")).toEqual([
    "two copies: true",
    "ESM TensorDict from a CJS env's leaves: ok",
    "ESM TensorDict nesting a CJS TensorDict: ok",
    "ESM env steps a CJS record: ok",
    "ESM Composite holding a CJS spec: ok",
    "CJS Composite holding an ESM spec: ok",
    "ESM TransformedEnv over a CJS env with ESM transforms: ok",
    "an unbranded subclass keeps the ordinary instanceof: true",
  ]);
});
