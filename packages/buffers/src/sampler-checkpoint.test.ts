import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HostArray, Rng, TensorDict } from "@tdrl/tensordict";
import { afterEach, describe, expect, it } from "vitest";
import { LazyTensorStorage } from "./lazy-tensor-storage";
import { PrioritizedSampler } from "./prioritized-sampler";
import { PrioritizedSliceSampler } from "./prioritized-slice-sampler";
import { ReplayBuffer } from "./replay-buffer";
import type { Sampler } from "./sampler";
import { SliceSampler } from "./slice-sampler";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function steps(n: number, start: number): TensorDict {
  const done = new HostArray("bool", [n, 1]);
  for (let i = 0; i < n; i++) done.data[i] = (start + i) % 7 === 6 ? 1 : 0;
  return new TensorDict(
    {
      id: HostArray.from(
        "int32",
        [n],
        Array.from({ length: n }, (_, i) => start + i),
      ),
      next: { done },
    },
    [n],
  );
}

/** Fills a buffer past its capacity, updates priorities, checkpoints it, and checks a fresh buffer draws the same. */
function roundTrip(make: () => Sampler, batch: number): void {
  const rb = new ReplayBuffer({ storage: new LazyTensorStorage(40), sampler: make() });
  for (let c = 0; c < 6; c++) rb.extend(steps(9, c * 9));
  if (rb.sampler.updatePriority !== undefined) {
    const { index } = rb.sampleWithInfo(batch);
    const rng = new Rng(1);
    rb.updatePriority(
      index,
      Float32Array.from(index, () => rng.uniform(0, 3)),
    );
  }
  const dir = mkdtempSync(join(tmpdir(), "tdrl-sampler-"));
  dirs.push(dir);
  rb.dumps(join(dir, "ckpt"));
  const copy = new ReplayBuffer({ storage: new LazyTensorStorage(40), sampler: make() });
  copy.loads(join(dir, "ckpt"));
  for (let r = 0; r < 3; r++) {
    const a = rb.sampleWithInfo(batch);
    const b = copy.sampleWithInfo(batch);
    expect(b.index).toEqual(a.index);
    if (a.info?.has("priority_weight"))
      expect(b.info!.getHost("priority_weight").data).toEqual(a.info.getHost("priority_weight").data);
    expect(b.data.getHost("id").data).toEqual(a.data.getHost("id").data);
  }
}

describe("sampler state in a buffer checkpoint", () => {
  it("PrioritizedSampler: trees, max priority and rng survive dumps/loads", () => {
    roundTrip(() => new PrioritizedSampler({ maxCapacity: 40, alpha: 0.7, beta: 0.5, rng: new Rng(3) }), 16);
  });

  it("SliceSampler: the restored buffer finds the same episodes (seam from the storage cursor) and draws the same slices", () => {
    roundTrip(() => new SliceSampler({ sliceLen: 3, rng: new Rng(4) }), 12);
  });

  it("PrioritizedSliceSampler: element priorities and rng survive dumps/loads", () => {
    roundTrip(
      () => new PrioritizedSliceSampler({ sliceLen: 3, maxCapacity: 40, alpha: 0.7, beta: 0.5, rng: new Rng(5) }),
      12,
    );
  });
});
