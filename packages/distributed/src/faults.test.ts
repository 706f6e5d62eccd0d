import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Redis } from "ioredis";
import { initBackend } from "@tdrl/backend";
import { startTestRedis, type TestRedis } from "../../../test-support/redis-server";
import { DistributedCollector } from "./distributed-collector";
import { runActor } from "./actor-runner";
import { spawnActorProcess } from "./actor-process";

const fixtures = new URL("../test/fixtures.ts", import.meta.url);
const env = { module: fixtures, exportName: "makeCountingEnv" };
const policy = { module: fixtures, exportName: "makeMarkedPolicy" };

const servers: TestRedis[] = [];
const dirs: string[] = [];
beforeAll(async () => {
  await initBackend();
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.dispose()));
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
});
async function redis(args: string[] = []): Promise<TestRedis> {
  const s = await startTestRedis(args);
  servers.push(s);
  return s;
}

async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("faults (real redis-server)", () => {
  it("a learner killed mid-run and restarted from its checkpoint holds every batch exactly once", async () => {
    const server = await redis();
    const dir = mkdtempSync(join(tmpdir(), "tdrl-learner-"));
    dirs.push(dir);
    const ckpt = join(dir, "ckpt.json");
    const script = fileURLToPath(new URL("../test/learner-process.ts", import.meta.url));
    const learner = () =>
      spawn(process.execPath, ["--import", "tsx", script], {
        env: { ...process.env, REDIS_URL: server.url, CKPT: ckpt, TOTAL_FRAMES: String(8 * 40), RUN: "lk" },
        stdio: "ignore",
      });
    const held = () =>
      existsSync(ckpt)
        ? (JSON.parse(readFileSync(ckpt, "utf8")) as { held: string[]; recovered: number })
        : { held: [], recovered: 0 };
    const first = learner();
    const firstExit = new Promise((r) => first.once("exit", r));
    // Two actors produce exactly 20 batches each (40 batches, 320 frames).
    const actors = [0, 1].map((index) =>
      spawnActorProcess({ redis: server.url, run: "lk", index, maxBatches: 20, stdio: "ignore" }),
    );
    await until(() => held().held.length >= 8, 240_000, "the first learner to hold 8 batches");
    first.kill("SIGKILL");
    await firstExit;
    const atKill = held().held.length;
    expect(atKill).toBeLessThan(40);
    const second = learner();
    const code = await new Promise((r) => second.once("exit", r));
    expect(code).toBe(0);
    expect(existsSync(`${ckpt}.done`)).toBe(true);
    await Promise.all(actors.map((a) => a.exited));
    const final = held().held;
    // Produced vs ingested: every batch of both actors, none twice, none lost.
    expect(final.length).toBe(40);
    expect(new Set(final).size).toBe(40);
    expect([...final].sort()).toEqual([0, 1].flatMap((a) => Array.from({ length: 20 }, (_, s) => `${a}:${s}`)).sort());
    const check = new Redis(server.port, "127.0.0.1");
    const pending = (await check.xpending("tdrl:lk:experience", "learner")) as [number];
    check.disconnect();
    expect(pending[0]).toBe(0);
  }, 300_000); // three processes loading tsx and tfjs: minutes on a loaded 2-core CI machine

  it("survives a Redis restart (AOF on): clients reconnect, the run continues, no batch is lost", async () => {
    const server = await redis();
    const collector = new DistributedCollector(env, policy, {
      redis: server.url,
      run: "restart",
      framesPerBatch: 8,
      totalFrames: 8 * 30,
      blockMs: 100,
    });
    await collector.start();
    const abort = new AbortController();
    const actor = runActor({ redis: server.url, run: "restart", index: 0, signal: abort.signal, weightsPollMs: 100 });
    const seqs: number[] = [];
    let restarted = false;
    for await (const _batch of collector) {
      seqs.push(collector.lastBatchMeta!.seq);
      if (seqs.length === 10 && !restarted) {
        restarted = true;
        await server.stop("SIGTERM");
        await new Promise((r) => setTimeout(r, 300));
        await server.restart();
      }
    }
    await collector.shutdown();
    abort.abort();
    await actor;
    expect(restarted).toBe(true);
    expect(collector.framesCollected).toBe(8 * 30);
    // In order and without gaps: the entries written before the restart were in the AOF, and the group's position too.
    const unique = [...new Set(seqs)];
    expect(unique).toEqual(Array.from({ length: unique.length }, (_, i) => i));
    expect(Object.values(collector.stats.rejected).every((n) => n === 0)).toBe(true);
  });

  it("connects as an ACL user with a password; a wrong password fails with Redis' error, not a hang", async () => {
    const server = await redis([
      "--user",
      "default",
      "off",
      "--user",
      "tdrl",
      "on",
      ">s3cret",
      "~tdrl:*",
      "&tdrl:*",
      "+@all",
    ]);
    const collector = new DistributedCollector(env, policy, {
      redis: { host: "127.0.0.1", port: server.port, username: "tdrl", password: "s3cret" },
      run: "acl",
      framesPerBatch: 8,
      totalFrames: 8 * 4,
      blockMs: 100,
    });
    await collector.start();
    const actor = runActor({
      redis: `redis://tdrl:s3cret@127.0.0.1:${server.port}`,
      run: "acl",
      index: 0,
      maxBatches: 4,
    });
    let n = 0;
    for await (const _ of collector) n++;
    expect(n).toBe(4);
    expect((await actor).batches).toBe(4);
    await collector.shutdown();
    const intruder = new DistributedCollector(env, policy, {
      redis: `redis://tdrl:wrong@127.0.0.1:${server.port}`,
      run: "acl",
      framesPerBatch: 8,
    });
    await expect(intruder.start()).rejects.toThrow(/WRONGPASS/);
    await intruder.shutdown();
    await expect(runActor({ redis: `redis://127.0.0.1:${server.port}`, run: "acl", index: 1 })).rejects.toThrow(
      /NOAUTH|WRONGPASS|disabled/,
    );
  });
});
