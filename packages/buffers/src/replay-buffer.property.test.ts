import fc from "fast-check";
import { HostArray, Rng, TensorDict } from "@tdrl/tensordict";
import { describe, expect, it } from "vitest";
import { fuzzParams, hostileNumber } from "../../../test-support/fuzz";
import { LazyTensorStorage } from "./lazy-tensor-storage";
import { PrioritizedSampler } from "./prioritized-sampler";
import { ReplayBuffer } from "./replay-buffer";
import { transitions } from "../test/fixtures";

function makeBuffer(): ReplayBuffer {
  const rb = new ReplayBuffer({
    storage: new LazyTensorStorage(16),
    sampler: new PrioritizedSampler({ maxCapacity: 16, alpha: 0.7, beta: 0.5, rng: new Rng(1) }),
    batchSize: 4,
  });
  rb.extend(transitions(6));
  return rb;
}

/** Everything observable about a buffer: its items, its sampler's and writer's state. */
function snapshot(rb: ReplayBuffer): string {
  const index = Int32Array.from({ length: rb.length }, (_, i) => i);
  const items = rb.storage.get(index);
  const leaves = items.keys({ nested: true, leavesOnly: true }).map((k) => [k, Array.from(items.getHost(k).data)]);
  return JSON.stringify({ length: rb.length, leaves, sampler: rb.sampler.state(), writer: rb.writer.state() });
}

/** A transition batch with one leaf changed: wrong key, dtype, shape or batch size. */
const extendArb = fc.record({
  n: fc.integer({ min: 0, max: 5 }),
  change: fc.constantFrom("none", "key", "dtype", "shape", "batch"),
});

describe("ReplayBuffer with PrioritizedSampler (property)", () => {
  it("updatePriority: bad indices or priorities are refused naming the value; the buffer is unchanged and usable", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.oneof(fc.integer({ min: -3, max: 20 }), hostileNumber()), hostileNumber()), {
          minLength: 1,
          maxLength: 5,
        }),
        (pairs) => {
          const rb = makeBuffer();
          const before = snapshot(rb);
          const index = pairs.map(([i]) => i);
          const priority = pairs.map(([, p]) => p);
          try {
            rb.updatePriority(index, priority);
            // Accepted: every index is a slot of the sampler and every priority a finite float32 >= 0 (a tiny
            // negative number rounds to -0). Slots past the stored items are item 3 of issue 15, fixed in the sampler.
            for (const [i, p] of pairs) {
              expect(Number.isInteger(i) && i >= 0 && i < 16).toBe(true);
              expect(Number.isFinite(Math.fround(p)) && Math.fround(p) >= 0).toBe(true);
            }
          } catch (error) {
            const m = (error as Error).message;
            const named = pairs.some(
              ([i, p]) => m.includes(String(i)) || m.includes(String(p)) || m.includes(String(Math.fround(p))),
            );
            expect(named, m).toBe(true);
            expect(snapshot(rb)).toBe(before);
          }
          expect(rb.sample().batchSize).toEqual([4]);
        },
      ),
      fuzzParams(),
    );
  });

  it("extend: a batch of another layout is refused naming the key; sample refuses bad sizes naming them", () => {
    fc.assert(
      fc.property(
        extendArb,
        fc.oneof(fc.integer({ min: -2, max: 40 }), hostileNumber()),
        ({ n, change }, batchSize) => {
          const rb = makeBuffer();
          const before = snapshot(rb);
          const data = transitions(Math.max(n, 1));
          if (change === "key") data.set("extra", HostArray.zeros("float32", [...data.batchSize]));
          if (change === "dtype") data.set("action", HostArray.zeros("float32", [...data.batchSize]));
          if (change === "shape") data.set("observation", HostArray.zeros("float32", [data.batchSize[0]!, 3]));
          const input = change === "batch" ? new TensorDict({}, []).set("x", HostArray.zeros("float32", [2])) : data;
          try {
            rb.extend(input);
            expect(change).toBe("none");
          } catch (error) {
            expect(change).not.toBe("none");
            const m = (error as Error).message;
            expect(
              ["extra", "action", "observation", "batch", "x"].some((k) => m.includes(k)),
              m,
            ).toBe(true);
            expect(snapshot(rb)).toBe(before);
          }
          const mid = snapshot(rb);
          try {
            const s = rb.sample(batchSize);
            expect(Number.isInteger(batchSize) && batchSize >= 1).toBe(true);
            expect(s.batchSize).toEqual([batchSize]);
          } catch (error) {
            expect((error as Error).message).toContain(String(batchSize));
            expect(snapshot(rb)).toBe(mid);
          }
        },
      ),
      fuzzParams(),
    );
  });
});
