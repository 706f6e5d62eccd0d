import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { writeSynced } from "./fs-sync";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "fs-sync-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("writeSynced", () => {
  it("replaces a file with text or bytes and leaves no temporary", () => {
    const file = join(dir, "a.txt");
    writeFileSync(file, "old content that is longer");
    writeSynced(file, "new");
    expect(readFileSync(file, "utf8")).toBe("new");
    writeSynced(file, new Uint8Array([0, 255, 7]));
    expect([...readFileSync(file)]).toEqual([0, 255, 7]);
    expect(readdirSync(dir)).toEqual(["a.txt"]);
  });

  it("leaves the old file and no temporary when the write fails", () => {
    const file = join(dir, "a.txt");
    writeFileSync(file, "old");
    // A leftover temporary from a crashed writer with this pid is replaced, not appended to or refused.
    writeFileSync(`${file}.tmp-${process.pid}`, "stale");
    writeSynced(file, "new");
    expect(readFileSync(file, "utf8")).toBe("new");
    expect(() => writeSynced(join(dir, "missing", "b.txt"), "x")).toThrow(/ENOENT/);
    expect(readdirSync(dir)).toEqual(["a.txt"]);
  });
});
