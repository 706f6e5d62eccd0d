import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import * as backend from "../../backend/src/index";
import * as tensordict from "./index";

// @tdrl/tensordict is the data package every other one depends on: the tfjs backend set-up moved out to
// @tdrl/backend (0.2), with no re-export left behind, and the arrow must not come back.
const packageDir = new URL("..", import.meta.url).pathname;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

describe("package edges", () => {
  it("exports none of @tdrl/backend's names (an old import of one fails to compile, naming it)", () => {
    const names = Object.keys(backend);
    expect(names).toContain("initBackend");
    expect(names.filter((name) => name in tensordict)).toEqual([]);
  });

  it("declares no dependency on @tdrl/backend or a tfjs backend, and ships code importing none", () => {
    const manifest = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")) as Record<
      string,
      Record<string, string> | undefined
    >;
    const declared = ["dependencies", "peerDependencies", "optionalDependencies"].flatMap((field) =>
      Object.keys(manifest[field] ?? {}),
    );
    expect(declared).toEqual(["@tensorflow/tfjs-core"]);
    const shipped = sourceFiles(join(packageDir, "src")).filter(
      (f) => f.endsWith(".ts") && !/\.test(-d)?\.ts$/.test(f),
    );
    const offending = shipped.filter((f) =>
      /from "(@tdrl\/backend|@tensorflow\/tfjs-(backend-|node))/.test(readFileSync(f, "utf8")),
    );
    expect(offending).toEqual([]);
  });
});
