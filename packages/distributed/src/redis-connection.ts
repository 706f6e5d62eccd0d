import { Redis, type RedisOptions } from "ioredis";

/**
 * Where Redis is: a URL (`redis://user:password@host:6379/0`, `rediss://` for TLS) or ioredis options
 * (`host`, `port`, `username` for an ACL user, `password`, `tls`, `db`, ...), passed through to ioredis
 * unchanged. Options must be plain data when actors read them from another process.
 */
export type RedisConnection = string | RedisOptions;

/**
 * Opens an ioredis client that keeps commands while the server is away and retries them once it is back
 * (`maxRetriesPerRequest: null`): a Redis restart pauses the run instead of failing it.
 */
export function connectRedis(connection: RedisConnection, name: string): Redis {
  const common: RedisOptions = {
    maxRetriesPerRequest: null,
    connectionName: name,
    retryStrategy: (times) => Math.min(50 * times, 1000),
  };
  if (typeof connection === "string") {
    if (!/^rediss?:\/\//.test(connection))
      throw new Error(
        `${name}: the Redis URL must start with redis:// or rediss://, got ${JSON.stringify(redactUrl(connection))}`,
      );
    return new Redis(connection, common);
  }
  if (typeof connection !== "object" || connection === null)
    throw new Error(`${name}: redis must be a URL or ioredis options, got ${String(connection)}`);
  return new Redis({ ...common, ...connection });
}

/** The URL without its password, for messages and logs. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, "//$1:***@");
}

/** `host:port` (or the URL, password removed) of a connection, for messages. */
export function describeRedis(connection: RedisConnection): string {
  if (typeof connection === "string") return redactUrl(connection);
  return `${connection.host ?? "127.0.0.1"}:${connection.port ?? 6379}${connection.tls ? " (TLS)" : ""}`;
}
