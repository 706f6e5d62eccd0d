import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { Composite, HostArray, Rng, type TensorDict, Unbounded } from "@tdrl/tensordict";
import { initBackend } from "@tdrl/backend";
import { TensorDictPrimer, TransformedEnv } from "@tdrl/transforms";
import { CartPoleEnv, CountingEnv } from "@tdrl/envs";
import { MLP, QValueModule, TensorDictModule, TensorDictSequential, type ExplorationType } from "@tdrl/modules";
import { LazyTensorStorage, RandomSampler, ReplayBuffer } from "@tdrl/buffers";
import { SyncDataCollector } from "./sync-data-collector";

beforeAll(async () => {
  await initBackend();
});

/** Action 1 everywhere: CountingEnv then terminates every `maxCount` steps. */
const always = (n: number, value = 1) => {
  const fn = (td: TensorDict) => td.set("action", HostArray.full("int32", n === 0 ? [] : [n], value));
  return fn;
};

async function collect(c: AsyncIterable<TensorDict>): Promise<TensorDict[]> {
  const out: TensorDict[] = [];
  for await (const b of c) out.push(b);
  return out;
}

const ids = (b: TensorDict) => Array.from(b.getHost("collector.traj_ids").data);
const col = (b: TensorDict, key: string) => Array.from(b.getHost(key).data);

describe("SyncDataCollector", () => {
  it("collects exact frame counts, the last batch whole", async () => {
    const env = new CountingEnv({ batchSize: [3], maxCount: 4 });
    const c = new SyncDataCollector(env, always(3), { framesPerBatch: 12, totalFrames: 30 });
    const batches = await collect(c);
    expect(batches.map((b) => b.batchSize)).toEqual([
      [3, 4],
      [3, 4],
      [3, 4],
    ]);
    expect(c.framesCollected).toBe(36);
    expect(c.state().iterations).toBe(3);
    // Every step's root observation and "next" line up: next.observation = observation + action.
    const b = batches[0]!;
    expect(col(b, "next.observation")).toEqual(col(b, "observation").map((x) => x + 1));
  });

  it("refuses a framesPerBatch that is not a multiple of the env batch, and bad options", () => {
    const env = new CountingEnv({ batchSize: [3] });
    expect(() => new SyncDataCollector(env, always(3), { framesPerBatch: 10 })).toThrow(
      /framesPerBatch 10 is not a multiple of the env batch \[3\].*12/,
    );
    expect(() => new SyncDataCollector(env, always(3), { framesPerBatch: 0 })).toThrow(
      /framesPerBatch must be a positive integer, got 0/,
    );
    expect(() => new SyncDataCollector(env, always(3), { framesPerBatch: 3, totalFrames: 0 })).toThrow(
      /totalFrames .* got 0/,
    );
    expect(
      () => new SyncDataCollector(env, always(3), { framesPerBatch: 3, explorationType: "greedy" as ExplorationType }),
    ).toThrow(/explorationType .* "greedy"/);
    expect(() => new SyncDataCollector(env, 42 as unknown as () => TensorDict, { framesPerBatch: 3 })).toThrow(
      /policy must be a function/,
    );
    let made = 0;
    const factory = () => {
      made++;
      return new CountingEnv();
    };
    expect(() => new SyncDataCollector(factory, always(0), { framesPerBatch: 1, maxFramesPerTraj: 0 })).toThrow(
      /maxFramesPerTraj .* got 0/,
    );
    expect(made).toBe(0); // bad options are refused before any env is made
  });

  it("keeps trajectory ids across batch boundaries", async () => {
    // Both sub-envs end an episode every 3 steps; batches are 2 steps long, so episodes straddle batches.
    const env = new CountingEnv({ batchSize: [2], maxCount: 3 });
    const c = new SyncDataCollector(env, always(2), { framesPerBatch: 4, totalFrames: 16 });
    const batches = await collect(c);
    expect(batches.map(ids)).toEqual([
      [0, 0, 1, 1],
      [0, 2, 1, 3],
      [2, 2, 3, 3],
      [4, 4, 5, 5],
    ]);
    // The env state carries over: "steps" counts on within a trajectory across the boundary.
    expect(batches.map((b) => col(b, "steps"))).toEqual([
      [0, 1, 0, 1],
      [2, 0, 2, 0],
      [1, 2, 1, 2],
      [0, 1, 0, 1],
    ]);
  });

  it("gives each sub-env its own new ids when they end at different times", async () => {
    const env = new CountingEnv({ batchSize: [2], maxCount: 2 });
    // Sub-env 0 pushes every step (episodes of 2), sub-env 1 every other step (episodes of 4).
    let t = 0;
    const policy = (td: TensorDict) => td.set("action", HostArray.from("int32", [2], [1, t++ % 2]));
    const c = new SyncDataCollector(env, policy, { framesPerBatch: 12 });
    const [b] = await collect(takeOne(c));
    // Step 1: sub-env 0 ends (new id 2). Step 3: both end, new ids in sub-env order (3, 4). Step 5: sub-env 0 (5).
    expect(ids(b!)).toEqual([0, 0, 2, 2, 3, 3, 1, 1, 1, 1, 4, 4]);
    expect(col(b!, "next.done")).toEqual([0, 1, 0, 1, 0, 1, 0, 0, 0, 1, 0, 0]);
  });

  it("takes random actions for initRandomFrames frames, then the policy's", async () => {
    const env = new CountingEnv({ batchSize: [2], maxCount: 1000 });
    const calls: ExplorationType[] = [];
    const policy = (td: TensorDict, exploration: ExplorationType) => {
      calls.push(exploration);
      return td.set("action", HostArray.full("int32", [2], 1));
    };
    const c = new SyncDataCollector(env, policy, { framesPerBatch: 4, totalFrames: 8, initRandomFrames: 6, seed: 3 });
    const [first, second] = await collect(c);
    // One deterministic call learns what the policy writes (zero-filled in random steps); frames 0..5 are
    // random (3 steps of 2 envs), the 4th step (frames 6, 7) comes from the policy.
    expect(calls).toEqual(["deterministic", "random"]);
    expect(col(second!, "action")).toEqual([col(second!, "action")[0], 1, col(second!, "action")[2], 1]);
    const random = [...col(first!, "action"), col(second!, "action")[0]!, col(second!, "action")[2]!];
    expect(new Set(random)).toEqual(new Set([0, 1])); // 10 seeded draws from Categorical(2) hit both values
  });

  it("keeps policy outputs the env does not know, at the root and under next", async () => {
    const env = new CountingEnv({ batchSize: [2], maxCount: 3 });
    let t = 0;
    const policy = (td: TensorDict) => {
      t++;
      td.set("action", HostArray.full("int32", [2], 1));
      td.set("action_value", HostArray.full("float32", [2, 2], t));
      td.set(["next", "memory"], HostArray.full("float32", [2, 3], 10 * t));
      return td;
    };
    const c = new SyncDataCollector(env, policy, { framesPerBatch: 4 });
    const [b] = await collect(takeOne(c));
    expect(b!.getHost("action_value").shape).toEqual([2, 2, 2]);
    expect(col(b!, "action_value")).toEqual([1, 1, 2, 2, 1, 1, 2, 2]);
    expect(col(b!, "next.memory").filter((_, i) => i % 3 === 0)).toEqual([10, 20, 10, 20]);
    // The next state flows to the root through stepMdp (zero at the first step, before the policy wrote it).
    expect(col(b!, "memory").filter((_, i) => i % 3 === 0)).toEqual([0, 10, 0, 10]);
  });

  it("keeps the policy's next entries where the env writes none; the env's own entries win (as env.step does)", async () => {
    // An env that writes "memory" itself (carrying the root's value forward): its value wins over the policy's.
    class CarryEnv extends CountingEnv {
      protected override _step(td: TensorDict): TensorDict {
        const out = super._step(td);
        return td.has("memory") ? out.set("memory", td.getHost("memory")) : out;
      }
    }
    let t = 0;
    const policy = (td: TensorDict) =>
      td.set("action", HostArray.full("int32", [1], 1)).set(["next", "memory"], HostArray.full("float32", [1, 1], ++t));
    const c = new SyncDataCollector(new CarryEnv({ batchSize: [1], maxCount: 100 }), policy, { framesPerBatch: 4 });
    const [b] = await collect(takeOne(c));
    expect(col(b!, "next.memory")).toEqual([1, 1, 1, 1]); // the env wrote nothing at step 0, then carried 1
    // A TensorDictPrimer (how a recurrent state gets into an env) sees the policy's entry and keeps it.
    t = 0;
    const primed = new TransformedEnv(
      new CountingEnv({ batchSize: [1], maxCount: 100 }),
      new TensorDictPrimer({ specs: new Composite({ memory: new Unbounded({ shape: [1] }) }) }),
    );
    const [p] = await collect(takeOne(new SyncDataCollector(primed, policy, { framesPerBatch: 4 })));
    expect(col(p!, "next.memory")).toEqual([1, 2, 3, 4]);
    expect(col(p!, "memory")).toEqual([0, 1, 2, 3]);
  });

  it("names the policy, the key and the value when the action is missing or outside the spec, at the first step", async () => {
    const env = new CountingEnv({ batchSize: [2] });
    const lazy = function lazyPolicy(td: TensorDict) {
      return td;
    };
    const c1 = new SyncDataCollector(env, lazy, { framesPerBatch: 4 });
    await expect(collect(c1)).rejects.toThrow(/lazyPolicy wrote no "action" entry/);
    expect(c1.framesCollected).toBe(0);
    const wild = function wildPolicy(td: TensorDict) {
      return td.set("action", HostArray.from("int32", [2], [1, 7]));
    };
    const c2 = new SyncDataCollector(new CountingEnv({ batchSize: [2] }), wild, { framesPerBatch: 4 });
    expect(() => c2.rollout()).toThrow(/wildPolicy wrote "action" = \[1, 7\].*outside the action spec/);
    expect(c2.framesCollected).toBe(0);
  });

  it("truncates trajectories at maxFramesPerTraj and resets them", async () => {
    const env = new CountingEnv({ batchSize: [1], maxCount: 100 });
    const c = new SyncDataCollector(env, always(1), { framesPerBatch: 7, maxFramesPerTraj: 3 });
    const [b] = await collect(takeOne(c));
    expect(col(b!, "steps")).toEqual([0, 1, 2, 0, 1, 2, 0]);
    expect(col(b!, "next.truncated")).toEqual([0, 0, 1, 0, 0, 1, 0]);
    expect(col(b!, "next.done")).toEqual([0, 0, 1, 0, 0, 1, 0]);
    expect(col(b!, "next.terminated")).toEqual([0, 0, 0, 0, 0, 0, 0]);
    expect(ids(b!)).toEqual([0, 0, 0, 1, 1, 1, 2]);
  });

  it("resets every sub-env at each batch with resetAtEachIter", async () => {
    const env = new CountingEnv({ batchSize: [2], maxCount: 100 });
    const c = new SyncDataCollector(env, always(2), { framesPerBatch: 6, totalFrames: 12, resetAtEachIter: true });
    const batches = await collect(c);
    expect(batches.map((b) => col(b, "steps"))).toEqual([
      [0, 1, 2, 0, 1, 2],
      [0, 1, 2, 0, 1, 2],
    ]);
    expect(batches.map(ids)).toEqual([
      [0, 0, 0, 1, 1, 1],
      [2, 2, 2, 3, 3, 3],
    ]);
    // rollout() alone (what worker collectors call) resets too.
    expect(col(c.rollout(), "steps")).toEqual([0, 1, 2, 0, 1, 2]);
  });

  it("splits batches into trajectories with splitTrajs, and runs postproc after", async () => {
    const env = new CountingEnv({ batchSize: [2], maxCount: 3 });
    let t = 0;
    const policy = (td: TensorDict) => td.set("action", HostArray.from("int32", [2], [1, t++ % 2]));
    const seen: number[][] = [];
    const c = new SyncDataCollector(env, policy, {
      framesPerBatch: 10,
      splitTrajs: true,
      postproc: (b) => {
        seen.push(b.batchSize.slice());
        return b;
      },
    });
    const [b] = await collect(takeOne(c));
    // Sub-env 0: episodes of 3 steps (ids 0, 2) ; sub-env 1: a 5-step run of id 1, never done.
    expect(b!.batchSize).toEqual([3, 5]);
    expect(seen).toEqual([[3, 5]]);
    expect(ids(b!)).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 0, 0, 0]);
    expect(col(b!, "collector.mask")).toEqual([1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0]);
    expect(col(b!, "steps")).toEqual([0, 1, 2, 0, 0, 0, 1, 2, 3, 4, 0, 1, 0, 0, 0]);
  });

  it("writes into a replay buffer and yields the frame count", async () => {
    const env = new CartPoleEnv({ seed: 1 });
    const rb = new ReplayBuffer({
      storage: new LazyTensorStorage(1000),
      sampler: new RandomSampler({ rng: new Rng(0) }),
    });
    const c = new SyncDataCollector(env, always(0, 1), { framesPerBatch: 50, totalFrames: 150, replayBuffer: rb });
    const progress: number[] = [];
    for await (const frames of c) progress.push(frames);
    expect(progress).toEqual([50, 100, 150]);
    expect(rb.length).toBe(150);
  });

  it("is reproducible from a seed", async () => {
    const run = async (seed: number) => {
      const env = new CartPoleEnv({ batchSize: [3], seed: 123 });
      const c = new SyncDataCollector(env, always(3), {
        framesPerBatch: 60,
        totalFrames: 120,
        initRandomFrames: 90,
        seed,
      });
      return (await collect(c)).map((b) => [col(b, "observation"), col(b, "action"), ids(b)]);
    };
    const a = await run(5);
    expect(await run(5)).toEqual(a);
    expect(await run(6)).not.toEqual(a);
  });

  it("does not leak tensors with a tfjs Q-policy, and hands the env host arrays", async () => {
    const env = new CartPoleEnv({ batchSize: [4], seed: 0 });
    const policy = new TensorDictSequential(
      new TensorDictModule(new MLP({ inFeatures: 4, outFeatures: 2, numCells: [16], rng: new Rng(0) }), {
        inKeys: ["observation"],
        outKeys: ["action_value"],
      }),
      new QValueModule({ actionSpace: "categorical" }),
    );
    const c = new SyncDataCollector(env, policy, { framesPerBatch: 40, totalFrames: 400 });
    let before = -1;
    let n = 0;
    for await (const b of c) {
      if (n++ === 0) before = tf.memory().numTensors;
      expect(b.getHost("action").dtype).toBe("int32");
      expect(b.getHost("action_value").shape).toEqual([4, 10, 2]);
      expect(b.getHost("chosen_action_value").shape).toEqual([4, 10, 1]);
    }
    expect(n).toBe(10);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("updates policy weights from a map (checked before any write) and from a module", () => {
    const mlp = new MLP({ inFeatures: 4, outFeatures: 2, numCells: [], rng: new Rng(0) });
    const policy = new TensorDictSequential(
      new TensorDictModule(mlp, { inKeys: ["observation"], outKeys: ["action_value"] }),
      new QValueModule({ actionSpace: "categorical" }),
    );
    const c = new SyncDataCollector(new CartPoleEnv(), policy, { framesPerBatch: 1 });
    const names = [...policy.parameters().keys()];
    expect(names).toEqual(["0.0.weight", "0.0.bias"]);
    const w = new Map([
      ["0.0.weight", HostArray.from("float32", [2, 4], [0, 0, 0, 0, 0, 0, 0, 0])],
      ["0.0.bias", HostArray.from("float32", [2], [-1, 1])],
    ]);
    c.updatePolicyWeights(w);
    expect(Array.from(policy.parameters().get("0.0.bias")!.dataSync())).toEqual([-1, 1]);
    expect(Array.from(c.rollout().getHost("action").data)).toEqual([1]);
    const bad = new Map([...w, ["0.0.bias", HostArray.from("float32", [3], [5, 5, 5])]]);
    expect(() => c.updatePolicyWeights(bad)).toThrow(/weight "0.0.bias" has shape \[3\], the parameter has \[2\]/);
    expect(() => c.updatePolicyWeights(new Map([["nope", HostArray.zeros("float32", [1])]]))).toThrow(
      /weight "nope" is not a parameter/,
    );
    expect(Array.from(policy.parameters().get("0.0.bias")!.dataSync())).toEqual([-1, 1]);
    const other = new TensorDictSequential(
      new TensorDictModule(new MLP({ inFeatures: 4, outFeatures: 2, numCells: [], rng: new Rng(9) }), {
        inKeys: ["observation"],
        outKeys: ["action_value"],
      }),
      new QValueModule({ actionSpace: "categorical" }),
    );
    c.updatePolicyWeights(other);
    expect(Array.from(policy.parameters().get("0.0.weight")!.dataSync())).toEqual(
      Array.from(other.parameters().get("0.0.weight")!.dataSync()),
    );
    expect(() =>
      new SyncDataCollector(new CartPoleEnv(), always(0), { framesPerBatch: 1 }).updatePolicyWeights(w),
    ).toThrow(/has no parameters\(\)/);
  });

  it("checkpoints its counters with countersState() / loadState() (an exact resume: collector-resume.test.ts)", async () => {
    const make = () =>
      new SyncDataCollector(new CountingEnv({ batchSize: [2], maxCount: 3 }), always(2), {
        framesPerBatch: 4,
        totalFrames: 12,
      });
    const a = make();
    const it = a[Symbol.asyncIterator]();
    await it.next();
    await it.next();
    const saved = JSON.parse(JSON.stringify(a.countersState()));
    expect(saved).toEqual({ framesCollected: 8, iterations: 2, trajectoryIds: [{ current: [2, 3], next: 4 }] });
    const b = make();
    expect(() => b.loadState({ ...saved, trajectoryIds: [{ current: [2, 3], next: 1 }] })).toThrow(
      /"next" must be an integer above every current id \(3\), got 1/,
    );
    expect(b.framesCollected).toBe(0);
    b.loadState(saved);
    const rest = await collect(b);
    expect(rest.length).toBe(1); // 8 of 12 frames were done
    expect(ids(rest[0]!)).toEqual([4, 4, 5, 5]); // the env restarts: new trajectories
    expect(b.framesCollected).toBe(12);
  });

  it("ends iteration at shutdown and takes an env factory", async () => {
    let closed = 0;
    const c = new SyncDataCollector(
      () => {
        const env = new CountingEnv({ batchSize: [1] });
        env.close = () => void closed++;
        return env;
      },
      always(1),
      { framesPerBatch: 2 },
    );
    let n = 0;
    for await (const _ of c) {
      if (++n === 3) await c.shutdown();
    }
    expect(n).toBe(3);
    expect(closed).toBe(1);
    expect(() => c.rollout()).toThrow(/shut down/);
  });
});

/** The first batch of an endless collector. */
async function* takeOne(c: AsyncIterable<TensorDict>): AsyncGenerator<TensorDict> {
  for await (const b of c) {
    yield b;
    return;
  }
}
