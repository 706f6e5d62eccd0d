import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { HostArray, TensorDict, type TensorSpec } from "@tdrl/tensordict";
import { afterEach, describe, expect, it } from "vitest";
import { expectSameRecords } from "../../../test-support/same-records";
import { settle, threadCount } from "../../../test-support/worker-threads";
import { CartPoleEnv } from "./cartpole/cartpole-env";
import { checkEnvSpecs } from "./check-env-specs";
import { CountingEnv } from "./counting-env";
import { ParallelEnv } from "./parallel-env";
import { SerialEnv } from "./serial-env";

const fixtures = new URL("../test/parallel-env-fixtures.ts", import.meta.url);
const packageDir = fileURLToPath(new URL("..", import.meta.url));

/** Every env a test opens, closed after it even when it fails. */
const open: ParallelEnv[] = [];
function parallel(...args: ConstructorParameters<typeof ParallelEnv>): ParallelEnv {
  const env = new ParallelEnv(...args);
  open.push(env);
  return env;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((env) => env.closeAsync()));
});

function thrown(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a throw");
}

describe("ParallelEnv transitions", () => {
  it("gives the same transitions as SerialEnv for the same seed, through resets", () => {
    const env = parallel(3, { module: fixtures, exportName: "makeCartPole" }, { seed: 11 });
    const serial = new SerialEnv(3, () => new CartPoleEnv(), { seed: 11 });
    expect(env.batchSize).toEqual([3]);
    expect(env.fullSpec.equals(serial.fullSpec)).toBe(true);
    expect(env.subEnvName).toBe("CartPoleEnv");
    const a = env.rollout(300, undefined, { breakWhenAnyDone: false });
    const b = serial.rollout(300, undefined, { breakWhenAnyDone: false });
    expect(a.batchSize).toEqual([3, 300]);
    expectSameRecords(a, b);
    expect(Array.from(a.getHost("next.done").data).filter((d) => d === 1).length).toBeGreaterThan(5);
  });

  it("passes checkEnvSpecs, and reseeds worker i with seed + i on setSeed", () => {
    const env = parallel(2, { module: fixtures, exportName: "makeCartPole" });
    const first = (seed: number) => Array.from(new CartPoleEnv({ seed }).reset().getHost("observation").data);
    expect(Array.from(env.reset().getHost("observation").data)).toEqual([...first(0), ...first(1)]);
    checkEnvSpecs(env, { steps: 40 });
    env.setSeed(30);
    expect(Array.from(env.reset().getHost("observation").data)).toEqual([...first(30), ...first(31)]);
  });

  it("runs batched sub-envs, with partial resets inside a worker's env", () => {
    const args = { batchSize: [2], maxCount: 2 };
    const env = parallel(2, { module: fixtures, exportName: "makeCounting", args });
    const serial = new SerialEnv(2, () => new CountingEnv(args));
    expect(env.batchSize).toEqual([2, 2]);
    let [p, s] = [env.reset(), serial.reset()];
    const actions = [
      [1, 0, 0, 1],
      [1, 1, 0, 0],
      [0, 1, 1, 1],
      [1, 1, 1, 1],
    ];
    for (const a of actions) {
      const action = () => HostArray.from("int32", [2, 2], a);
      const [steppedP, nextP] = env.stepAndMaybeReset(p.set("action", action()));
      const [steppedS, nextS] = serial.stepAndMaybeReset(s.set("action", action()));
      expectSameRecords(steppedP, steppedS);
      expectSameRecords(nextP, nextS);
      [p, s] = [nextP, nextS];
    }
    // Each sub-env restarted alone when it reached 2: [0, 0] after step 2, [0, 1] and [1, 1] after step 3, [1, 0] after step 4.
    expect(Array.from(p.getHost("steps").data)).toEqual([2, 1, 0, 1]);
  });

  it("carries pixels (uint8) through shared memory, and accepts an EnvBase class as the export", () => {
    const args = { fromPixels: true, renderSize: [24, 32] as [number, number] };
    const env = parallel(
      2,
      { module: new URL("./cartpole/cartpole-env.ts", import.meta.url), exportName: "CartPoleEnv", args },
      { seed: 5 },
    );
    const serial = new SerialEnv(2, () => new CartPoleEnv(args), { seed: 5 });
    expect((env.observationSpec.get("pixels") as TensorSpec).shape).toEqual([2, 24, 32, 3]);
    const a = env.rollout(20, undefined, { breakWhenAnyDone: false });
    const b = serial.rollout(20, undefined, { breakWhenAnyDone: false });
    expectSameRecords(a, b);
    expect(a.getHost("next.pixels").data.some((v) => v !== 255)).toBe(true);
  });

  it("awaits an async factory; builds new records of the env's batch size and keys at every step", () => {
    const env = parallel(2, { module: fixtures, exportName: "makeCountingAsync", args: { maxCount: 3 } });
    const root = env.reset();
    expect(root).toBeInstanceOf(TensorDict);
    expect(root.batchSize).toEqual([2]);
    expect(root.keys().sort()).toEqual(["done", "observation", "steps", "terminated", "truncated"]);
    const one = env.step(root.clone().set("action", HostArray.from("int32", [2], [1, 1])));
    const two = env.step(env.stepMdp(one).set("action", HostArray.from("int32", [2], [1, 0])));
    // Earlier records keep their values: every step copies out of the shared buffers.
    expect(Array.from(one.getHost("next.observation").data)).toEqual([1, 1]);
    expect(Array.from(two.getHost("next.observation").data)).toEqual([2, 1]);
    expect(two.getHost("next.reward").shape).toEqual([2, 1]);
    // Actions are checked in the main thread, before any worker sees them.
    const three = env.stepMdp(two);
    expect(() => env.step(three.set("action", HostArray.from("int32", [2], [0, 2])))).toThrow(
      "ParallelEnv.step(): action 2 is out of range [0, 2) at batch index [1]",
    );
    expect(
      Array.from(env.step(three.set("action", HostArray.from("int32", [2], [1, 1]))).getHost("next.observation").data),
    ).toEqual([3, 2]);
  });
});

describe("ParallelEnv errors", () => {
  it("rethrows an error in makeEnv with the worker's stack, and ends every worker", async () => {
    const before = threadCount();
    const error = thrown(
      () => new ParallelEnv(2, { module: fixtures, exportName: "makeThrowing", args: { failAt: 1 } }),
    );
    expect(error.message).toMatch(
      /^ParallelEnv: worker 1 failed in makeEnv: RangeError: no env for worker 1\n--- worker 1 stack ---\nRangeError: no env for worker 1\n\s+at makeThrowing .*parallel-env-fixtures\.ts/,
    );
    const cause = error.cause as Error;
    expect(cause.name).toBe("RangeError");
    expect(cause.stack).toContain("parallel-env-fixtures.ts");
    if (before !== null) expect(await settle(() => threadCount()! <= before)).toBe(true);
  });

  it("rethrows an error in a sub-env's step with the worker's stack; the env can be reset and used again", () => {
    const env = parallel(2, { module: fixtures, exportName: "makeFailing", args: { worker: 1, in: "step", at: 3 } });
    let root = env.reset();
    const step = () => env.step(root.set("action", HostArray.from("int32", [2], [1, 1])));
    root = env.stepMdp(step());
    root = env.stepMdp(step());
    const error = thrown(step);
    expect(error.message).toMatch(
      /^ParallelEnv: worker 1 failed in step\(\): TypeError: step 3 exploded\n--- worker 1 stack ---\nTypeError: step 3 exploded\n\s+at explode /,
    );
    expect((error.cause as Error).stack).toMatch(/at explode .*parallel-env-fixtures\.ts/);
    expect(root.has("next")).toBe(false);
    root = env.reset();
    root = env.stepMdp(step());
    expect(Array.from(root.getHost("observation").data)).toEqual([1, 1]);
  });

  it("rethrows an error in a sub-env's reset", () => {
    const env = parallel(2, { module: fixtures, exportName: "makeFailing", args: { worker: 0, in: "reset", at: 2 } });
    env.reset();
    expect(() => env.reset()).toThrow(
      /^ParallelEnv: worker 0 failed in reset\(\): Error: reset 2 refused\n--- worker 0 stack ---/,
    );
  });

  it("reports a worker that exits, and refuses to go on", () => {
    const env = parallel(2, { module: fixtures, exportName: "makeFailing", args: { worker: 1, in: "exit", at: 1 } });
    const root = env.reset();
    expect(() => env.step(root.set("action", HostArray.from("int32", [2], [0, 0])))).toThrow(
      "ParallelEnv: worker 1 exited with code 7 during step() (process.exit() or a fatal error in the worker)",
    );
    expect(() => env.reset()).toThrow(
      "ParallelEnv: worker 1 exited, so the workers are out of step; close the env and make a new one",
    );
  });

  it("gives up on a worker that does not answer within timeoutMs", () => {
    const env = parallel(
      2,
      { module: fixtures, exportName: "makeFailing", args: { worker: 0, in: "hang", at: 1 } },
      { timeoutMs: 300 },
    );
    const root = env.reset();
    const start = performance.now();
    expect(() => env.step(root.set("action", HostArray.from("int32", [2], [0, 0])))).toThrow(
      "ParallelEnv: worker 0 did not answer step() within 300 ms (timeoutMs); close the env, or raise the limit for a slow env",
    );
    expect(performance.now() - start).toBeLessThan(5_000);
  });

  it("names the worker whose env has different specs", () => {
    expect(() => new ParallelEnv(2, { module: fixtures, exportName: "makeMismatched" })).toThrow(
      'ParallelEnv: the env of worker 1 (CountingEnv) differs from worker 0\'s (CountingEnv): its observation spec has "observation" Bounded(shape=[1], dtype=float32, low=0, high=6) instead of Bounded(shape=[1], dtype=float32, low=0, high=5)',
    );
  });

  it("explains a missing export, a non-env export, a relative path, a missing file and unsendable args", () => {
    expect(() => new ParallelEnv(1, { module: fixtures, exportName: "makeNothing" })).toThrow(
      /^ParallelEnv: worker 0 failed in makeEnv: Error: module file:.*parallel-env-fixtures\.ts has no function or class exported as "makeNothing" \(exports: .*makeCartPole/,
    );
    expect(() => new ParallelEnv(1, { module: fixtures, exportName: "makeNotAnEnv" })).toThrow(
      /"makeNotAnEnv" from file:.* gave a Object, not an EnvBase/,
    );
    expect(() => new ParallelEnv(1, { module: "./parallel-env-fixtures.ts" })).toThrow(
      'ParallelEnv: module "./parallel-env-fixtures.ts" is relative, and a worker has no importing file to resolve it from; pass new URL("./parallel-env-fixtures.ts", import.meta.url) or an absolute path',
    );
    expect(() => new ParallelEnv(1, { module: "/nowhere/envs.js" })).toThrow(
      "ParallelEnv: module /nowhere/envs.js does not exist",
    );
    expect(() => new ParallelEnv(1, { module: fixtures, exportName: "makeCounting", args: { f: () => 1 } })).toThrow(
      /^ParallelEnv: args cannot be sent to a worker/,
    );
    expect(() => new ParallelEnv(0, { module: fixtures })).toThrow(
      "ParallelEnv: the number of workers must be a positive integer, got 0",
    );
  });
});

describe("ParallelEnv close", () => {
  it("ends every worker thread, and refuses to step afterwards", async () => {
    const before = threadCount();
    const env = new ParallelEnv(3, { module: fixtures, exportName: "makeCounting" });
    const ids = env.threadIds;
    expect(new Set(ids).size).toBe(3);
    if (before !== null) expect(threadCount()).toBeGreaterThanOrEqual(before + 3);
    env.rollout(3);
    await env.closeAsync();
    expect(env.liveWorkers).toBe(0);
    if (before !== null) expect(await settle(() => threadCount()! <= before)).toBe(true);
    expect(() => env.reset()).toThrow("ParallelEnv: the env is closed; reset() needs a new ParallelEnv");
    env.close(); // idempotent
  });

  it("lets the process exit, after close() and without it", () => {
    for (const mode of ["close", "forgotten"]) {
      const child = spawnSync(process.execPath, ["--import", "tsx", "test/parallel-env-exit-fixture.ts", mode], {
        cwd: packageDir,
        encoding: "utf8",
        timeout: 60_000,
      });
      expect(child.error, mode).toBeUndefined();
      expect(child.stderr, mode).toBe("");
      expect(child.status, mode).toBe(0);
      const report = JSON.parse(child.stdout.trim()) as { threadIds: number[]; liveWorkers: number };
      expect(report.threadIds).toHaveLength(2);
      expect(report.liveWorkers).toBe(mode === "close" ? 0 : 2);
    }
  });
});
