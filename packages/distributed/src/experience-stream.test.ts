import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Redis } from "ioredis";
import { HostArray, TensorDict } from "@tdrl/tensordict";
import { startTestRedis, type TestRedis } from "../../../test-support/redis-server";
import { ExperienceWriter } from "./experience-writer";
import { ExperienceReader, type RejectedEntry } from "./experience-reader";
import { encodeBatchMessage, type BatchMeta } from "./batch-message";
import { runKeys } from "./run-keys";

let server: TestRedis;
const clients: Redis[] = [];
beforeAll(async () => {
  server = await startTestRedis();
});
afterAll(async () => {
  clients.forEach((c) => c.disconnect());
  await server.dispose();
});

function client(): Redis {
  const c = new Redis(server.port, "127.0.0.1", { maxRetriesPerRequest: null });
  clients.push(c);
  return c;
}

const batch = (seq: number) =>
  new TensorDict(
    { obs: HostArray.full("float32", [3, 2], seq), pixels: HostArray.full("uint8", [3, 4, 4, 1], seq % 256) },
    [3],
  );
const meta = (run: string, seq: number): BatchMeta => ({
  run,
  actor: 0,
  actorName: "t",
  seq,
  weightsVersion: 0,
  frames: 3,
  sentAt: Date.now(),
  priorities: null,
});

function reader(
  run: string,
  rejected: RejectedEntry[] = [],
  over: Partial<ConstructorParameters<typeof ExperienceReader>[1]> = {},
) {
  const keys = runKeys(run);
  return new ExperienceReader(client(), {
    stream: keys.experience,
    rejectedStream: keys.rejected,
    run,
    group: "g",
    consumer: "c",
    maxMessageBytes: 1 << 20,
    schema: null,
    count: 4,
    blockMs: 50,
    onReject: (e) => rejected.push(e),
    ...over,
  });
}

async function readAll(r: ExperienceReader, rounds = 6) {
  const out = [];
  for (let i = 0; i < rounds; i++) out.push(...(await r.read()));
  return out;
}

describe("experience stream (real redis-server)", () => {
  it("delivers batches through the group; unacknowledged ones come back first after a restart, acknowledged ones never", async () => {
    const run = "pending";
    const w = new ExperienceWriter(client(), runKeys(run).experience, 1000, 1 << 20);
    const r1 = reader(run);
    await r1.init();
    for (let s = 0; s < 6; s++) await w.append(batch(s), meta(run, s));
    const first = await readAll(r1, 2);
    expect(first.map((e) => e.meta.seq)).toEqual([0, 1, 2, 3, 4, 5]);
    expect([...first[4]!.batch.getHost("pixels").data].every((v) => v === 4)).toBe(true);
    await r1.ack(first.slice(0, 2).map((e) => e.id));
    // The learner "dies" here: 2..5 were read but never acknowledged. A new one with the same name re-reads them.
    await w.append(batch(6), meta(run, 6));
    const r2 = reader(run);
    await r2.init();
    expect(r2.recovering).toBe(true);
    const again = await r2.read();
    expect(again.map((e) => e.meta.seq)).toEqual([2, 3, 4, 5]);
    await r2.ack(again.map((e) => e.id));
    const rest = await readAll(r2, 3);
    expect(r2.recovering).toBe(false);
    expect(rest.map((e) => e.meta.seq)).toEqual([6]);
    await r2.ack(rest.map((e) => e.id));
    expect(await r2.pendingCount()).toBe(0);
  });

  it("rejects corrupt and foreign messages with a counted reason, acknowledges them and keeps going", async () => {
    const run = "corrupt";
    const keys = runKeys(run);
    const raw = client();
    const rejected: RejectedEntry[] = [];
    const r = reader(run, rejected, { maxMessageBytes: 4000 });
    await r.init();
    const good = encodeBatchMessage(batch(1), meta(run, 1), 1 << 20);
    const set = (f: string[], field: string, value: string) =>
      f.map((s, i) => (i % 2 === 1 && f[i - 1] === field ? value : s));
    await raw.xadd(keys.experience, "*", ...good);
    await raw.xadd(keys.experience, "*", ...set(good, "v", "tdrl-batch/99"));
    await raw.xadd(keys.experience, "*", ...encodeBatchMessage(batch(2), meta("someone-else", 2), 1 << 20));
    await raw.xadd(keys.experience, "*", ...good.slice(0, -1), good[good.length - 1]!.slice(0, 40));
    await raw.xadd(
      keys.experience,
      "*",
      ...encodeBatchMessage(new TensorDict({ obs: HostArray.zeros("float32", [3, 5]) }, [3]), meta(run, 3), 1 << 20),
    );
    await raw.xadd(
      keys.experience,
      "*",
      ...encodeBatchMessage(new TensorDict({ big: HostArray.zeros("uint8", [3, 2000]) }, [3]), meta(run, 4), 1 << 20),
    );
    await raw.xadd(keys.experience, "*", "junk", "\u0000\u0001");
    await raw.xadd(keys.experience, "*", ...encodeBatchMessage(batch(5), meta(run, 5), 1 << 20));
    const accepted = await readAll(r, 4);
    expect(accepted.map((e) => e.meta.seq)).toEqual([1, 5]);
    expect(rejected.map((e) => e.reason)).toEqual(["version", "foreign", "truncated", "schema", "size", "version"]);
    expect(rejected[3]!.message).toMatch(/schema obs:float32\[5\] differs/);
    await r.ack(accepted.map((e) => e.id));
    expect(await r.pendingCount()).toBe(0);
    const aside = (await raw.xrange(keys.rejected, "-", "+")).map(([, f]) => f[3]);
    expect(aside).toEqual(["version", "foreign", "truncated", "schema", "size", "version"]);
  });

  it("caps the stream near maxLength; an entry trimmed while pending is reported and acknowledged", async () => {
    const run = "trim";
    const keys = runKeys(run);
    const rejected: RejectedEntry[] = [];
    const r = reader(run, rejected);
    await r.init();
    const w = new ExperienceWriter(client(), keys.experience, 1, 1 << 20);
    await w.append(batch(0), meta(run, 0));
    expect((await r.read()).map((e) => e.meta.seq)).toEqual([0]);
    // Unacknowledged, then trimmed away by later appends (exact trim to show it; `~` trims in whole nodes).
    await client().xtrim(keys.experience, "MAXLEN", 0);
    const again = reader(run, rejected);
    expect(await again.read()).toEqual([]);
    expect(rejected.map((e) => e.reason)).toEqual(["trimmed"]);
    expect(await again.pendingCount()).toBe(0);
    for (let s = 0; s < 500; s++) await w.append(batch(s), meta(run, s));
    expect(await client().xlen(keys.experience)).toBeLessThan(250);
  });
});
