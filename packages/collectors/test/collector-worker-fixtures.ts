// Env and policy factories the worker-collector tests and benchmark load in worker threads (a worker imports
// a module; it cannot receive a closure). Each also works in the main thread, for SyncDataCollector comparisons.
import * as tf from "@tensorflow/tfjs-core";
import { CartPoleEnv, CountingEnv, type CountingEnvOptions, type EnvFactory } from "@tdrl/envs";
import { HostArray, Rng, sizeOf, type TensorDict } from "@tdrl/tensordict";
import type { PolicyFactory } from "../src/collector-worker-protocol";

/** Uniform random actions in [0, n) from an Rng seeded with the worker's seed. */
export const makeRandomPolicy: PolicyFactory<{ n: number } | undefined> = (_index, args, { seed }) => {
  const rng = new Rng(seed);
  const n = args?.n ?? 2;
  return (td: TensorDict) => {
    const count = sizeOf(td.batchSize);
    const actions = new Int32Array(count);
    for (let i = 0; i < count; i++) actions[i] = rng.int(0, n);
    return td.set("action", new HostArray("int32", td.batchSize, actions));
  };
};

/**
 * A greedy linear policy on the wasm/cpu backend: `action = argmax(observation @ weight)`, with one
 * parameter `"weight"` `[inFeatures, n]` filled from `args.weight` (row-major).
 */
export class LinearPolicy {
  readonly name = "LinearPolicy";
  readonly weight: tf.Variable;
  constructor(
    readonly inFeatures: number,
    readonly n: number,
    weight: readonly number[],
  ) {
    this.weight = tf.tidy(() => tf.variable(tf.tensor(Float32Array.from(weight), [inFeatures, n])));
  }
  parameters(): Map<string, tf.Variable> {
    return new Map([["weight", this.weight]]);
  }
  forward(td: TensorDict): TensorDict {
    const obs = td.getHost("observation");
    const rows = sizeOf(td.batchSize);
    const q = tf.tidy(() => tf.matMul(tf.tensor(obs.data, [rows, this.inFeatures], "float32"), this.weight).dataSync());
    const actions = new Int32Array(rows);
    for (let r = 0; r < rows; r++) {
      let best = 0;
      for (let a = 1; a < this.n; a++) if (q[r * this.n + a]! > q[r * this.n + best]!) best = a;
      actions[r] = best;
    }
    return td.set("action", new HostArray("int32", td.batchSize, actions));
  }
}

export const makeLinearPolicy: PolicyFactory<{ weight: number[]; inFeatures?: number; n?: number }> = (_index, args) =>
  new LinearPolicy(args.inFeatures ?? 4, args.n ?? 2, args.weight);

/** A random policy that throws at call `at` in worker `worker` (from a named function, for the stack). */
export const makeFailingPolicy: PolicyFactory<{ worker: number; at: number; exit?: boolean }> = (
  index,
  args,
  context,
) => {
  const inner = makeRandomPolicy(index, undefined, context) as (td: TensorDict) => TensorDict;
  let calls = 0;
  return (td: TensorDict) => {
    calls++;
    if (index === args.worker && calls === args.at) {
      if (args.exit === true) process.exit(3);
      explode(calls);
    }
    return inner(td);
  };
};

function explode(call: number): never {
  throw new TypeError(`policy call ${call} exploded`);
}

export const makeCartPole: EnvFactory<{ batchSize?: number[] } | undefined> = (_index, args) =>
  new CartPoleEnv(args?.batchSize === undefined ? {} : { batchSize: args.batchSize });

/** A CountingEnv whose steps take `delayMs[index]` ms in worker `index`: a slow and a fast worker. */
export const makeSlowCounting: EnvFactory<{ delayMs: number[] } & CountingEnvOptions> = (
  index,
  { delayMs, ...options },
) => new SlowCountingEnv(delayMs[index] ?? 0, options);

class SlowCountingEnv extends CountingEnv {
  constructor(
    private readonly delayMs: number,
    options: CountingEnvOptions,
  ) {
    super(options);
  }
  protected override _step(td: TensorDict): TensorDict {
    if (this.delayMs > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, this.delayMs);
    return super._step(td);
  }
}

export const makeThrowingEnv: EnvFactory<{ failAt: number }> = (index, args) => {
  if (index === args.failAt) throw new RangeError(`no env for worker ${index}`);
  return new CountingEnv();
};
