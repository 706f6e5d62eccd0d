/**
 * Ape-X DQN on state CartPole-v1 (Horgan et al. 2018): N actor processes, each with its own env and its own
 * exploration rate, feed one learner through Redis (@tdrl/distributed); the learner trains from a
 * prioritized replay buffer with the actors' initial priorities and broadcasts its weights every k updates.
 *
 *   npm run apex -w examples -- --actors 2                     # starts a local redis-server on loopback
 *   npm run apex -w examples -- --actors 0 --redis redis://10.0.0.5:6379 --run apex
 *   REDIS_URL=redis://10.0.0.5:6379 node --import tsx packages/distributed/src/tdrl-actor-bin.ts --run apex  # one more actor, from any machine
 *
 * Self-contained on purpose: it takes its hyperparameters from the state-DQN recipe (dqn-cartpole-config.ts)
 * and everything else from the @tdrl packages, so actor processes load only this module (by reference).
 */
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs-core";
import { Categorical, HostArray, Rng, TensorDict } from "@tdrl/tensordict";
import { initBackend } from "@tdrl/backend";
import { CartPoleEnv, type EnvFactory } from "@tdrl/envs";
import {
  EGreedyModule,
  MLP,
  QValueModule,
  TensorDictModule,
  type ExplorationType,
  type TensorDictModuleBase,
} from "@tdrl/modules";
import { LazyTensorStorage, PrioritizedSampler, TensorDictReplayBuffer } from "@tdrl/buffers";
import { DQNLoss, HardUpdate, TD0Estimator, clipGradNorm } from "@tdrl/losses";
import type { PolicyFactory } from "@tdrl/collectors";
import { DistributedCollector, startRedisServer, type PriorityFactory, type RedisServer } from "@tdrl/distributed";
import { TUNED } from "./dqn-cartpole-config";

/** What actors and learner share (plain data: it travels to the actors as module-reference args). */
export interface ApexArgs {
  numCells: number[];
  gamma: number;
  /** Actors in the run (for the Ape-X epsilon ladder). */
  numActors: number;
  envsPerActor: number;
}

/** The Q-network: the recipe's MLP, `observation -> action_value`; the same parameter names on both sides. */
export function apexQNet(args: ApexArgs, rng: Rng): TensorDictModuleBase {
  return new TensorDictModule(
    new MLP({ inFeatures: 4, outFeatures: 2, numCells: args.numCells, activation: "relu", rng }),
    { inKeys: ["observation"], outKeys: ["action_value"], name: "QNetwork" },
  );
}

/** Ape-X's per-actor exploration: actor i of N uses eps_i = 0.4^(1 + 7 i / (N - 1)). */
export function apexEpsilon(index: number, numActors: number): number {
  return numActors <= 1 ? 0.4 : 0.4 ** (1 + (7 * index) / (numActors - 1));
}

/** An actor's policy: greedy on its copy of the Q-network, then epsilon-greedy with its own epsilon. */
export class ApexActorPolicy {
  readonly name = "ApexActorPolicy";
  readonly greedy = new QValueModule({ spec: new Categorical({ n: 2 }) });
  constructor(
    readonly qnet: TensorDictModuleBase,
    readonly explore: EGreedyModule,
  ) {}

  parameters(): Map<string, tf.Variable> {
    return this.qnet.parameters();
  }

  forward(root: TensorDict, exploration: ExplorationType): TensorDict {
    let action: HostArray | null = null;
    tf.tidy(() => {
      const td = new TensorDict({ observation: root.getHost("observation") }, [...root.batchSize]);
      this.qnet.forward(td);
      this.greedy.forward(td);
      const t = td.getTensor("action");
      action = new HostArray("int32", [...t.shape], Int32Array.from(t.dataSync()));
    });
    root.set("action", action!);
    if (exploration === "random") this.explore.forward(root, exploration);
    return root;
  }
}

/** The env factory actors load: a batched CartPole. */
export const apexEnv: EnvFactory<ApexArgs> = (index, args) =>
  new CartPoleEnv({ batchSize: [args.envsPerActor], seed: 1000 + index });

/** The policy factory actors load (the learner's weights arrive by broadcast; these initial ones are replaced). */
export const apexPolicy: PolicyFactory<ApexArgs> = (index, args, { seed }) => {
  const eps = apexEpsilon(index, args.numActors);
  return new ApexActorPolicy(
    apexQNet(args, new Rng(seed)),
    new EGreedyModule({
      spec: new Categorical({ n: 2 }),
      epsInit: eps,
      epsEnd: eps,
      annealingNumSteps: 1,
      rng: new Rng(seed + 7),
    }),
  );
};

/**
 * Ape-X's actor-side priorities: |r + gamma (1 - terminated) max_a Q(s', a) - Q(s, a)| with the actor's own
 * (possibly stale) network, so new data enters the buffer with a meaningful priority.
 */
export const apexPriority: PriorityFactory<ApexArgs> = (_index, args, { policy }) => {
  const qnet = (policy as ApexActorPolicy).qnet;
  return (batch) =>
    tf.tidy(() => {
      const flat = batch.flatten();
      const q = (obs: HostArray) => {
        const td = new TensorDict({ observation: obs }, [...flat.batchSize]);
        qnet.forward(td);
        return td.getTensor("action_value");
      };
      const qs = q(flat.getHost("observation"));
      const qNext = q(flat.getHost(["next", "observation"]));
      const action = tf.tensor1d(flat.getHost("action").data as Int32Array, "int32");
      const chosen = tf.sum(tf.mul(qs, tf.oneHot(action, 2)), -1);
      const reward = tf.reshape(tf.tensor(flat.getHost(["next", "reward"]).data), [-1]);
      const alive = tf.sub(
        1,
        tf.reshape(tf.cast(tf.tensor(flat.getHost(["next", "terminated"]).data, undefined, "int32"), "float32"), [-1]),
      );
      const target = tf.add(reward, tf.mul(args.gamma, tf.mul(alive, tf.max(qNext, -1))));
      return tf.abs(tf.sub(target, chosen)).dataSync() as Float32Array;
    });
};

export interface ApexOptions {
  actors: number;
  redis: string | null;
  run: string;
  frames: number;
  publishEvery: number;
  framesPerBatch: number;
  seed: number;
  /** Actors wait while this many batches wait unread (0: never wait, Ape-X's free-running actors). */
  maxUnread: number;
}

/** Trains; returns the greedy evaluation and the run's transport figures. */
export async function trainApex(o: ApexOptions): Promise<{
  evalReturn: number;
  updates: number;
  stats: ReturnType<DistributedCollector["state"]>["distributed"]["stats"];
}> {
  await initBackend();
  const cfg = TUNED;
  const args: ApexArgs = {
    numCells: [...cfg.numCells],
    gamma: cfg.gamma,
    numActors: Math.max(1, o.actors),
    envsPerActor: 4,
  };
  let server: RedisServer | null = null;
  if (o.redis === null) {
    server = await startRedisServer();
    console.log(`started redis-server on ${server.url} (loopback only; AOF in ${server.dir})`);
  }
  const url = o.redis ?? server!.url;
  const rng = new Rng(o.seed);
  const qnet = apexQNet(args, rng.spawn(0));
  const loss = new DQNLoss(qnet, {
    lossFunction: cfg.lossFunction,
    doubleDqn: true,
    valueEstimator: new TD0Estimator({ gamma: cfg.gamma }),
  });
  const target = new HardUpdate(loss, { interval: 250 });
  const optimizer = tf.train.adam(cfg.lr);
  const buffer = new TensorDictReplayBuffer({
    storage: new LazyTensorStorage(cfg.bufferSize),
    sampler: new PrioritizedSampler({
      maxCapacity: cfg.bufferSize,
      alpha: cfg.alpha,
      beta: cfg.beta,
      rng: rng.spawn(1),
    }),
    batchSize: cfg.batchSize,
  });
  const self = new URL(import.meta.url);
  const collector = new DistributedCollector(
    { module: self, exportName: "apexEnv", args },
    { module: self, exportName: "apexPolicy", args },
    {
      redis: url,
      run: o.run,
      framesPerBatch: o.framesPerBatch,
      totalFrames: o.frames,
      replayBuffer: buffer,
      postproc: (b) => b.flatten(),
      policyWeights: qnet,
      priority: { module: self, exportName: "apexPriority", args },
      seed: o.seed,
      maxUnread: o.maxUnread === 0 ? null : o.maxUnread,
    },
  );
  await collector.start();
  await collector.updatePolicyWeights(undefined, 1);
  if (o.actors > 0) await collector.startActors(o.actors);
  console.log(
    `learner: run "${o.run}" on ${url}; ${o.actors} local actors; more: REDIS_URL=${url} node --import tsx packages/distributed/src/tdrl-actor-bin.ts --run ${o.run}`,
  );
  const updatesPerBatch = Math.max(1, Math.round(o.framesPerBatch * cfg.updatesPerFrame));
  let updates = 0;
  let lastLog = 0;
  const started = performance.now();
  for await (const frames of collector) {
    if (buffer.length < cfg.initRandomFrames) continue;
    for (let u = 0; u < updatesPerBatch; u++) {
      const batch = buffer.sample();
      const { value, grads } = tf.variableGrads(
        () => loss.forward(batch).getTensor("loss") as tf.Scalar,
        loss.parameterList(),
      );
      const { grads: clipped } = clipGradNorm(grads, cfg.gradClip);
      optimizer.applyGradients(clipped as Parameters<typeof optimizer.applyGradients>[0]);
      tf.dispose([value, grads, clipped]);
      buffer.updateTensorDictPriority(batch);
      target.step();
      updates++;
      // Version = update count, so the policy lag reads in updates.
      if (updates % o.publishEvery === 0) await collector.updatePolicyWeights(undefined, updates);
    }
    if (frames - lastLog >= 2000) {
      lastLog = frames;
      const s = collector.stats;
      const secs = (performance.now() - started) / 1000;
      console.log(
        `frames ${frames} (${(frames / secs).toFixed(0)}/s)  updates ${updates}  weights v${collector.weightsVersion}  lag ${s.meanPolicyLag.toFixed(0)} updates  refused ${Object.values(s.rejected).reduce((a, b) => a + b, 0)}`,
      );
    }
  }
  const state = collector.state();
  await collector.shutdown();
  const evalReturn = greedyReturn(qnet, 5, o.seed + 999);
  console.log(
    `greedy return over 5 episodes: ${evalReturn.toFixed(1)}  (${updates} updates, ${state.framesCollected} frames ingested, mean policy lag ${state.distributed.stats.meanPolicyLag.toFixed(1)} updates)`,
  );
  loss.dispose();
  optimizer.dispose();
  for (const v of qnet.parameters().values()) v.dispose();
  await server?.stop();
  return { evalReturn, updates, stats: state.distributed.stats };
}

/** Mean return of `episodes` greedy episodes (capped at CartPole-v1's 500 steps). */
function greedyReturn(qnet: TensorDictModuleBase, episodes: number, seed: number): number {
  const env = new CartPoleEnv({ batchSize: [episodes], seed });
  const policy = new ApexActorPolicy(
    qnet,
    new EGreedyModule({
      spec: new Categorical({ n: 2 }),
      epsInit: 0,
      epsEnd: 0,
      annealingNumSteps: 1,
      rng: new Rng(0),
    }),
  );
  const rollout = env.rollout(500, (td) => policy.forward(td, "deterministic"), { breakWhenAnyDone: false });
  const reward = rollout.getHost(["next", "reward"]).data;
  const done = rollout.getHost(["next", "done"]).data;
  const steps = rollout.batchSize[1]!;
  let total = 0;
  for (let e = 0; e < episodes; e++) {
    for (let t = 0; t < steps; t++) {
      total += reward[e * steps + t]!;
      if (done[e * steps + t]) break;
    }
  }
  env.close();
  return total / episodes;
}

function parse(argv: string[]): ApexOptions {
  const o: ApexOptions = {
    actors: 2,
    redis: null,
    run: "apex",
    frames: 50_000,
    publishEvery: 50,
    framesPerBatch: 64,
    seed: 0,
    maxUnread: 8,
  };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i]!, argv[i + 1]];
    if (value === undefined) throw new Error(`apex: ${flag} needs a value`);
    const int = () => {
      const n = Number(value);
      if (!Number.isSafeInteger(n) || n < 0)
        throw new Error(`apex: ${flag} must be a non-negative integer, got ${JSON.stringify(value)}`);
      return n;
    };
    if (flag === "--actors") o.actors = int();
    else if (flag === "--redis") o.redis = value;
    else if (flag === "--run") o.run = value;
    else if (flag === "--frames") o.frames = int();
    else if (flag === "--publish-every") o.publishEvery = Math.max(1, int());
    else if (flag === "--frames-per-batch") o.framesPerBatch = Math.max(4, int());
    else if (flag === "--seed") o.seed = int();
    else if (flag === "--max-unread") o.maxUnread = int();
    else
      throw new Error(
        `apex: unknown flag ${flag}; flags: --actors N --redis URL --run NAME --frames N --publish-every K --frames-per-batch N --seed S --max-unread N`,
      );
  }
  if (o.framesPerBatch % 4 !== 0)
    throw new Error(`apex: --frames-per-batch must be a multiple of 4 (the actors' envs), got ${o.framesPerBatch}`);
  return o;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  trainApex(parse(process.argv.slice(2))).then(
    () => process.exit(0),
    (e: unknown) => {
      console.error(e instanceof Error ? e.message : e);
      process.exit(1);
    },
  );
}
