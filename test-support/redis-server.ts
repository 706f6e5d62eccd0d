import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, redisServerVersion } from "@tdrl/distributed";

// A real redis-server per test file (no shared instance, nothing mocked): on a free loopback port, snapshots
// off, append-only file on, in a temporary directory removed at `stop()`. A machine without redis-server
// fails the test with what to install; it is never skipped.

export interface TestRedis {
  port: number;
  dir: string;
  url: string;
  process: ChildProcess;
  /** Stops the server (SIGTERM writes the AOF; SIGKILL does not) and waits for its exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port and directory (AOF replayed). */
  restart(): Promise<void>;
  /** Stops it and removes its directory. */
  dispose(): Promise<void>;
}

export function requireRedisServer(): string {
  const version = redisServerVersion();
  if (version === null) {
    throw new Error(
      "redis-server is not installed: the @tdrl/distributed tests need a real Redis 7. Install it with `apt-get install -y redis-server` (.ci/run does this).",
    );
  }
  return version;
}

/** `extraArgs`, e.g. `["--requirepass", "pw"]` or `["--user", "actor on >pw ~tdrl:* &* +@all"]`. */
export async function startTestRedis(extraArgs: string[] = []): Promise<TestRedis> {
  requireRedisServer();
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "tdrl-test-redis-"));
  let child: ChildProcess;
  const launch = async () => {
    child = spawn(
      "redis-server",
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes", "--dir", dir, ...extraArgs],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let log = "";
    child.stdout!.on("data", (d: Buffer) => void (log += d.toString()));
    child.stderr!.on("data", (d: Buffer) => void (log += d.toString()));
    const deadline = Date.now() + 15_000;
    while (!/Ready to accept connections/.test(log)) {
      if (child.exitCode !== null) throw new Error(`redis-server exited (${child.exitCode}): ${log}`);
      if (Date.now() > deadline) throw new Error(`redis-server did not start on port ${port}: ${log}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  await launch();
  const stop = async (signal: NodeJS.Signals = "SIGTERM") => {
    const c = child;
    if (c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once("exit", r));
    c.kill(signal);
    await exited;
  };
  return {
    port,
    dir,
    url: `redis://127.0.0.1:${port}`,
    get process() {
      return child;
    },
    stop,
    restart: launch,
    async dispose() {
      await stop("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
