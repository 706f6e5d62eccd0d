import { CartPoleEnv, CountingEnv } from "@tdrl/envs";
import type { TensorDict } from "@tdrl/tensordict";
import { describe, expect, it } from "vitest";
import { expectSameRecords } from "../../../test-support/same-records";
import { AsyncCollector } from "./async-collector";
import { LinearPolicy, makeRandomPolicy } from "../test/collector-worker-fixtures";
import { MultiAsyncDataCollector } from "./multi-async-data-collector";
import { FIXTURES, LEAN, collectorTestSetup } from "../test/worker-collectors";
import { SyncDataCollector, TRAJ_IDS_KEY } from "./sync-data-collector";

const fixtures = FIXTURES;
const cartPole = { module: fixtures, exportName: "makeCartPole" };
const randomPolicy = { module: fixtures, exportName: "makeRandomPolicy" };
const track = collectorTestSetup();

/** The worker a batch came from: its trajectory ids are `k * numWorkers + worker`. */
const workerOf = (batch: TensorDict, n: number) => batch.getHost([...TRAJ_IDS_KEY]).data[0]! % n;

describe("MultiAsyncDataCollector", () => {
  it("yields whichever worker is ready first, exactly ceil(totalFrames / framesPerBatch) batches", async () => {
    // Worker 0 takes 40 ms a step, worker 1 none: worker 1's batches come first and most often.
    const env = { module: fixtures, exportName: "makeSlowCounting", args: { delayMs: [40, 0], maxCount: 3 } };
    const collector = track(
      new MultiAsyncDataCollector(env, randomPolicy, { numWorkers: 2, framesPerBatch: 5, totalFrames: 42, seed: 4 }),
    );
    const order: number[] = [];
    const byWorker: TensorDict[][] = [[], []];
    for await (const batch of collector) {
      expect(batch.batchSize).toEqual([5]);
      const w = workerOf(batch, 2);
      order.push(w);
      byWorker[w]!.push(batch);
      // Leave the loop body slow enough that worker 1 always has a batch waiting.
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(order).toHaveLength(9);
    expect(collector.framesCollected).toBe(45);
    expect(order[0]).toBe(1);
    expect(order.filter((w) => w === 1).length).toBeGreaterThan(order.filter((w) => w === 0).length);
    // Each worker's batches, in order, are a SyncDataCollector's with seed + i.
    for (let w = 0; w < 2; w++) {
      const env = new CountingEnv({ maxCount: 3 });
      const serial = new SyncDataCollector(
        env,
        makeRandomPolicy(w, undefined, { seed: 4 + w, env }) as (td: TensorDict) => TensorDict,
        { framesPerBatch: 5, seed: 4 + w },
      );
      const iterator = serial[Symbol.asyncIterator]();
      for (const batch of byWorker[w]!) {
        const expected = (await iterator.next()).value as TensorDict;
        expectSameRecords(batch, expected, ["collector.traj_ids"]);
        expect(Array.from(batch.getHost([...TRAJ_IDS_KEY]).data)).toEqual(
          Array.from(expected.getHost([...TRAJ_IDS_KEY]).data, (j) => j * 2 + w),
        );
      }
    }
  });

  it("runs the replay buffer and postproc steps in the main thread, and goes on after a loop that ended early", async () => {
    const seen: number[] = [];
    const buffer = { extend: (td: TensorDict) => seen.push(td.batchSize[0]!) } as unknown as NonNullable<
      ConstructorParameters<typeof MultiAsyncDataCollector>[2]["replayBuffer"]
    >;
    const collector = track(
      new MultiAsyncDataCollector(cartPole, randomPolicy, {
        numWorkers: 2,
        framesPerBatch: 8,
        totalFrames: 40,
        replayBuffer: buffer,
        postproc: (td) => td.index({ start: 0, stop: 4 }),
      }),
    );
    const yielded: unknown[] = [];
    for await (const frames of collector) if (yielded.push(frames) === 2) break;
    // Both workers had a batch on the way at the break: the next loop yields those, then asks for the rest.
    for await (const frames of collector) yielded.push(frames);
    expect(yielded).toEqual([8, 16, 24, 32, 40]);
    expect(collector.framesCollected).toBe(40);
    expect(seen).toEqual([4, 4, 4, 4, 4]);
  });
});

describe("AsyncCollector", () => {
  it("collects in one worker what a SyncDataCollector collects with the same seed", async () => {
    const collector = track(
      new AsyncCollector(cartPole, randomPolicy, { framesPerBatch: 30, totalFrames: 90, seed: 9 }),
    );
    expect(collector.numWorkers).toBe(1);
    const env = new CartPoleEnv();
    const serial = new SyncDataCollector(
      env,
      makeRandomPolicy(0, undefined, { seed: 9, env }) as (td: TensorDict) => TensorDict,
      { framesPerBatch: 30, totalFrames: 90, seed: 9 },
    );
    const expected: TensorDict[] = [];
    for await (const batch of serial) expected.push(batch);
    let k = 0;
    for await (const batch of collector) expectSameRecords(batch, expected[k++]!);
    expect(k).toBe(3);
    const [ready] = await collector.ready();
    expect(ready!.backend).toMatch(/^(wasm|cpu|tensorflow)$/);
    expect(ready!.initBackendMs).toBeGreaterThan(0);
  });

  it("takes weights from the policyWeights option; they reach the worker at most one batch late", async () => {
    const learner = new LinearPolicy(4, 2, LEAN);
    const policy = { module: fixtures, exportName: "makeLinearPolicy", args: { weight: LEAN } };
    const collector = track(
      new AsyncCollector(cartPole, policy, { framesPerBatch: 20, totalFrames: 100, policyWeights: learner, seed: 1 }),
    );
    const old = new LinearPolicy(4, 2, LEAN);
    const flipped = new LinearPolicy(
      4,
      2,
      LEAN.map((x) => -x),
    );
    const actsLike = (p: LinearPolicy, batch: TensorDict) =>
      Array.from(batch.getHost("action").data).join() ===
      Array.from(p.forward(batch.select("observation")).getHost("action").data).join();
    const which: string[] = [];
    for await (const batch of collector) {
      which.push(
        actsLike(old, batch)
          ? actsLike(flipped, batch)
            ? "both"
            : "old"
          : actsLike(flipped, batch)
            ? "new"
            : "neither",
      );
      if (which.length === 1) {
        learner.weight.assign(flipped.weight);
        await collector.updatePolicyWeights();
      }
    }
    // Batch 1 was being collected when the update was sent; from batch 2 on the worker acts with the new weights.
    expect(which[0]).toBe("old");
    expect(which[1]).toMatch(/^(old|new)$/);
    expect(which.slice(2)).toEqual(["new", "new", "new"]);
  });

  it("refuses a numWorkers other than 1", () => {
    expect(() => new AsyncCollector(cartPole, randomPolicy, { framesPerBatch: 10, numWorkers: 2 } as never)).toThrow(
      "AsyncCollector: it has one worker; got numWorkers 2 (use MultiAsyncDataCollector for more)",
    );
  });
});
