import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const packageDir = fileURLToPath(new URL("../", import.meta.url));

function runFixture(mode: "throw" | "reject"): { status: number | null; stderr: string } {
  const out = spawnSync(process.execPath, ["--import", "tsx", "test/throw-after-wasm.mts", mode], {
    cwd: packageDir,
    encoding: "utf8",
    env: { ...process.env, TDRL_BACKEND: "", TDRL_WASM_THREADS: "" },
    timeout: 60_000,
  });
  return { status: out.status, stderr: out.stderr };
}

describe("after initBackend chose wasm, a user's uncaught error", () => {
  it("prints the user's error and stack, not the wasm glue's minified source", () => {
    const { status, stderr } = runFixture("throw");
    expect(status).not.toBe(0);
    expect(stderr).toContain("Error: user error 7");
    expect(stderr).toContain("throw-after-wasm.mts");
    expect(stderr).not.toContain("tfjs-backend-wasm");
    expect(stderr.length).toBeLessThan(2_000);
  });

  it("does the same for an unhandled rejection", () => {
    const { status, stderr } = runFixture("reject");
    expect(status).not.toBe(0);
    expect(stderr).toContain("Error: user rejection 7");
    expect(stderr).not.toContain("tfjs-backend-wasm");
    expect(stderr.length).toBeLessThan(2_000);
  });
});
