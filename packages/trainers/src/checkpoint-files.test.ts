import { spawn } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { hasCheckpoint, readCheckpoint, writeCheckpoint } from "./checkpoint-files";

let root: string;
let dir: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "checkpoint-files-"));
  dir = join(root, "checkpoint");
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const contents = (i: number) => ({
  json: { counters: { frames: 1000 * i, episodes: i }, rng: { words: [1, 2, 3, i] } },
  arrays: {
    weights: new Float32Array([0.1, -2.5, i]),
    buffer: new Uint8Array([1, 2, 3, i]),
    ids: new Int32Array([-1, i]),
  },
  dirs: {
    replay: (d: string) => {
      mkdirSync(join(d, "inner"));
      writeFileSync(join(d, "inner", "a.bin"), new Uint8Array([i, i, i]));
      writeFileSync(join(d, "b.json"), JSON.stringify({ i }));
    },
  },
});

describe("writeCheckpoint / readCheckpoint", () => {
  it("round-trips json, typed arrays and writer directories exactly", () => {
    writeCheckpoint(dir, contents(1));
    expect(hasCheckpoint(dir)).toBe(true);
    const ckpt = readCheckpoint(dir);
    expect(ckpt.dir).toBe(dir);
    expect(ckpt.names).toEqual(["buffer", "counters", "ids", "replay", "rng", "weights"]);
    expect(ckpt.json("counters")).toEqual({ frames: 1000, episodes: 1 });
    expect(ckpt.array("weights", Float32Array)).toEqual(new Float32Array([0.1, -2.5, 1]));
    expect(ckpt.array("buffer", Uint8Array)).toEqual(new Uint8Array([1, 2, 3, 1]));
    expect(ckpt.array("ids", Int32Array)).toEqual(new Int32Array([-1, 1]));
    expect([...readFileSync(join(ckpt.directory("replay"), "inner", "a.bin"))]).toEqual([1, 1, 1]);
    expect(readdirSync(root)).toEqual(["checkpoint"]);
  });

  it("replaces the previous checkpoint and leaves no temporaries", () => {
    writeCheckpoint(dir, contents(1));
    writeCheckpoint(dir, contents(2));
    expect(readCheckpoint(dir).json("counters")).toEqual({ frames: 2000, episodes: 2 });
    expect(readdirSync(root)).toEqual(["checkpoint"]);
  });

  it("names what is missing or of the wrong type", () => {
    writeCheckpoint(dir, contents(1));
    const ckpt = readCheckpoint(dir);
    expect(() => ckpt.json("optimizer")).toThrow(
      `checkpoint ${dir}: no json entry "optimizer" (it has: buffer, counters, ids, replay, rng, weights)`,
    );
    expect(() => ckpt.array("weights", Uint8Array)).toThrow(
      `checkpoint ${dir}: array "weights" is a Float32Array, expected a Uint8Array`,
    );
    expect(() => readCheckpoint(join(root, "nothing"))).toThrow(
      `${join(root, "nothing")}: no checkpoint here (manifest.json does not exist)`,
    );
  });

  it("refuses bad entries before touching the previous checkpoint", () => {
    writeCheckpoint(dir, contents(1));
    expect(() => writeCheckpoint(dir, { json: { "../x": 1 } })).toThrow(
      'writeCheckpoint: entry name "../x": use letters',
    );
    expect(() => writeCheckpoint(dir, { json: { a: 1 }, arrays: { a: new Uint8Array(1) } })).toThrow(
      'writeCheckpoint: entry name "a" is used twice',
    );
    expect(() => writeCheckpoint(dir, { arrays: { a: [1, 2] as unknown as Uint8Array } })).toThrow(
      'writeCheckpoint: array "a" is a Array, expected a Float32Array',
    );
    expect(() => writeCheckpoint(dir, { dirs: { replay: async () => {} } })).toThrow(
      'writeCheckpoint: the writer of "replay" returned a promise; it must finish writing before it returns',
    );
    expect(readCheckpoint(dir).json("counters")).toEqual({ frames: 1000, episodes: 1 });
    expect(readdirSync(root)).toEqual(["checkpoint"]);
  });

  it("keeps the previous checkpoint when a write fails midway", () => {
    writeCheckpoint(dir, contents(1));
    const failing = {
      ...contents(2),
      dirs: {
        replay: () => {
          throw new Error("disk full");
        },
      },
    };
    expect(() => writeCheckpoint(dir, failing)).toThrow("disk full");
    expect(readCheckpoint(dir).json("counters")).toEqual({ frames: 1000, episodes: 1 });
    expect(readdirSync(root)).toEqual(["checkpoint"]);
  });

  it("refuses a truncated or corrupt checkpoint, naming the file and why", () => {
    writeCheckpoint(dir, contents(1));
    const weights = join(dir, "weights.float32.bin");
    truncateSync(weights, 8);
    expect(() => readCheckpoint(dir)).toThrow(`${weights}: truncated: expected 12 bytes, found 8`);
    writeCheckpoint(dir, contents(1));
    const counters = join(dir, "counters.json");
    writeFileSync(counters, readFileSync(counters, "utf8").replace("1000", "9999"));
    expect(() => readCheckpoint(dir)).toThrow(
      new RegExp(`^${counters}: corrupt: sha256 is [0-9a-f]{64}, the manifest says [0-9a-f]{64}$`),
    );
    writeCheckpoint(dir, contents(1));
    const inner = join(dir, "replay", "inner", "a.bin");
    rmSync(inner);
    expect(() => readCheckpoint(dir)).toThrow(`${inner}: missing from the checkpoint`);
    writeCheckpoint(dir, contents(1));
    writeFileSync(join(dir, "manifest.json"), "{");
    expect(() => readCheckpoint(dir)).toThrow(`${join(dir, "manifest.json")}: corrupt`);
  });

  it("falls back to .old after a crash between the two renames, and recovers on the next write", () => {
    writeCheckpoint(dir, contents(1));
    renameSync(dir, `${dir}.old`); // what a crash right after the first rename leaves
    expect(hasCheckpoint(dir)).toBe(true);
    expect(readCheckpoint(dir).dir).toBe(`${dir}.old`);
    expect(readCheckpoint(dir).json("counters")).toEqual({ frames: 1000, episodes: 1 });
    writeCheckpoint(dir, contents(2));
    expect(readCheckpoint(dir).json("counters")).toEqual({ frames: 2000, episodes: 2 });
    expect(readdirSync(root)).toEqual(["checkpoint"]);
  });

  it("removes temporaries of dead writers, not of live ones", () => {
    mkdirSync(`${dir}.tmp-999999999`);
    mkdirSync(`${dir}.tmp-${process.ppid}`);
    writeCheckpoint(dir, contents(1));
    expect(readdirSync(root).sort()).toEqual(["checkpoint", `checkpoint.tmp-${process.ppid}`]);
  });

  it("always leaves one whole checkpoint when the writer is killed at any moment", async () => {
    const fixture = fileURLToPath(new URL("../test/checkpoint-files-fixture.ts", import.meta.url));
    const appDir = fileURLToPath(new URL("..", import.meta.url));
    const seen = new Set<number>();
    // Each kill comes after the child reports a given number of whole writes (so it lands inside a rewrite,
    // however slow a loaded machine makes the child), plus a delay that moves it within that rewrite.
    for (const [afterWrites, delayMs] of [
      [1, 0],
      [2, 3],
      [4, 20],
    ] as const) {
      const child = spawn(process.execPath, ["--import", "tsx", fixture, dir], {
        cwd: appDir,
        stdio: ["ignore", "pipe", "inherit"],
      });
      await new Promise<void>((resolve, reject) => {
        let out = "";
        child.stdout.on("data", (chunk: Buffer) => {
          out += chunk.toString();
          if (out.includes(`wrote ${afterWrites}\n`)) resolve();
        });
        child.once("exit", (code) => reject(new Error(`fixture exited early with ${code}`)));
      });
      await new Promise((r) => setTimeout(r, delayMs));
      child.kill("SIGKILL");
      await new Promise((r) => child.once("exit", r));
      const ckpt = readCheckpoint(dir);
      const { i } = ckpt.json("counters") as { i: number };
      seen.add(i);
      expect(ckpt.array("weights", Float32Array).every((v) => v === i)).toBe(true);
      expect(readFileSync(join(ckpt.directory("replay"), "data.txt"), "utf8")).toBe(String(i).repeat(10_000));
    }
    // The kills landed after rewrites, not all before the first one.
    expect(Math.max(...seen)).toBeGreaterThanOrEqual(4);
    expect(existsSync(dir) || existsSync(`${dir}.old`)).toBe(true);
  });
});
