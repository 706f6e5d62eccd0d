import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs-core";
import { LazyTensorStorage, PrioritizedSampler, ReplayBuffer } from "@tdrl/buffers";
import { Rng } from "@tdrl/tensordict";
import { initBackend } from "@tdrl/backend";
import { startTestRedis, type TestRedis } from "../../../test-support/redis-server";
import { MarkedPolicy } from "../test/fixtures";
import { DistributedCollector, WEIGHTS_VERSION_KEY } from "./distributed-collector";
import { runActor } from "./actor-runner";
import { spawnActorProcess } from "./actor-process";

const fixtures = new URL("../test/fixtures.ts", import.meta.url);
const env = { module: fixtures, exportName: "makeCountingEnv" };
const policy = { module: fixtures, exportName: "makeMarkedPolicy" };

let server: TestRedis;
beforeAll(async () => {
  await initBackend();
  server = await startTestRedis();
});
afterAll(async () => {
  await server.dispose();
});

describe("DistributedCollector (real redis-server)", () => {
  it("ingests actor batches into a prioritized buffer with the actors' priorities; weights reach the actors by version", async () => {
    const learnerPolicy = new MarkedPolicy(0);
    const rb = new ReplayBuffer({
      storage: new LazyTensorStorage(10_000),
      sampler: new PrioritizedSampler({ maxCapacity: 10_000, alpha: 1, beta: 1, rng: new Rng(0) }),
    });
    const collector = new DistributedCollector(env, policy, {
      redis: server.url,
      run: "inproc",
      framesPerBatch: 8,
      totalFrames: 8 * 24,
      replayBuffer: rb,
      postproc: (b) => b.flatten(),
      policyWeights: learnerPolicy,
      priority: { module: fixtures, exportName: "actorPriority" },
      blockMs: 100,
    });
    await collector.start();
    const abort = new AbortController();
    const actors = [0, 1].map((index) =>
      runActor({ redis: server.url, run: "inproc", index, signal: abort.signal, weightsPollMs: 100 }),
    );
    let batches = 0;
    const before = tf.memory().numTensors;
    for await (const frames of collector) {
      expect(frames).toBe(collector.framesCollected);
      if (++batches % 4 === 0) {
        const t = tf.tensor1d([collector.weightsVersion + 1]);
        learnerPolicy.w.assign(t);
        t.dispose();
        await collector.updatePolicyWeights();
      }
    }
    const stats = collector.stats;
    await collector.shutdown();
    abort.abort();
    const summaries = await Promise.all(actors);
    expect(tf.memory().numTensors).toBe(before);
    expect(stats.frames).toBe(8 * 24);
    expect(rb.length).toBe(8 * 24);
    expect(Object.keys(stats.framesByActor).sort()).toEqual(["0", "1"]);
    expect(stats.weightsVersion).toBe(6);
    expect(Object.values(stats.rejected).every((n) => n === 0)).toBe(true);
    expect(summaries.every((s) => s.batches >= 1)).toBe(true);
    // Every frame was acted with the weights of the version it records (w was set to the version before publishing).
    const all = rb.storage.get(Int32Array.from({ length: rb.length }, (_, i) => i));
    const versions = all.getHost([...WEIGHTS_VERSION_KEY]).data;
    const w = all.getHost("w").data;
    for (let i = 0; i < rb.length; i++) expect(w[i]).toBe(versions[i]);
    // The actors did pick up new weights (not only version 0), and the lag is measured.
    expect(Math.max(...versions)).toBeGreaterThan(0);
    expect(stats.meanPolicyLag).toBeGreaterThanOrEqual(0);
    // Ape-X: each frame's initial priority is its actor's (index + 1).
    const traj = all.getHost(["collector", "traj_ids"]).data;
    const sampler = rb.sampler as PrioritizedSampler;
    for (let i = 0; i < rb.length; i++) expect(sampler.priorityOf(i)).toBeCloseTo((traj[i]! % 1024) + 1, 4);
  });

  it("runs actor processes; a killed actor does not stop the learner, and a restarted one rejoins", async () => {
    const run = "procs";
    const collector = new DistributedCollector(env, policy, {
      redis: server.url,
      run,
      framesPerBatch: 8,
      blockMs: 100,
    });
    const [a0, a1] = await collector.startActors(2, { stdio: "ignore" });
    const seen = new Map<number, number>();
    const it = collector[Symbol.asyncIterator]();
    const next = async () => {
      const r = await it.next();
      const batch = r.value as import("@tdrl/tensordict").TensorDict;
      const actor = batch.getHost(["collector", "traj_ids"]).data[0]! % 1024;
      seen.set(actor, (seen.get(actor) ?? 0) + 1);
      return actor;
    };
    while (!(seen.has(0) && seen.has(1))) await next();
    a0!.kill("SIGKILL");
    expect(await a0!.exited).toBe("SIGKILL");
    const frames = collector.framesCollected;
    for (let i = 0; i < 10; i++) await next();
    expect(collector.framesCollected).toBe(frames + 80);
    // A new actor process joins (a fresh index, as from another machine), and is ingested too.
    const rejoined = spawnActorProcess({ redis: server.url, run, stdio: "ignore" });
    const before = new Set(seen.keys());
    while ([...seen.keys()].every((k) => before.has(k))) await next();
    expect([...seen.keys()].sort()).toEqual([0, 1, 2]);
    await it.return(undefined);
    await collector.shutdown();
    // Shut down: the started actor and the joined one both stop (the run's stop notice).
    expect(await a1!.exited).toBe(0);
    expect(await rejoined.exited).toBe(0);
  });
});

describe("DistributedCollector backpressure (real redis-server)", () => {
  it("with maxUnread, actors wait for the learner instead of filling the stream", async () => {
    const collector = new DistributedCollector(env, policy, {
      redis: server.url,
      run: "backpressure",
      framesPerBatch: 8,
      maxUnread: 3,
      blockMs: 100,
    });
    await collector.start();
    const abort = new AbortController();
    const actor = runActor({ redis: server.url, run: "backpressure", index: 0, signal: abort.signal });
    // The learner reads nothing for a while: the actor stops a few entries ahead.
    await new Promise((r) => setTimeout(r, 1500));
    const { Redis } = await import("ioredis");
    const probe = new Redis(server.port, "127.0.0.1");
    const length = await probe.xlen(collector.keys.experience);
    expect(length).toBeGreaterThanOrEqual(3);
    expect(length).toBeLessThanOrEqual(4);
    // Once the learner reads, the actor goes on.
    const it = collector[Symbol.asyncIterator]();
    for (let i = 0; i < 8; i++) await it.next();
    expect(await probe.xlen(collector.keys.experience)).toBeGreaterThan(length);
    probe.disconnect();
    await it.return(undefined);
    await collector.shutdown();
    abort.abort();
    await actor;
  });
});

describe("tdrl-actor command (real redis-server)", () => {
  it("joins a run from REDIS_URL and refuses bad flags naming them", async () => {
    const { actorCli } = await import("./actor-cli");
    const collector = new DistributedCollector(env, policy, {
      redis: server.url,
      run: "cli",
      framesPerBatch: 8,
      totalFrames: 16,
      blockMs: 100,
    });
    await collector.start();
    const summary = actorCli(["--run", "cli", "--index", "5", "--max-batches", "2"], { REDIS_URL: server.url });
    let n = 0;
    for await (const _ of collector) n++;
    expect(n).toBe(2);
    expect(await summary).toMatchObject({ index: 5, batches: 2, stoppedBy: "maxBatches" });
    expect(collector.lastBatchMeta!.actor).toBe(5);
    await collector.shutdown();
    await expect(actorCli(["--run"], { REDIS_URL: server.url })).rejects.toThrow(/missing value at "--run"/);
    await expect(actorCli(["--index", "-1"], { REDIS_URL: server.url })).rejects.toThrow(
      /--index must be a non-negative integer, got "-1"/,
    );
    await expect(actorCli([], {})).rejects.toThrow(/set REDIS_URL/);
  });
});

describe("weights versions across learner restarts (real redis-server)", () => {
  it("a new learner on a run continues the stored version, so actors keep taking its weights", async () => {
    const firstPolicy = new MarkedPolicy(0);
    const first = new DistributedCollector(env, policy, {
      redis: server.url,
      run: "versions",
      framesPerBatch: 8,
      policyWeights: firstPolicy,
    });
    await first.updatePolicyWeights(undefined, 40);
    await first.shutdown();
    firstPolicy.w.dispose();
    const learnerPolicy = new MarkedPolicy(0);
    const second = new DistributedCollector(env, policy, {
      redis: server.url,
      run: "versions",
      framesPerBatch: 8,
      policyWeights: learnerPolicy,
    });
    await second.start();
    expect(second.weightsVersion).toBe(40);
    await second.updatePolicyWeights();
    expect(second.weightsVersion).toBe(41);
    await expect(second.updatePolicyWeights(undefined, 41)).rejects.toThrow(
      /version must be an integer above the last published 41, got 41/,
    );
    await second.shutdown();
    learnerPolicy.w.dispose();
  });
});
