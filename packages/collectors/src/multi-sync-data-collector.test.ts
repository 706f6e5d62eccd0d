import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { CartPoleEnv, SerialEnv } from "@tdrl/envs";
import * as tf from "@tensorflow/tfjs-core";
import { HostArray, type TensorDict } from "@tdrl/tensordict";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectSameRecords } from "../../../test-support/same-records";
import { settle, threadCount } from "../../../test-support/worker-threads";
import { LinearPolicy, makeRandomPolicy } from "../test/collector-worker-fixtures";
import { MultiSyncDataCollector } from "./multi-sync-data-collector";
import { FIXTURES, LEAN, collect, collectorTestSetup } from "../test/worker-collectors";
import { SyncDataCollector, TRAJ_IDS_KEY } from "./sync-data-collector";

// Starting a collector's workers costs 1-2 s, so the read-only checks share one collector's batches and
// each other collector checks several behaviours in sequence.
const fixtures = FIXTURES;
const packageDir = fileURLToPath(new URL("..", import.meta.url));
const cartPole = { module: fixtures, exportName: "makeCartPole" };
const randomPolicy = { module: fixtures, exportName: "makeRandomPolicy" };
const track = collectorTestSetup();

const ids = (batch: TensorDict) => Array.from(batch.getHost([...TRAJ_IDS_KEY]).data);
/** Worker `w`'s trajectory ids over all `batches`. */
const workerIds = (batches: TensorDict[], w: number) => batches.flatMap((b) => ids(b.index(w)));

describe("MultiSyncDataCollector batches", () => {
  // 2 workers x 7 steps a batch, 10 batches (130 frames asked: the last batch is whole), seed 7.
  let shared: MultiSyncDataCollector;
  let batches: TensorDict[];
  beforeAll(async () => {
    shared = new MultiSyncDataCollector(cartPole, randomPolicy, {
      numWorkers: 2,
      framesPerBatch: 14,
      totalFrames: 130,
      seed: 7,
    });
    batches = await collect(shared);
  });
  afterAll(async () => {
    await shared?.shutdown();
  });

  it("yields exact frame counts, and each worker's rows are a SyncDataCollector's batches with seed + i", async () => {
    expect(batches.map((b) => b.batchSize)).toEqual(Array.from({ length: 10 }, () => [2, 7]));
    expect(shared.framesCollected).toBe(140);
    for (let w = 0; w < 2; w++) {
      const env = new CartPoleEnv();
      const serial = new SyncDataCollector(
        env,
        makeRandomPolicy(w, undefined, { seed: 7 + w, env }) as (td: TensorDict) => TensorDict,
        { framesPerBatch: 7, totalFrames: 70, seed: 7 + w },
      );
      const expected = await collect(serial);
      expect(expected).toHaveLength(10);
      expected.forEach((batch, k) => {
        const row = batches[k]!.index(w);
        expectSameRecords(row, batch, ["collector.traj_ids"]);
        // Local trajectory id j of worker w is j * 2 + w.
        expect(ids(row)).toEqual(ids(batch).map((j) => j * 2 + w));
      });
    }
    // The comparison runs through episode ends and resets.
    const dones = batches.reduce(
      (n, b) => n + Array.from(b.getHost("next.done").data).filter((d) => d === 1).length,
      0,
    );
    expect(dones).toBeGreaterThan(3);
  });

  it("keeps trajectory ids across batch boundaries and unique over workers", () => {
    let spansBoundary = 0;
    const seen = new Map<number, number>();
    for (let w = 0; w < 2; w++) {
      const trajIds = workerIds(batches, w);
      const done = batches.flatMap((b) => Array.from(b.index(w).getHost("next.done").data));
      expect(trajIds).toHaveLength(70);
      for (let t = 0; t + 1 < trajIds.length; t++) {
        // Same id on the next step exactly when this step did not end the episode.
        expect(trajIds[t + 1] === trajIds[t], `worker ${w} step ${t}`).toBe(done[t] === 0);
        if (done[t] === 0 && (t + 1) % 7 === 0) spansBoundary++;
      }
      for (const id of trajIds) {
        expect(id % 2).toBe(w);
        expect(seen.get(id) ?? w).toBe(w);
        seen.set(id, w);
      }
    }
    expect(spansBoundary).toBeGreaterThan(3);
  });

  it("is reproducible from a seed; round-trips state() through loadState(); shutdown() ends the iteration and every worker", async () => {
    const before = threadCount();
    // Seed 8, endless: its worker 0 has seed 8, as the shared collector's worker 1.
    const other = track(
      new MultiSyncDataCollector(cartPole, randomPolicy, { numWorkers: 2, framesPerBatch: 14, seed: 8 }),
    );
    expect(new Set(other.threadIds).size).toBe(2);
    const first: TensorDict[] = [];
    for await (const batch of other) if (first.push(batch) === 2) break;
    first.forEach((batch, k) => {
      // The same seed gives the same data in another collector; another seed gives other data.
      expectSameRecords(batch.index(0), batches[k]!.index(1), ["collector.traj_ids"]);
      expect(ids(batch.index(0))).toEqual(ids(batches[k]!.index(1)).map((id) => id - 1));
      expect(Array.from(batch.getHost("observation").data)).not.toEqual(
        Array.from(batches[k]!.getHost("observation").data),
      );
    });

    const state = shared.state();
    expect(state.framesCollected).toBe(140);
    expect(state.iterations).toBe(10);
    expect(state.trajectoryIds).toHaveLength(2);
    await expect(other.loadState({ ...state, trajectoryIds: state.trajectoryIds.slice(0, 1) })).rejects.toThrow(
      'MultiSyncDataCollector.loadState(): "trajectoryIds" must hold one entry per worker (2), got',
    );
    expect(other.framesCollected).toBe(28);
    await other.loadState(JSON.parse(JSON.stringify(state)));
    expect(other.framesCollected).toBe(140);
    // Endless: only shutdown() ends this loop.
    const after: TensorDict[] = [];
    for await (const batch of other) {
      expect(batch.batchSize).toEqual([2, 7]);
      if (after.push(batch) === 2) await other.shutdown();
    }
    expect(after).toHaveLength(2);
    expect(other.framesCollected).toBe(168);
    expect(other.state().iterations).toBe(12);
    // Counters carry on and trajectory ids are never reused.
    for (let w = 0; w < 2; w++)
      expect(Math.min(...workerIds(after, w))).toBeGreaterThan(Math.max(...workerIds(batches, w)));

    expect(other.liveWorkers).toBe(0);
    if (before !== null) expect(await settle(() => threadCount()! <= before)).toBe(true);
    expect(await collect(other)).toEqual([]);
    await other.shutdown(); // idempotent
  });

  it("checks framesPerBatch against numWorkers and the options before starting a worker", () => {
    const before = threadCount();
    expect(() => new MultiSyncDataCollector(cartPole, randomPolicy, { numWorkers: 3, framesPerBatch: 100 })).toThrow(
      "MultiSyncDataCollector: framesPerBatch 100 is not a multiple of numWorkers 3; use 102",
    );
    expect(() => new MultiSyncDataCollector(cartPole, randomPolicy, { numWorkers: 0, framesPerBatch: 100 })).toThrow(
      "MultiSyncDataCollector: numWorkers must be a positive integer, got 0",
    );
    expect(
      () => new MultiSyncDataCollector(cartPole, randomPolicy, { numWorkers: 1, framesPerBatch: 10, totalFrames: 0 }),
    ).toThrow("MultiSyncDataCollector: totalFrames must be -1 (no end) or a positive integer, got 0");
    // The workers' SyncDataCollector options too, so no worker starts only to fail.
    expect(
      () =>
        new MultiSyncDataCollector(cartPole, randomPolicy, { numWorkers: 1, framesPerBatch: 10, maxFramesPerTraj: 0 }),
    ).toThrow("MultiSyncDataCollector: maxFramesPerTraj must be -1 (no limit) or a positive integer, got 0");
    expect(
      () =>
        new MultiSyncDataCollector(cartPole, randomPolicy, {
          numWorkers: 1,
          framesPerBatch: 10,
          explorationType: "greedy" as never,
        }),
    ).toThrow('MultiSyncDataCollector: explorationType must be one of random, deterministic, mode, mean, got "greedy"');
    expect(
      () => new MultiSyncDataCollector({ module: "./x.ts" }, randomPolicy, { numWorkers: 1, framesPerBatch: 10 }),
    ).toThrow(/module "\.\/x\.ts" is relative/);
    if (before !== null) expect(threadCount()).toBe(before);
  });
});

describe("MultiSyncDataCollector policy weights", () => {
  it("rejects bad weights unchanged, then acts as a SyncDataCollector over SerialEnv, also after a weights broadcast", async () => {
    const policy = { module: fixtures, exportName: "makeLinearPolicy", args: { weight: LEAN } };
    const collector = track(
      new MultiSyncDataCollector(cartPole, policy, { numWorkers: 2, framesPerBatch: 40, totalFrames: 120, seed: 3 }),
    );
    await expect(
      collector.updatePolicyWeights(new Map([["weight", HostArray.zeros("float32", [2, 4])]])),
    ).rejects.toThrow(
      'MultiSyncDataCollector.updatePolicyWeights(): weight "weight" has shape [2, 4], the workers\' parameter has [4, 2]',
    );
    await expect(collector.updatePolicyWeights(new Map([["bias", HostArray.zeros("float32", [2])]]))).rejects.toThrow(
      'MultiSyncDataCollector.updatePolicyWeights(): weight "bias" is not a parameter of the workers\' policy (it has weight)',
    );
    await expect(collector.updatePolicyWeights()).rejects.toThrow(
      "MultiSyncDataCollector.updatePolicyWeights(): no weights given and no policyWeights option to take them from",
    );

    // The same env seeds (seed + i) and the same weight updates in one process.
    const serial = new SyncDataCollector(
      new SerialEnv(2, () => new CartPoleEnv(), { seed: 3 }),
      new LinearPolicy(4, 2, LEAN),
      { framesPerBatch: 40, totalFrames: 120 },
    );
    const expected = serial[Symbol.asyncIterator]();
    const flipped = new LinearPolicy(
      4,
      2,
      LEAN.map((x) => -x),
    );
    const local = new LinearPolicy(4, 2, LEAN);
    const greedy = (p: LinearPolicy, batch: TensorDict) =>
      Array.from(
        p.forward(batch.select("observation").reshape([batch.batchSize.reduce((a, b) => a * b, 1)])).getHost("action")
          .data,
      );
    let k = 0;
    const mainTensors = tf.memory().numTensors;
    const workerTensors: (number | null)[][] = [];
    for await (const batch of collector) {
      workerTensors.push([...collector.workerTensorCounts]);
      expectSameRecords(batch, (await expected.next()).value as TensorDict, ["collector.traj_ids"]);
      // The next batch acts with the weights broadcast between the two.
      expect(Array.from(batch.getHost("action").data), `batch ${k}`).toEqual(greedy(k === 0 ? local : flipped, batch));
      if (k === 0) {
        await collector.updatePolicyWeights(flipped);
        serial.updatePolicyWeights(flipped);
      }
      k++;
    }
    expect(k).toBe(3);
    // Neither the weights broadcast nor the workers' policy calls leave tensors behind.
    expect(tf.memory().numTensors).toBe(mainTensors);
    expect(workerTensors[0]!.every((n) => n !== null && n > 0)).toBe(true);
    expect(workerTensors[2]).toEqual(workerTensors[0]);
  });
});

describe("MultiSyncDataCollector errors and process exit", () => {
  it("rethrows an error in a worker's policy with the worker's stack, and ends every worker", async () => {
    const policy = { module: fixtures, exportName: "makeFailingPolicy", args: { worker: 1, at: 15 } };
    const collector = track(new MultiSyncDataCollector(cartPole, policy, { numWorkers: 2, framesPerBatch: 20 }));
    const error = await collect(collector).then(
      () => null,
      (e: Error) => e,
    );
    expect(error?.message).toMatch(
      /^MultiSyncDataCollector: worker 1 failed in collect: TypeError: policy call 15 exploded\n--- worker 1 stack ---\nTypeError: policy call 15 exploded\n\s+at explode /,
    );
    expect((error?.cause as Error | undefined)?.stack).toMatch(/at explode .*collector-worker-fixtures\.ts/);
    expect(await settle(() => collector.liveWorkers === 0)).toBe(true);
    await expect(collect(collector)).rejects.toThrow("policy call 15 exploded");
  });

  it("rethrows an error while building a worker's env, and reports a worker that exits", async () => {
    const failing = track(
      new MultiSyncDataCollector(
        { module: fixtures, exportName: "makeThrowingEnv", args: { failAt: 1 } },
        randomPolicy,
        { numWorkers: 2, framesPerBatch: 10 },
      ),
    );
    const exiting = track(
      new MultiSyncDataCollector(
        cartPole,
        { module: fixtures, exportName: "makeFailingPolicy", args: { worker: 0, at: 3, exit: true } },
        { numWorkers: 2, framesPerBatch: 10 },
      ),
    );
    await expect(collect(failing)).rejects.toThrow(
      /^MultiSyncDataCollector: worker 1 failed in makeEnv: RangeError: no env for worker 1\n--- worker 1 stack ---/,
    );
    await expect(collect(exiting)).rejects.toThrow(
      "MultiSyncDataCollector: worker 0 exited with code 3 (process.exit() or a fatal error in the worker)",
    );
  });

  it("names the worker that did not deliver a batch within timeoutMs", async () => {
    // Worker 1's steps take 3 s each: its batch cannot arrive within 400 ms.
    const env = { module: fixtures, exportName: "makeSlowCounting", args: { delayMs: [0, 3000], maxCount: 3 } };
    const collector = track(
      new MultiSyncDataCollector(env, randomPolicy, { numWorkers: 2, framesPerBatch: 4, timeoutMs: 400 }),
    );
    await expect(collect(collector)).rejects.toThrow(
      /^MultiSyncDataCollector: worker 1 did not deliver a batch within 400 ms \(timeoutMs\); the workers were ended/,
    );
  });

  it("lets the process exit, with one collector shut down and one forgotten", () => {
    const child = spawnSync(process.execPath, ["--import", "tsx", "test/collector-worker-exit-fixture.ts"], {
      cwd: packageDir,
      encoding: "utf8",
      timeout: 120_000,
    });
    expect(child.error).toBeUndefined();
    expect(child.stderr).toBe("");
    expect(child.status).toBe(0);
    const report = JSON.parse(child.stdout.trim()) as Record<
      string,
      { batches: number; threadIds: number[]; liveWorkers: number }
    >;
    for (const mode of ["shutdown", "forgotten"]) {
      expect(report[mode]!.batches, mode).toBe(2);
      expect(report[mode]!.threadIds, mode).toHaveLength(2);
      expect(report[mode]!.liveWorkers, mode).toBe(mode === "shutdown" ? 0 : 2);
    }
  });
});
