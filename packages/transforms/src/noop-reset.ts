import { stepMdp } from "@tdrl/envs";
import {
  checkOptions,
  type OptionKeys,
  Rng,
  type TensorDict,
  formatShape,
  sizeOf,
  type Composite,
  type JsonValue,
  type RngState,
} from "@tdrl/tensordict";
import { Transform } from "./transform";

const NOOP_RESET_OPTION_KEYS = {
  noops: true,
  random: true,
  action: true,
  maxTrials: true,
  seed: true,
} satisfies OptionKeys<NoopResetOptions>;

export interface NoopResetOptions {
  /** The most no-op steps after a reset (default 30, as in the Atari papers). */
  noops?: number;
  /** Draw the number of steps uniformly from 1..noops (default true); false always takes `noops`. */
  random?: boolean;
  /** What a no-op is: `"zero"` (default) the all-zero action of the action spec (Atari's NOOP is 0), `"random"` a random action (TorchRL's choice). */
  action?: "zero" | "random";
  /** Fresh resets tried when the env ends during the no-ops, before giving up (default 10). */
  maxTrials?: number;
  /** Seed of the transform's own stream (step counts and random actions; default 0). */
  seed?: number;
}

/**
 * After each reset, steps the env below a random number of times (1..noops) with a no-op action (TorchRL's
 * `NoopResetEnv`), so episodes start from varied states. If the env ends during the no-ops, it is reset
 * and the no-ops start over, up to `maxTrials` times; then the reset fails with an error naming the
 * settings. The reset record is the state after the no-ops.
 *
 * Only for unbatched envs: the sub-envs of a batched env step together, so no-ops for one would move the
 * others. Batch it from outside instead, `new SerialEnv(n, () => new TransformedEnv(env(), new NoopReset()))`,
 * which resets each sub-env with its own no-ops (TorchRL refuses batched envs too, without the way out).
 *
 * Where it differs from TorchRL: the count is 1..noops as in the Atari papers and Gymnasium (TorchRL draws
 * 0..noops-1, so it may skip the no-ops entirely and never takes `noops`), and the no-op is the zero action
 * by default (TorchRL takes random actions under that name).
 *
 * @example
 * import { CartPoleEnv } from "@tdrl/envs";
 * import { NoopReset, TransformedEnv } from "@tdrl/transforms";
 * const env = new TransformedEnv(new CartPoleEnv({ seed: 1 }), new NoopReset({ noops: 5 }));
 * const td = env.reset(); // CartPole after 1 to 5 pushes to the left
 * td.getHost("observation").data;
 */
export class NoopReset extends Transform {
  readonly noops: number;
  readonly random: boolean;
  readonly action: "zero" | "random";
  readonly maxTrials: number;
  private readonly rng: Rng;

  constructor(options: NoopResetOptions = {}) {
    checkOptions("NoopReset", options, NOOP_RESET_OPTION_KEYS);
    super();
    const noops = options.noops ?? 30;
    const maxTrials = options.maxTrials ?? 10;
    const action = options.action ?? "zero";
    if (!(Number.isInteger(noops) && noops >= 1))
      throw new Error(`NoopReset: noops must be a positive integer, got ${String(noops)}`);
    if (!(Number.isInteger(maxTrials) && maxTrials >= 1))
      throw new Error(`NoopReset: maxTrials must be a positive integer, got ${String(maxTrials)}`);
    if (action !== "zero" && action !== "random")
      throw new Error(`NoopReset: action must be "zero" or "random", got ${JSON.stringify(action)}`);
    this.noops = noops;
    this.random = options.random ?? true;
    this.action = action;
    this.maxTrials = maxTrials;
    this.rng = new Rng(options.seed ?? 0);
  }

  override get name(): string {
    return "NoopReset";
  }

  /** Its random stream (the number of no-ops and the random actions come from it). */
  override state(): JsonValue {
    const r = this.rng.state();
    return { rng: { algorithm: r.algorithm, words: [...r.words], key: [...r.key], spare: r.spare } };
  }

  override loadState(state: JsonValue): void {
    const what = "NoopReset.loadState()";
    const saved = typeof state === "object" && state !== null && !Array.isArray(state) ? state.rng : undefined;
    try {
      this.rng.setState(saved as unknown as RngState);
    } catch (error) {
      throw new Error(`${what}: "rng": ${(error as Error).message}`, { cause: error });
    }
  }

  override reset(input: TensorDict, record: TensorDict, mask: Uint8Array | null): TensorDict {
    void input;
    void mask;
    this.checkUnbatched(record.batchSize);
    const parent = this.parent;
    const container = this.container;
    if (parent === null || container === null || container.stepBelow === undefined)
      throw new Error(`NoopReset: not in a TransformedEnv, so there is no env to step after the reset`);
    const actionSpec = parent.actionSpec;
    let current = record;
    for (let trial = 0; trial < this.maxTrials; trial++) {
      const count = this.random ? this.rng.int(1, this.noops + 1) : this.noops;
      let done = false;
      for (let i = 0; i < count && !done; i++) {
        const action = this.action === "zero" ? actionSpec.zero() : actionSpec.rand(this.rng);
        const root = current.exclude().update(action as unknown as TensorDict);
        const next = container.stepBelow(this, root);
        done = next.has("done") && this.hostLeaf(next, "done").data[0] === 1;
        current = stepMdp(root.set("next", next));
      }
      if (!done) return current;
      // The env below ended during the no-ops: a fresh reset of it (and of the transforms before this one).
      current = parent.reset();
    }
    throw new Error(
      `NoopReset: the env ended during the no-op steps in ${this.maxTrials} trials in a row (noops ${this.noops}, action "${this.action}"); lower noops or use action "random"`,
    );
  }

  override transformObservationSpec(spec: Composite): Composite {
    this.checkUnbatched(spec.batchSize);
    return spec;
  }

  /** Standalone records hold no env to step. */
  override forward(td: TensorDict): TensorDict {
    throw new Error(
      `NoopReset: forward() on a standalone record is not supported; the no-ops are made by a TransformedEnv (record keys: ${td.keys().join(", ") || "(none)"})`,
    );
  }

  private checkUnbatched(batchSize: readonly number[]): void {
    if (sizeOf(batchSize) !== 1) {
      throw new Error(
        `NoopReset: the env below has batch size ${formatShape(batchSize)}; its sub-envs step together, so no-ops for one would move the others. ` +
          `Give each sub-env its own: new SerialEnv(n, () => new TransformedEnv(makeEnv(), new NoopReset()))`,
      );
    }
  }
}
