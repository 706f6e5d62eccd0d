import { TensorDict, type Schema, type UntypedSchema, checkOptions, type OptionKeys } from "@tdrl/tensordict";

const STEP_MDP_OPTION_KEYS = {
  excludeAction: true,
  excludeReward: true,
  excludeDone: true,
  keepOther: true,
  actionKeys: true,
  rewardKeys: true,
  doneKeys: true,
} satisfies OptionKeys<StepMdpOptions>;

export interface StepMdpOptions {
  /** Drop the action keys from the result (default true): the next root has no action yet. */
  excludeAction?: boolean;
  /** Drop the reward keys (default true): a reward belongs to the transition, not to the next state. */
  excludeReward?: boolean;
  /** Drop the done keys (default false). */
  excludeDone?: boolean;
  /** Carry over root keys that are not in `"next"` (default true), e.g. a policy's recurrent state. */
  keepOther?: boolean;
  /** Default `["action"]`. Dotted paths name nested keys. */
  actionKeys?: readonly string[];
  /** Default `["reward"]`. */
  rewardKeys?: readonly string[];
  /** Default `["done", "terminated", "truncated"]`. */
  doneKeys?: readonly string[];
}

const DEFAULT_ACTION_KEYS: readonly string[] = ["action"];
const DEFAULT_REWARD_KEYS: readonly string[] = ["reward"];
const DEFAULT_DONE_KEYS: readonly string[] = ["done", "terminated", "truncated"];

/**
 * The root record of the next time step, from a record that `env.step` has filled (TorchRL's `step_mdp`).
 *
 * With the defaults, the result holds:
 * 1. every root key of `td` except `"next"`, the action keys and the reward keys (`keepOther`), then
 * 2. every key of `td.next` except the reward keys, replacing a root key of the same name.
 *
 * So observations and done flags come from `"next"`, the action and the reward are dropped, and anything
 * else at the root (a recurrent state, a step counter written by a transform) is carried over. The excluded
 * keys are excluded from both levels; a dotted key (`"agent.action"`) excludes only that nested entry.
 * Leaves are shared, not copied: the result is a new record over the same arrays, as in TorchRL.
 *
 * @example
 * import { HostArray, TensorDict } from "@tdrl/tensordict";
 * const td = TensorDict.from({
 *   observation: HostArray.from("float32", [2], [0, 0]),
 *   action: HostArray.from("int32", [], [1]),
 *   next: {
 *     observation: HostArray.from("float32", [2], [1, 1]),
 *     reward: HostArray.from("float32", [1], [1]),
 *     done: HostArray.from("bool", [1], [0]),
 *   },
 * });
 * stepMdp(td).keys(); // ["observation", "done"]: observation and done from "next"; no action, no reward
 */
export function stepMdp<T extends Schema = UntypedSchema>(
  typed: TensorDict<T>,
  options: StepMdpOptions = {},
): TensorDict<T> {
  checkOptions("stepMdp", options, STEP_MDP_OPTION_KEYS);
  // The result keeps the record's type (an env's records share one schema, see EnvBase).
  const td = typed as unknown as TensorDict;
  const next = td.has("next") ? td.get("next") : undefined;
  if (!(next instanceof TensorDict)) {
    throw new Error(
      `stepMdp: the record has no "next" sub-record (keys: ${td.keys().join(", ") || "(none)"}); call env.step() on it first`,
    );
  }
  const excluded = excludedKeys(options);
  // `exclude` copies the structure without re-validating the leaves: the cheapest way to a new record.
  const out = next.exclude(...excluded);
  if (options.keepOther ?? true) {
    mergeMissing(out, td, excluded, "", true);
  } else if (!(options.excludeAction ?? true)) {
    for (const key of options.actionKeys ?? DEFAULT_ACTION_KEYS) {
      if (td.has(key) && !out.has(key)) out.set(key, td.get(key) as TensorDict);
    }
  }
  return out as unknown as TensorDict<T>;
}

function excludedKeys(options: StepMdpOptions): readonly string[] {
  const excludeAction = options.excludeAction ?? true;
  const excludeReward = options.excludeReward ?? true;
  const excludeDone = options.excludeDone ?? false;
  // The defaults are by far the common case: one shared list rather than a new one per step.
  if (
    excludeAction &&
    excludeReward &&
    !excludeDone &&
    options.actionKeys === undefined &&
    options.rewardKeys === undefined
  ) {
    return DEFAULT_EXCLUDED;
  }
  const keys: string[] = [];
  if (excludeAction) keys.push(...(options.actionKeys ?? DEFAULT_ACTION_KEYS));
  if (excludeReward) keys.push(...(options.rewardKeys ?? DEFAULT_REWARD_KEYS));
  if (excludeDone) keys.push(...(options.doneKeys ?? DEFAULT_DONE_KEYS));
  return keys;
}

const DEFAULT_EXCLUDED: readonly string[] = [...DEFAULT_ACTION_KEYS, ...DEFAULT_REWARD_KEYS];

/**
 * Adds the entries of `from` that `into` lacks, skipping excluded paths; sub-records present in both are
 * merged key by key (`into`'s entries win). `prefix` is `from`'s dotted path.
 */
function mergeMissing(
  into: TensorDict,
  from: TensorDict,
  excluded: readonly string[],
  prefix: string,
  isRoot: boolean,
): void {
  for (const key of from.keys()) {
    if (isRoot && key === "next") continue;
    const path = prefix + key;
    if (excluded.includes(path)) continue;
    const entry = from.get(key);
    // Only nested records need the prefix string: leaves (the per-step common case) skip building it.
    const inner = entry instanceof TensorDict ? `${path}.` : "";
    if (!into.has(key)) {
      if (entry instanceof TensorDict && hasDescendant(excluded, inner)) {
        const relative: string[] = [];
        for (const k of excluded) if (k.startsWith(inner)) relative.push(k.slice(inner.length));
        into.set(key, entry.exclude(...relative));
      } else {
        into.set(key, entry as TensorDict);
      }
      continue;
    }
    if (!(entry instanceof TensorDict)) continue;
    const existing = into.get(key);
    if (existing instanceof TensorDict) mergeMissing(existing, entry, excluded, inner, false);
  }
}

function hasDescendant(keys: readonly string[], prefix: string): boolean {
  for (const k of keys) if (k.startsWith(prefix)) return true;
  return false;
}
