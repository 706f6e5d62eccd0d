import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Rng } from "@tdrl/tensordict";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ComponentState } from "./component-state";
import { LazyMemmapStorage } from "./lazy-memmap-storage";
import { LazyTensorStorage } from "./lazy-tensor-storage";
import { MaxValueWriter } from "./max-value-writer";
import { RandomSampler } from "./random-sampler";
import { ReplayBuffer } from "./replay-buffer";
import { ids, transitions } from "../test/fixtures";

let root = "";
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "tdrl-ckpt-test-"));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

const buffer = (seed = 1) =>
  new ReplayBuffer({
    storage: new LazyTensorStorage(16),
    sampler: new RandomSampler({ rng: new Rng(seed) }),
    batchSize: 5,
  });

/** The file of the current checkpoint whose name starts with `prefix`. */
function checkpointFile(dir: string, prefix: string): string {
  const current = (JSON.parse(readFileSync(join(dir, "checkpoint.json"), "utf8")) as { current: string }).current;
  const file = readdirSync(join(dir, current)).find((f) => f.startsWith(prefix));
  if (file === undefined) throw new Error(`no ${prefix}* file in ${current}`);
  return join(dir, current, file);
}

describe("checkpoints", () => {
  it("restore storage, writer cursor and sampler Rng: the restored buffer draws the same batches", () => {
    const rb = buffer(1);
    rb.extend(transitions(12));
    rb.extend(transitions(7, 12)); // wraps: cursor 3
    rb.sample();
    const dir = join(root, "ckpt");
    rb.dumpToDirectory(dir);
    const restored = buffer(99);
    restored.loadFromDirectory(dir);
    expect(restored.length).toBe(16);
    expect(restored.writer.cursor).toBe(3);
    for (let i = 0; i < 3; i++) expect(ids(restored.sample())).toEqual(ids(rb.sample()));
    expect(Array.from(restored.extend(transitions(1, 50)))).toEqual([3]);
  });

  it("keeps TorchRL's dumps / loads as aliases of dumpToDirectory / loadFromDirectory", () => {
    const rb = buffer(1);
    rb.extend(transitions(9));
    const dir = join(root, "ckpt");
    rb.dumps(dir);
    const restored = buffer(99);
    restored.loads(dir);
    expect(ids(restored.sample())).toEqual(ids(rb.sample()));
  });

  it("copies a file-backed storage file to file and restores it into another directory", () => {
    const make = (name: string) =>
      new ReplayBuffer({
        storage: new LazyMemmapStorage(10, { scratchDir: join(root, name) }),
        sampler: new RandomSampler({ rng: new Rng(3) }),
        batchSize: 4,
      });
    const rb = make("a");
    rb.extend(transitions(13));
    rb.dumps(join(root, "ckpt"));
    const other = make("b");
    other.loads(join(root, "ckpt"));
    expect(other.length).toBe(10);
    expect(other.writer.cursor).toBe(3);
    expect(ids(other.sample())).toEqual(ids(rb.sample()));
    expect(
      other.storage
        .get(Int32Array.from([0, 9]))
        .getHost("pixels")
        .data.slice(0, 1)[0],
    ).toBe(10);
  });

  it("keeps the previous checkpoint loadable when a dump fails midway", () => {
    const rb = buffer(1);
    rb.extend(transitions(4));
    const dir = join(root, "ckpt");
    rb.dumps(dir);
    rb.extend(transitions(4, 100));
    // The storage has been written when the sampler's state fails.
    const failing = rb.sampler as RandomSampler & { state(): ComponentState };
    failing.state = () => {
      throw new Error("disk full (simulated)");
    };
    expect(() => rb.dumps(dir)).toThrow(/disk full/);
    expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    const restored = buffer(5);
    restored.loads(dir);
    expect(restored.length).toBe(4);
    expect(ids(restored.storage.get(Int32Array.from([0, 1, 2, 3])))).toEqual([0, 1, 2, 3]);
  });

  it("ignores and then removes what a crashed dump left behind", () => {
    const rb = buffer(1);
    rb.extend(transitions(3));
    const dir = join(root, "ckpt");
    rb.dumps(dir);
    // A process killed mid-dump leaves a half-written data directory and pointer.
    mkdirSync(join(dir, "data-crashed.tmp"));
    writeFileSync(join(dir, "data-crashed.tmp", "storage-0.bin"), "partial");
    writeFileSync(join(dir, "checkpoint.json.tmp"), '{"format": "tdrl-rep');
    const restored = buffer(2);
    restored.loads(dir);
    expect(restored.length).toBe(3);
    rb.extend(transitions(2, 3));
    rb.dumps(dir);
    expect(readdirSync(dir).sort()).toEqual(["checkpoint.json", expect.stringMatching(/^data-[\w-]+$/)]);
    restored.loads(dir);
    expect(restored.length).toBe(5);
  });

  it("refuses a truncated or corrupt file, naming it, and changes nothing", () => {
    const rb = new ReplayBuffer({
      storage: new LazyTensorStorage(8),
      sampler: new RandomSampler({ rng: new Rng(1) }),
      writer: new MaxValueWriter({ rankKey: "action" }),
    });
    rb.extend(transitions(6));
    const dir = join(root, "ckpt");
    rb.dumps(dir);
    const target = buffer(2);
    target.extend(transitions(2, 40));
    const storageFile = checkpointFile(dir, "storage-0");
    const bytes = readFileSync(storageFile);
    truncateSync(storageFile, 5);
    expect(() => target.loads(dir)).toThrow(
      new RegExp(`${storageFile}: truncated: expected ${bytes.length} bytes, found 5`),
    );
    bytes[3] = bytes[3]! ^ 0xff;
    writeFileSync(storageFile, bytes);
    expect(() => target.loads(dir)).toThrow(/storage-0\.bin: corrupt: sha256 is [0-9a-f]+, the manifest says/);
    writeFileSync(join(dir, "checkpoint.json"), "{ not json");
    expect(() => target.loads(dir)).toThrow(/checkpoint.json: corrupt JSON/);
    expect(() => target.loads(join(root, "nothing"))).toThrow(/checkpoint.json: no checkpoint here/);
    expect(target.length).toBe(2);
    expect(ids(target.storage.get(Int32Array.from([0, 1])))).toEqual([40, 41]);
  });

  it("puts the writer and sampler back when a component refuses its state", () => {
    const rb = buffer(1);
    rb.extend(transitions(3));
    const dir = join(root, "ckpt");
    rb.dumps(dir);
    const smaller = new ReplayBuffer({
      storage: new LazyTensorStorage(8),
      sampler: new RandomSampler({ rng: new Rng(4) }),
      batchSize: 2,
    });
    smaller.extend(transitions(1, 70));
    const before = smaller.writer.cursor;
    expect(() => smaller.loads(dir)).toThrow(/maxSize 16 .* this one has 8/);
    expect(smaller.writer.cursor).toBe(before);
    expect(smaller.length).toBe(1);
  });
});
