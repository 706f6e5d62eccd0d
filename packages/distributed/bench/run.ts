// Benchmarks for @tdrl/distributed, written to bench/results/distributed.json. Short windows (a few seconds
// each): the machine is shared (2 cores, other jobs), so the figures are noisy; compare them within one run.
//   transport: encode + XADD + XREADGROUP + decode of 48x48 uint8 pixel batches (per frame, bytes per frame)
//   ingest:    frames/s the learner ingests from 1, 2, 4 actor processes vs the same actors in-process
//   weights:   publish -> actor-has-it latency for a small MLP and a Nature-CNN-sized weight file
//   learner:   DQN updates/s alone, with actors running, and with actors running and ingestion; policy lag
import * as tf from "@tensorflow/tfjs-core";
import { HostArray as HostArrayValue, Rng, type HostArray } from "@tdrl/tensordict";
import { initBackend } from "@tdrl/backend";
import { CartPoleEnv } from "@tdrl/envs";
import { SyncDataCollector } from "@tdrl/collectors";
import { LazyTensorStorage, RandomSampler, ReplayBuffer } from "@tdrl/buffers";
import { MLP, TensorDictModule, saveWeights } from "@tdrl/modules";
import { DQNLoss } from "@tdrl/losses";
import { Redis } from "ioredis";
import { printResult, writeResults, type BenchResult } from "../../../bench/harness";
import {
  DistributedCollector,
  ExperienceReader,
  ExperienceWriter,
  WeightsSubscriber,
  publishWeights,
  runKeys,
  WEIGHTS_VERSION_KEY,
  startRedisServer,
  encodeBatchMessage,
  decodeBatchMessage,
} from "../src/index";

await initBackend();
const server = await startRedisServer({ appendOnly: false });
// A failing part must not leave the server behind.
process.on("uncaughtException", (e) => {
  console.error(e);
  void server.stop().then(() => process.exit(1));
});
const results: BenchResult[] = [];
const extra: Record<string, unknown> = {
  redis: server.url,
  note: "2-core machine shared with other jobs: noisy; actors and learner compete for the same 2 cores",
};
const add = (r: BenchResult) => {
  printResult(r);
  results.push(r);
};
const figure = (name: string, medianUs: number, value: number, unit: string, note?: string): BenchResult => ({
  name,
  medianUs,
  p10Us: medianUs,
  p90Us: medianUs,
  rounds: 1,
  callsPerRound: 1,
  metric: { value, unit },
  ...(note === undefined ? {} : { note }),
});

const PIXEL_ENV = {
  module: "@tdrl/envs",
  exportName: "CartPoleEnv",
  args: { batchSize: [4], fromPixels: true, renderSize: [48, 48], grayscale: true },
};
const RANDOM = { module: "@tdrl/collectors", exportName: "randomPolicy" };

// --- transport cost per frame (48x48 uint8 pixels, 64-frame batches) ---
{
  const env = new CartPoleEnv({ batchSize: [4], fromPixels: true, renderSize: [48, 48], grayscale: true, seed: 0 });
  const c = new SyncDataCollector(env, (td) => env.randAction(td), { framesPerBatch: 64, seed: 0 });
  const batch = c.rollout();
  await c.shutdown();
  const meta = {
    run: "bench",
    actor: 0,
    actorName: "b",
    seq: 0,
    weightsVersion: 0,
    frames: 64,
    sentAt: 0,
    priorities: null,
  };
  const redis = new Redis(server.port, "127.0.0.1");
  const keys = runKeys("bench");
  const writer = new ExperienceWriter(redis, keys.experience, 100_000, 64 << 20);
  const reader = new ExperienceReader(redis, {
    stream: keys.experience,
    rejectedStream: keys.rejected,
    run: "bench",
    group: "g",
    consumer: "c",
    maxMessageBytes: 64 << 20,
    schema: null,
    count: 1,
    blockMs: 1000,
    onReject: () => undefined,
  });
  await reader.init();
  const fields = encodeBatchMessage(batch, meta, 64 << 20);
  const bytes = fields.reduce((n, s) => n + s.length, 0);
  const raw = batch.leaves().reduce((n, [, l]) => n + (l as HostArray).data.byteLength, 0);
  const n = 40;
  let t0 = performance.now();
  for (let i = 0; i < n; i++)
    decodeBatchMessage(encodeBatchMessage(batch, meta, 64 << 20), { run: "bench", maxBytes: 64 << 20, schema: null });
  const codecUs = ((performance.now() - t0) * 1000) / n / 64;
  t0 = performance.now();
  for (let i = 0; i < n; i++) {
    await writer.append(batch, meta);
    const [e] = await reader.read();
    await reader.ack([e!.id]);
  }
  const roundUs = ((performance.now() - t0) * 1000) / n / 64;
  extra.transport = { framesPerBatch: 64, bytesPerFrame: bytes / 64, rawBytesPerFrame: raw / 64, schema: fields[3] };
  add(
    figure(
      "transport: codec only (encode + decode), per 48x48 uint8 frame",
      codecUs,
      bytes / 64,
      "bytes/frame on the wire",
      `raw ${(raw / 64).toFixed(0)} bytes/frame (pixels + next pixels + scalars); base64 adds 1/3`,
    ),
  );
  add(
    figure(
      "transport: encode + XADD + XREADGROUP + decode + XACK, per frame",
      roundUs,
      1e6 / roundUs,
      "frames/s one learner thread",
    ),
  );
  redis.disconnect();
}

// --- ingest throughput: N actor processes through Redis vs the same actors in-process ---
async function throughRedis(n: number, seconds: number): Promise<number> {
  const run = `ingest${n}`;
  const collector = new DistributedCollector(PIXEL_ENV, RANDOM, {
    redis: server.url,
    run,
    framesPerBatch: 64,
    blockMs: 200,
  });
  await collector.startActors(n, { stdio: "ignore" });
  const it = collector[Symbol.asyncIterator]();
  // Warm-up: every actor has sent a batch.
  const seen = new Set<number>();
  while (seen.size < n) {
    await it.next();
    seen.add(collector.lastBatchMeta!.actor);
  }
  const f0 = collector.framesCollected;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) await it.next();
  const fps = (collector.framesCollected - f0) / ((performance.now() - t0) / 1000);
  await it.return(undefined);
  await collector.shutdown();
  return fps;
}
function inProcess(n: number, seconds: number): number {
  const cs = Array.from({ length: n }, (_, i) => {
    const env = new CartPoleEnv({ batchSize: [4], fromPixels: true, renderSize: [48, 48], grayscale: true, seed: i });
    return new SyncDataCollector(env, (td) => env.randAction(td), { framesPerBatch: 64, seed: i });
  });
  cs.forEach((c) => c.rollout());
  let frames = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) for (const c of cs) frames += c.rollout().numel;
  const fps = frames / ((performance.now() - t0) / 1000);
  cs.forEach((c) => void c.shutdown());
  return fps;
}
const ingest: Record<string, { redis: number; inProcess: number }> = {};
for (const n of [1, 2, 4]) {
  const local = inProcess(n, 3);
  const remote = await throughRedis(n, 5);
  ingest[n] = { redis: remote, inProcess: local };
  add(
    figure(
      `ingest: ${n} actor process(es) -> Redis -> learner (48x48 pixel CartPole, random policy)`,
      1e6 / remote,
      remote,
      "frames/s",
      `same ${n} actor(s) in-process: ${local.toFixed(0)} frames/s`,
    ),
  );
}
extra.ingest = ingest;

// --- weight broadcast latency ---
async function broadcastLatency(run: string, bytes: Uint8Array, rounds: number): Promise<number[]> {
  const keys = runKeys(run);
  const pub = new Redis(server.port, "127.0.0.1");
  const get = new Redis(server.port, "127.0.0.1");
  const sub = new Redis(server.port, "127.0.0.1");
  const w = new WeightsSubscriber(get, sub, keys, 0, 60_000, () => undefined);
  await w.start();
  const out: number[] = [];
  for (let v = 1; v <= rounds; v++) {
    const t0 = performance.now();
    await publishWeights(pub, keys, v, bytes);
    while (w.take() === null) await new Promise((r) => setImmediate(r));
    out.push(performance.now() - t0);
  }
  w.close();
  [pub, get, sub].forEach((c) => c.disconnect());
  return out.sort((a, b) => a - b);
}
for (const [label, cells, inF] of [
  ["MLP 4-128-128-2 (state DQN)", [128, 128], 4],
  ["MLP 3136-512-2 (Nature-CNN head size)", [512], 3136],
] as const) {
  const mlp = new MLP({ inFeatures: inF, outFeatures: 2, numCells: [...cells], rng: new Rng(0) });
  const bytes = saveWeights(mlp);
  const lat = await broadcastLatency(`weights${inF}`, bytes, 15);
  const med = lat[Math.floor(lat.length / 2)]!;
  add(
    figure(
      `weights: publish -> actor has them, ${label}`,
      med * 1000,
      bytes.length,
      "bytes",
      `p90 ${lat[Math.floor(lat.length * 0.9)]!.toFixed(2)} ms`,
    ),
  );
  for (const v of mlp.parameters().values()) v.dispose();
}

// --- learner updates/s: alone, with actors running, with actors and ingestion; policy lag ---
{
  const qnet = new TensorDictModule(new MLP({ inFeatures: 4, outFeatures: 2, numCells: [128, 128], rng: new Rng(0) }), {
    inKeys: ["observation"],
    outKeys: ["action_value"],
    name: "Q",
  });
  const loss = new DQNLoss(qnet, { doubleDqn: true });
  const opt = tf.train.adam(1e-3);
  const rb = new ReplayBuffer({
    storage: new LazyTensorStorage(50_000),
    sampler: new RandomSampler({ rng: new Rng(1) }),
    batchSize: 64,
  });
  const env = new CartPoleEnv({ batchSize: [8], seed: 0 });
  const fill = new SyncDataCollector(env, (td) => env.randAction(td), { framesPerBatch: 2048, seed: 0 });
  // The same keys as ingested batches (they carry each frame's weights version).
  const filled = fill.rollout().flatten();
  rb.extend(filled.set([...WEIGHTS_VERSION_KEY], HostArrayValue.zeros("int32", [...filled.batchSize])));
  await fill.shutdown();
  const update = () => {
    const batch = rb.sample();
    const { value, grads } = tf.variableGrads(
      () => loss.forward(batch).getTensor("loss") as tf.Scalar,
      loss.parameterList(),
    );
    opt.applyGradients(grads as Parameters<typeof opt.applyGradients>[0]);
    tf.dispose([value, grads]);
  };
  for (let i = 0; i < 20; i++) update();
  const timed = async (seconds: number, between: () => Promise<void>) => {
    let n = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < seconds * 1000) {
      update();
      n++;
      if (n % 8 === 0) await between();
    }
    return n / ((performance.now() - t0) / 1000);
  };
  const alone = await timed(4, async () => undefined);
  const STATE_ENV = { module: "@tdrl/envs", exportName: "CartPoleEnv", args: { batchSize: [4] } };
  const collector = new DistributedCollector(STATE_ENV, RANDOM, {
    redis: server.url,
    run: "learner",
    framesPerBatch: 64,
    blockMs: 5,
    readCount: 4,
    replayBuffer: rb,
    postproc: (b) => b.flatten(),
    policyWeights: qnet,
  });
  await collector.startActors(2, { stdio: "ignore" });
  const it = collector[Symbol.asyncIterator]();
  await it.next();
  await it.next();
  const withActors = await timed(4, async () => undefined);
  let updates = 0;
  const K = 10;
  const lagSamples: number[] = [];
  const f0 = collector.framesCollected;
  const t0 = performance.now();
  const withIngest = await timed(5, async () => {
    updates += 8;
    // Ingest whatever arrived (the iterator waits at most blockMs when nothing did), publish every K updates.
    await it.next();
    lagSamples.push(collector.stats.lastPolicyLag);
    if (Math.floor(updates / K) > Math.floor((updates - 8) / K))
      await collector.updatePolicyWeights(undefined, updates);
  });
  const ingestFps = (collector.framesCollected - f0) / ((performance.now() - t0) / 1000);
  await it.return(undefined);
  await collector.shutdown();
  const meanLag = lagSamples.reduce((a, b) => a + b, 0) / Math.max(1, lagSamples.length);
  extra.learner = {
    updatesPerSecAlone: alone,
    updatesPerSecWithActorsRunning: withActors,
    updatesPerSecWithActorsAndIngestion: withIngest,
    ingestFramesPerSec: ingestFps,
    publishEveryUpdates: K,
    meanPolicyLagUpdates: meanLag,
  };
  add(figure("learner: DQN updates/s alone (MLP 128x128, batch 64)", 1e6 / alone, alone, "updates/s"));
  add(
    figure(
      "learner: DQN updates/s, 2 actor processes running, no ingestion",
      1e6 / withActors,
      withActors,
      "updates/s",
      "CPU contention only",
    ),
  );
  add(
    figure(
      "learner: DQN updates/s, 2 actors, ingesting + publishing every 10 updates",
      1e6 / withIngest,
      withIngest,
      "updates/s",
      `ingesting ${ingestFps.toFixed(0)} frames/s; ratio to 'actors running' ${(withIngest / withActors).toFixed(2)}`,
    ),
  );
  add(figure("learner: mean policy lag (state CartPole, 2 actors, publish every 10 updates)", 0, meanLag, "updates"));
  loss.dispose();
  opt.dispose();
}

await server.stop();
const file = writeResults("distributed", results, extra);
console.log(`\nwrote ${file}`);
process.exit(0);
