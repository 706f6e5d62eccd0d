import { describe, expect, it } from "vitest";
import { connectRedis, describeRedis, redactUrl } from "./redis-connection";

describe("connectRedis", () => {
  it("passes ACL user, password and TLS options through to ioredis, and retries commands across restarts", () => {
    const redis = connectRedis(
      {
        host: "10.0.0.5",
        port: 6380,
        username: "tdrl",
        password: "pw",
        tls: { servername: "redis.internal" },
        lazyConnect: true,
      },
      "t",
    );
    expect(redis.options).toMatchObject({
      host: "10.0.0.5",
      port: 6380,
      username: "tdrl",
      password: "pw",
      tls: { servername: "redis.internal" },
      maxRetriesPerRequest: null,
    });
    redis.disconnect();
    const fromUrl = connectRedis("rediss://tdrl:secret@10.0.0.5:6390/2", "t");
    expect(fromUrl.options).toMatchObject({
      host: "10.0.0.5",
      port: 6390,
      username: "tdrl",
      password: "secret",
      db: 2,
    });
    expect(fromUrl.options.tls).toBeDefined();
    fromUrl.disconnect();
  });

  it("refuses a URL that is not redis:// or rediss://, without echoing the password", () => {
    expect(() => connectRedis("http://u:hunter2@host:6379", "DistributedCollector")).toThrow(
      'DistributedCollector: the Redis URL must start with redis:// or rediss://, got "http://u:***@host:6379"',
    );
    expect(redactUrl("redis://:pw@h:1")).toBe("redis://:***@h:1");
    expect(describeRedis({ host: "h", port: 7, tls: {} })).toBe("h:7 (TLS)");
  });
});
