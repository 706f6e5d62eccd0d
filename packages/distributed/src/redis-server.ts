import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";

export interface RedisServerOptions {
  /** Port; default: a free one. */
  port?: number;
  /** Addresses to listen on. Default "127.0.0.1": nothing beyond loopback unless asked. */
  bind?: string;
  /** Data directory (the AOF lives here). Default: a new temporary directory, removed by `stop()`. */
  dir?: string;
  /** Append-only file on (survives restarts). Default true. */
  appendOnly?: boolean;
  /** `requirepass` for the default user. */
  password?: string;
  /** Extra `redis-server` arguments, e.g. ["--user", "actor on >secret ~tdrl:* &* +@all"]. */
  args?: string[];
  /** The `redis-server` binary. Default "redis-server" on PATH. */
  binary?: string;
}

/** A `redis-server` process started by `startRedisServer`. */
export interface RedisServer {
  readonly port: number;
  readonly dir: string;
  /** `redis://127.0.0.1:<port>` (no credentials). */
  readonly url: string;
  readonly process: ChildProcess;
  /** Stops the server (SIGTERM: it writes its AOF first) and waits for it to exit; removes a temporary dir unless `keepDir`. */
  stop(options?: { keepDir?: boolean; signal?: NodeJS.Signals }): Promise<void>;
}

/** The `redis-server` version on PATH (e.g. "7.0.15"), or null if it is missing. */
export function redisServerVersion(binary = "redis-server"): string | null {
  const out = spawnSync(binary, ["--version"], { encoding: "utf8" });
  if (out.error !== undefined || out.status !== 0) return null;
  return /v=([0-9.]+)/.exec(out.stdout)?.[1] ?? null;
}

/** A port the OS says is free on 127.0.0.1 now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address !== null
          ? resolve(address.port)
          : reject(new Error("freePort: no port")),
      );
    });
  });
}

/**
 * Starts a local `redis-server` (Redis 7: `apt-get install redis-server` on Debian) bound to loopback,
 * with snapshots off and the append-only file on, and resolves once it answers PING. For single-machine
 * runs, examples and tests; a multi-machine run uses a Redis of its own (see the README).
 *
 * @example
 * const server = await startRedisServer(); // 127.0.0.1, a free port, AOF in a temporary directory
 * console.log(server.url); // redis://127.0.0.1:<port>
 * await server.stop(); // removes the temporary directory
 */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const binary = options.binary ?? "redis-server";
  const version = redisServerVersion(binary);
  if (version === null) {
    throw new Error(
      `startRedisServer: ${binary} is not installed (or does not run); install Redis 7, e.g. \`apt-get install -y redis-server\` on Debian/Ubuntu`,
    );
  }
  const port = options.port ?? (await freePort());
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), "tdrl-redis-"));
  const args = [
    "--port",
    String(port),
    "--bind",
    options.bind ?? "127.0.0.1",
    "--save",
    "",
    "--appendonly",
    options.appendOnly === false ? "no" : "yes",
    "--dir",
    dir,
  ];
  if (options.password !== undefined) args.push("--requirepass", options.password);
  args.push(...(options.args ?? []));
  const child = spawn(binary, args, { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => void (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = `redis://127.0.0.1:${port}`;
  const probe = new Redis({
    port,
    host: "127.0.0.1",
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    ...(options.password === undefined ? {} : { password: options.password }),
  });
  probe.on("error", () => undefined);
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`startRedisServer: redis-server exited with code ${child.exitCode}: ${stderr.trim()}`);
    try {
      await probe.connect();
      await probe.ping();
      break;
    } catch {
      probe.disconnect();
      if (Date.now() > deadline) {
        child.kill("SIGKILL");
        throw new Error(`startRedisServer: redis-server on port ${port} did not answer within 10 s: ${stderr.trim()}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  probe.disconnect();
  return {
    port,
    dir,
    url,
    process: child,
    async stop({ keepDir = false, signal = "SIGTERM" } = {}) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
      if (ownDir && !keepDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
