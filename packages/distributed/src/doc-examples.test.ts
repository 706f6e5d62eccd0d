import { afterAll, beforeAll } from "vitest";
import { initBackend } from "@tdrl/backend";
import { describeDocExamples } from "../../../test-support/doc-examples";
import { startTestRedis, type TestRedis } from "../../../test-support/redis-server";

// The examples talk to a real redis-server of this test file, whose URL they read as `redisUrl`.
let server: TestRedis;
beforeAll(async () => {
  await initBackend();
  server = await startTestRedis();
  (globalThis as { __tdrlDocRedisUrl?: string }).__tdrlDocRedisUrl = server.url;
});
afterAll(async () => {
  await server.dispose();
});

const src = new URL(".", import.meta.url).pathname;
describeDocExamples(new URL(".", import.meta.url), ["distributed-collector.ts", "actor-runner.ts", "redis-server.ts"], {
  header: `import { DistributedCollector, runActor, startRedisServer } from "${src}index.ts";\nconst redisUrl = (globalThis as { __tdrlDocRedisUrl?: string }).__tdrlDocRedisUrl!;\n`,
});
