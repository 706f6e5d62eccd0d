import type { TensorDict } from "@tdrl/tensordict";

/** What `rollout` does besides its step count and policy. */
export interface RolloutOptions {
  /** Stop after the first step in which any sub-env is done (default true). */
  breakWhenAnyDone?: boolean;
  /** Reset before the first step (default true); when false, `tensordict` is the starting root record. */
  autoReset?: boolean;
  /** The starting root record (with `autoReset`, it is passed to `reset`, so it may carry `"_reset"` flags). */
  tensordict?: TensorDict;
}

/** `rollout`'s arguments as one object, TorchRL's keyword style: `env.rollout({ maxSteps: 100, breakWhenAnyDone: false })`. */
export interface RolloutCall<P> extends RolloutOptions {
  maxSteps: number;
  policy?: P;
}

const OPTION_KEYS: readonly string[] = ["breakWhenAnyDone", "autoReset", "tensordict", "policy", "maxSteps"];

/** A policy is a function or a module (an object with `forward(td)`); any other object is options. */
function isPolicy(value: unknown): boolean {
  if (typeof value === "function") return true;
  return typeof value === "object" && value !== null && typeof (value as { forward?: unknown }).forward === "function";
}

/**
 * Reads the three spellings of `rollout`'s arguments: `(maxSteps, policy?, options?)`,
 * `(maxSteps, { policy, ...options })` and `({ maxSteps, policy, ...options })`. Throws, naming the key, on an
 * unknown option (a typo would otherwise be ignored) or a policy given twice.
 *
 * @example
 * ```ts
 * rolloutArgs("env.rollout()", 10, { breakWhenAnyDone: false }); // { maxSteps: 10, policy: undefined, options: { breakWhenAnyDone: false } }
 * ```
 */
export function rolloutArgs<P>(
  what: string,
  first: number | RolloutCall<P>,
  second?: P | (RolloutOptions & { policy?: P }),
  third?: RolloutOptions,
): { maxSteps: number; policy: P | undefined; options: RolloutOptions } {
  let maxSteps: unknown;
  let policy: P | undefined;
  let options: RolloutOptions & { policy?: P; maxSteps?: number };
  if (typeof first === "object" && first !== null) {
    if (second !== undefined || third !== undefined)
      throw new Error(
        `${what}: with an options object as the first argument, pass nothing else (got ${second === undefined ? "a third" : "a second"} argument)`,
      );
    options = first;
    maxSteps = first.maxSteps;
    policy = first.policy;
  } else {
    maxSteps = first;
    if (typeof second === "object" && second !== null && !isPolicy(second)) {
      if (third !== undefined)
        throw new Error(`${what}: pass the options once, as the second argument or the third, not both`);
      options = second as RolloutOptions & { policy?: P };
      policy = options.policy;
    } else {
      if (second !== undefined && !isPolicy(second))
        throw new Error(
          `${what}: policy must be a function or a module with forward(td), got ${typeof second} ${String(second)}`,
        );
      policy = second as P | undefined;
      options = third ?? {};
      if ((options as { policy?: unknown }).policy !== undefined) {
        if (policy !== undefined)
          throw new Error(`${what}: the policy is given twice, as an argument and as options.policy`);
        policy = options.policy;
      }
    }
    if ((options as { maxSteps?: unknown }).maxSteps !== undefined)
      throw new Error(`${what}: maxSteps is given twice, as an argument and as options.maxSteps`);
  }
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.includes(key))
      throw new Error(`${what}: unknown option "${key}"; expected ${OPTION_KEYS.map((k) => `"${k}"`).join(", ")}`);
  }
  if (!(Number.isInteger(maxSteps) && (maxSteps as number) >= 1))
    throw new Error(`${what}: maxSteps must be a positive integer, got ${String(maxSteps)}`);
  if (policy !== undefined && !isPolicy(policy))
    throw new Error(
      `${what}: policy must be a function or a module with forward(td), got ${typeof policy} ${String(policy)}`,
    );
  return { maxSteps: maxSteps as number, policy, options };
}
