// Test helpers shared by the worker-collector tests (not loaded by workers: it imports vitest). Helpers that
// the envs tests share too (thread counts, record comparison) are in the repo's test-support/.
import { initBackend } from "@tdrl/backend";
import { afterEach, beforeAll } from "vitest";
import type { Collector } from "../src/collector";

/** Fixture modules for `{ module, exportName }` references. */
export const FIXTURES = new URL("./collector-worker-fixtures.ts", import.meta.url);
/** Pushes towards the pole's lean (weights of `LinearPolicy`): deterministic episodes of tens of steps. */
export const LEAN = [0, 0, 0, 0, -1, 1, 0, 0];

/**
 * Sets up a worker-collector test file: the cpu backend for the main thread's tiny policies, and a
 * `track(collector)` that shuts every collector down after its test, also when the test fails.
 */
export function collectorTestSetup(): <C extends Pick<Collector, "shutdown">>(collector: C) => C {
  const open: Pick<Collector, "shutdown">[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.shutdown()));
  });
  beforeAll(async () => {
    await initBackend({ prefer: "cpu" });
  });
  return (collector) => {
    open.push(collector);
    return collector;
  };
}

/** All batches of a collector. */
export async function collect<T>(collector: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const batch of collector) out.push(batch);
  return out;
}
