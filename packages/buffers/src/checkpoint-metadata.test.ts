import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Rng } from "@tdrl/tensordict";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LazyMemmapStorage } from "./lazy-memmap-storage";
import { LazyTensorStorage } from "./lazy-tensor-storage";
import { ListStorage } from "./list-storage";
import { MaxValueWriter } from "./max-value-writer";
import { PrioritizedSampler } from "./prioritized-sampler";
import { RandomSampler } from "./random-sampler";
import { ReplayBuffer } from "./replay-buffer";
import { SamplerWithoutReplacement } from "./sampler-without-replacement";
import type { Storage } from "./storage";
import { transitions } from "../test/fixtures";

let root = "";
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "tdrl-ckpt-meta-"));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

/** The parts of a checkpoint manifest the tests edit. */
interface ManifestComponent {
  meta: Record<string, unknown>;
  arrays: Record<string, { sha256: string }>;
  files: { file: string; sha256: string; bytes: number }[];
}
interface Manifest {
  components: { writer: ManifestComponent; storage: ManifestComponent; sampler: ManifestComponent };
}
const sha = (b: string | Buffer) => createHash("sha256").update(b).digest("hex");
const current = (dir: string) =>
  join(dir, (JSON.parse(readFileSync(join(dir, "checkpoint.json"), "utf8")) as { current: string }).current);

/** Edits the checkpoint manifest; with `reseal`, also rewrites the pointer's checksum (a consistent but wrong checkpoint). */
function editManifest(dir: string, edit: (m: Manifest) => void, reseal: boolean): void {
  const file = join(current(dir), "manifest.json");
  const m = JSON.parse(readFileSync(file, "utf8")) as Manifest;
  edit(m);
  const text = JSON.stringify(m);
  writeFileSync(file, text);
  if (reseal) {
    const pointer = JSON.parse(readFileSync(join(dir, "checkpoint.json"), "utf8")) as { manifestSha256: string };
    pointer.manifestSha256 = sha(text);
    writeFileSync(join(dir, "checkpoint.json"), JSON.stringify(pointer));
  }
}

function contents(storage: Storage): Record<string, number[]> {
  const index = Int32Array.from({ length: storage.length }, (_, i) => i);
  return Object.fromEntries(storage.keys().map((k) => [k, Array.from(storage.getLeaf(k, index).data)]));
}

function snapshot(rb: ReplayBuffer) {
  return {
    length: rb.length,
    cursor: rb.storage.writeCursor,
    writer: rb.writer.cursor,
    contents: contents(rb.storage),
    sampler: JSON.stringify(rb.sampler.state().meta),
  };
}

const tensorBuffer = (seed: number) =>
  new ReplayBuffer({
    storage: new LazyTensorStorage(10),
    sampler: new RandomSampler({ rng: new Rng(seed) }),
    batchSize: 2,
  });

/** A checkpoint of 6 items in 10 slots, and a target buffer holding 3 other items (with its snapshot). */
function sixDumped() {
  const rb = tensorBuffer(1);
  rb.extend(transitions(6));
  const dir = join(root, "ckpt");
  rb.dumps(dir);
  const target = tensorBuffer(2);
  target.extend(transitions(3, 50));
  return { dir, target, before: snapshot(target) };
}

describe("checkpoint metadata is checksummed and range-checked", () => {
  const badCursors = [1e9, 3.5, 12, -5, 8, 2];

  it("refuses a manifest edited after the dump (checksum), naming the file", () => {
    const { dir, target, before } = sixDumped();
    editManifest(dir, (m) => (m.components.writer.meta.cursor = 12), false);
    expect(() => target.loads(dir)).toThrow(
      /manifest\.json: corrupt: sha256 is [0-9a-f]{64}, .*checkpoint\.json says [0-9a-f]{64}/,
    );
    expect(snapshot(target)).toEqual(before);
  });

  it.each(badCursors)(
    "refuses writer cursor %s with 6 items stored in 10 slots, even with a matching checksum, and changes nothing",
    (cursor) => {
      const { dir, target, before } = sixDumped();
      editManifest(dir, (m) => (m.components.writer.meta.cursor = cursor), true);
      expect(() => target.loads(dir)).toThrow(
        new RegExp(
          `RoundRobinWriter.loadState: cursor ${String(cursor).replace(".", "\\.")} (is not a non-negative integer|does not match the storage, which holds 6 elements .* the writer's cursor must be 6)`,
        ),
      );
      expect(snapshot(target)).toEqual(before);
      target.extend(transitions(1, 99)); // still usable
      expect(target.length).toBe(4);
    },
  );

  it.each([
    ["length past the capacity", { length: 11 }, /length 11 is not an integer in \[0, 10\]/],
    ["a cursor past the length", { writeCursor: 7 }, /writeCursor 7 is not an integer in \[0, 6\]/],
    ["a negative cursor", { writeCursor: -1 }, /writeCursor -1 is not an integer/],
    ["a fractional length", { length: 5.5 }, /length 5.5 is not an integer/],
    ["a shape that is not the capacity", { shape: [12] }, /storage shape \[12\] does not fit maxSize 10/],
  ])("refuses storage metadata with %s and changes nothing", (_name, patch, message) => {
    const { dir, target, before } = sixDumped();
    editManifest(dir, (m) => Object.assign(m.components.storage.meta, patch), true);
    expect(() => target.loads(dir)).toThrow(message);
    expect(snapshot(target)).toEqual(before);
  });

  it("checks a memmap dump's own manifest (hashed as a file) and its counters against the capacity", () => {
    const make = (name: string) =>
      new ReplayBuffer({
        storage: new LazyMemmapStorage(10, { scratchDir: join(root, name) }),
        sampler: new RandomSampler({ rng: new Rng(3) }),
      });
    const rb = make("a");
    rb.extend(transitions(6));
    const dir = join(root, "ckpt");
    rb.dumps(dir);
    const target = make("b");
    target.extend(transitions(2, 70));
    const before = snapshot(target);
    const inner = join(current(dir), "storage-files", "manifest.json");
    const m = JSON.parse(readFileSync(inner, "utf8")) as { writeCursor: number };
    m.writeCursor = 9;
    const text = JSON.stringify(m);
    writeFileSync(inner, text);
    expect(() => target.loads(dir)).toThrow(/storage-files\/manifest\.json: corrupt: sha256/);
    editManifest(
      dir,
      (cm) => {
        const entry = cm.components.storage.files.find((f) => f.file === "manifest.json")!;
        entry.sha256 = sha(text);
        entry.bytes = Buffer.byteLength(text);
      },
      true,
    );
    expect(() => target.loads(dir)).toThrow(
      /manifest\.json \(storage\): corrupt: writeCursor 9 is not an integer in \[0, 6\]/,
    );
    expect(snapshot(target)).toEqual(before);
  });

  it("refuses sampler counters that do not fit the storage", () => {
    const make = (sampler: ReplayBuffer["sampler"]) =>
      new ReplayBuffer({ storage: new LazyTensorStorage(10), sampler });
    const rb = make(new PrioritizedSampler({ maxCapacity: 10, alpha: 0.6, beta: 0.4 }));
    rb.extend(transitions(6));
    const dir = join(root, "ckpt");
    rb.dumps(dir);
    editManifest(dir, (m) => (m.components.sampler.meta.length = 9), true);
    const target = make(new PrioritizedSampler({ maxCapacity: 10, alpha: 0.6, beta: 0.4 }));
    expect(() => target.loads(dir)).toThrow(/priorities for 9 elements, the storage holds 6/);
    const swor = make(new SamplerWithoutReplacement({ rng: new Rng(1) }));
    swor.extend(transitions(6));
    swor.sample(2);
    const dir2 = join(root, "ckpt2");
    swor.dumps(dir2);
    editManifest(dir2, (m) => (m.components.sampler.meta.position = 7.5), true);
    expect(() => make(new SamplerWithoutReplacement()).loads(dir2)).toThrow(/position 7.5 is out of range/);
  });

  it("refuses a MaxValueWriter heap index past the stored elements, and a ListStorage cursor past its items", () => {
    const rb = new ReplayBuffer({
      storage: new LazyTensorStorage(10),
      writer: new MaxValueWriter({ rankKey: "action" }),
    });
    rb.extend(transitions(4));
    const dir = join(root, "ckpt");
    rb.dumps(dir);
    const writerFile = join(current(dir), "writer-0.bin");
    const bytes = readFileSync(writerFile);
    new Int32Array(bytes.buffer, bytes.byteOffset, 1)[0] = 7;
    writeFileSync(writerFile, bytes);
    editManifest(dir, (m) => (m.components.writer.arrays.heap!.sha256 = sha(bytes)), true);
    expect(() =>
      new ReplayBuffer({ storage: new LazyTensorStorage(10), writer: new MaxValueWriter({ rankKey: "action" }) }).loads(
        dir,
      ),
    ).toThrow(/heap\[0\] = 7 is not a distinct storage index below 4/);
    const list = new ListStorage(5);
    list.set(Int32Array.from([0, 1]), transitions(2));
    const state = list.state();
    expect(() => new ListStorage(5).loadState({ ...state, meta: { ...state.meta, writeCursor: 4 } })).toThrow(
      /writeCursor 4 is not an integer in \[0, 2\]/,
    );
  });
});
