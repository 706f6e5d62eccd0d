import * as tf from "@tensorflow/tfjs-core";
import { HostArray, formatShape, type ExplorationType, type TensorDict, type TensorSpec } from "@tdrl/tensordict";
import { runPolicyOnHost } from "@tdrl/envs";

/**
 * A module with named variables (`@tdrl/modules`' `HasParameters`, written structurally here so collectors
 * needs modules only for its users' policies, not as a dependency).
 */
export interface HasParameters {
  parameters(): Map<string, tf.Variable>;
}

/**
 * A module whose `forward` takes only the record (`@tdrl/modules`' `TensorDictModuleBase`: `TensorDictModule`,
 * `TensorDictSequential`, `QValueModule`, ...), written structurally as `HasParameters` is.
 */
export interface TensorDictModuleBase extends HasParameters {
  forward(td: TensorDict): TensorDict;
}

/**
 * Where a collector can write its batches (`@tdrl/buffers`' `ReplayBuffer`, or anything with `extend`),
 * written structurally so collectors does not depend on buffers.
 */
export interface BatchSink {
  extend(data: TensorDict): unknown;
}

/** A policy as a plain function: reads the root record, writes `"action"` (and anything else) into it or a copy. */
export type PolicyFn = (td: TensorDict, exploration: ExplorationType) => TensorDict;

/** A policy object whose `forward` takes the exploration type explicitly (e.g. `EGreedyModule`, or your own sequence). */
export interface ExplorationPolicy extends Partial<HasParameters> {
  forward(td: TensorDict, exploration: ExplorationType): TensorDict;
}

/**
 * What every collector accepts as a policy: a function, a `@tdrl/modules` `TensorDictModuleBase`
 * (`TensorDictModule`, `TensorDictSequential`, `QValueModule`, ...), or an object whose `forward` takes the
 * exploration type. The exploration type is passed on every call, never read from a global; a module
 * whose `forward` takes only the record ignores it.
 */
export type CollectorPolicy = PolicyFn | TensorDictModuleBase | ExplorationPolicy;

/** Weights for `updatePolicyWeights`: a module with the same parameter names, or a map of name -> values. */
export type PolicyWeights = HasParameters | ReadonlyMap<string, HostArray | tf.Tensor>;

/** `"QValueModule"`, `"policy function myPolicy"`: how errors name a policy. */
export function policyName(policy: CollectorPolicy): string {
  if (typeof policy === "function")
    return policy.name === "" ? "the policy function" : `the policy function ${policy.name}`;
  const named = (policy as { name?: unknown }).name;
  if (typeof named === "string" && named !== "") return `the policy ${named}`;
  return `the policy ${policy.constructor?.name ?? "object"}`;
}

/** Checks that `policy` is something `runPolicy` can call; `what` names the caller. */
export function checkPolicy(policy: unknown, what: string): asserts policy is CollectorPolicy {
  if (typeof policy === "function") return;
  if (typeof policy === "object" && policy !== null && typeof (policy as { forward?: unknown }).forward === "function")
    return;
  throw new Error(
    `${what}: the policy must be a function (td, exploration) => td or a module with forward(td), got ${policy === null ? "null" : typeof policy}`,
  );
}

/**
 * Runs `policy` on `td` and returns the result as host arrays: tensors the policy wrote are downloaded and
 * freed (also when the policy throws), so nothing leaks and the env only ever sees host arrays.
 */
export function runPolicy(policy: CollectorPolicy, td: TensorDict, exploration: ExplorationType): TensorDict {
  return runPolicyOnHost(
    (x) => (typeof policy === "function" ? policy(x, exploration) : policy.forward(x, exploration)),
    td,
    policyName(policy),
  );
}

/**
 * Checks the action entries a policy wrote against the env's action spec leaves; the message names the
 * policy, the key and the offending value.
 */
export function checkPolicyAction(
  td: TensorDict,
  leaves: readonly [string, TensorSpec][],
  policy: CollectorPolicy,
  what: string,
): void {
  for (const [key, spec] of leaves) {
    if (!td.has(key)) {
      throw new Error(
        `${what}: ${policyName(policy)} wrote no "${key}" entry; the record has keys: ${td.keys({ nested: true, leavesOnly: true }).join(", ") || "(none)"}`,
      );
    }
    const value = td.get(key) as unknown;
    if (!(value instanceof HostArray))
      throw new Error(`${what}: ${policyName(policy)} wrote "${key}" as a nested record, not an action`);
    const problem = spec.mismatch(value);
    if (problem !== null) {
      throw new Error(
        `${what}: ${policyName(policy)} wrote "${key}" = ${formatValue(value)} (${value.dtype}${formatShape(value.shape)}), outside the action spec ${spec.toString()}: ${problem}`,
      );
    }
  }
}

function formatValue(value: HostArray): string {
  const shown = Array.from(value.data.subarray(0, 8), (x) => String(x));
  return `[${shown.join(", ")}${value.size > 8 ? ", ..." : ""}]`;
}

/**
 * Loads `weights` into the policy's parameters. Every name and shape is checked before anything is
 * written, so a rejected update leaves the policy as it was.
 */
export function loadPolicyWeights(policy: CollectorPolicy, weights: PolicyWeights, what: string): void {
  const params = typeof policy === "function" ? undefined : policy.parameters?.();
  if (params === undefined) throw new Error(`${what}: ${policyName(policy)} has no parameters() to load weights into`);
  const source: ReadonlyMap<string, HostArray | tf.Tensor> =
    weights instanceof Map ? weights : (weights as HasParameters).parameters();
  const writes: [tf.Variable, HostArray | tf.Tensor][] = [];
  for (const [name, value] of source) {
    const dst = params.get(name);
    if (dst === undefined)
      throw new Error(
        `${what}: weight "${name}" is not a parameter of ${policyName(policy)} (it has ${[...params.keys()].join(", ") || "none"})`,
      );
    if (formatShape(value.shape) !== formatShape(dst.shape)) {
      throw new Error(
        `${what}: weight "${name}" has shape ${formatShape(value.shape)}, the parameter has ${formatShape(dst.shape)}`,
      );
    }
    writes.push([dst, value]);
  }
  for (const name of params.keys()) {
    if (!source.has(name)) throw new Error(`${what}: the weights lack parameter "${name}" of ${policyName(policy)}`);
  }
  tf.tidy(() => {
    for (const [dst, value] of writes) {
      dst.assign(
        value instanceof HostArray
          ? tf.tensor(value.data, [...value.shape], dst.dtype)
          : value.dtype === dst.dtype
            ? value
            : tf.cast(value, dst.dtype),
      );
    }
  });
}
