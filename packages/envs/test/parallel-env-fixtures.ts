// Env factories the ParallelEnv tests and benchmark load in worker threads (a worker imports a module; it
// cannot receive a closure). Each one also works directly in the main thread, for SerialEnv comparisons.
import type { TensorDict } from "@tdrl/tensordict";
import { CartPoleEnv, type CartPoleEnvOptions } from "../src/cartpole/cartpole-env";
import { CountingEnv, type CountingEnvOptions } from "../src/counting-env";
import type { EnvFactory } from "../src/env-module-ref";

export const makeCartPole: EnvFactory<CartPoleEnvOptions | undefined> = (_index, args) => new CartPoleEnv(args);

export const makeCounting: EnvFactory<CountingEnvOptions | undefined> = (_index, args) => new CountingEnv(args);

/** Async factories are awaited in the worker. */
export const makeCountingAsync: EnvFactory<CountingEnvOptions | undefined> = async (_index, args) => {
  await new Promise((resolve) => setTimeout(resolve, 5));
  return new CountingEnv(args);
};

/** Worker `index` gets a `maxCount` of its own, so its observation spec differs from worker 0's. */
export const makeMismatched: EnvFactory<undefined> = (index) => new CountingEnv({ maxCount: 5 + index });

export const makeThrowing: EnvFactory<{ failAt: number }> = (index, args) => {
  if (index === args.failAt) throw new RangeError(`no env for worker ${index}`);
  return new CountingEnv();
};

export const makeNotAnEnv = (): unknown => ({ step: 1 });

export interface FailingEnvArgs {
  /** The worker whose env fails. */
  worker: number;
  /** Where it fails. */
  in: "step" | "reset" | "exit" | "hang";
  /** The step (counted from 1) at which it fails; for "reset", the reset (counted from 1). */
  at: number;
}

/** A CountingEnv that throws (or exits, or hangs) at a chosen step or reset, in one worker only. */
class FailingEnv extends CountingEnv {
  private steps = 0;
  private resets = 0;
  constructor(private readonly plan: FailingEnvArgs | null) {
    super();
  }
  protected override _step(td: TensorDict): TensorDict {
    this.steps++;
    if (this.plan?.in !== "reset" && this.steps === this.plan?.at) {
      if (this.plan.in === "exit") process.exit(7);
      if (this.plan.in === "hang") Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10_000);
      else explode(this.steps);
    }
    return super._step(td);
  }
  protected override _reset(mask: Uint8Array | null): TensorDict {
    this.resets++;
    if (this.plan?.in === "reset" && this.resets === this.plan.at) throw new Error(`reset ${this.resets} refused`);
    return super._reset(mask);
  }
}

/** A named function, so the worker's stack trace has a frame the tests can look for. */
function explode(step: number): never {
  throw new TypeError(`step ${step} exploded`);
}

export const makeFailing: EnvFactory<FailingEnvArgs> = (index, args) =>
  new FailingEnv(index === args.worker ? args : null);
