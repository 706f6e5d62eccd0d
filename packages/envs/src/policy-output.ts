import { isTensor, TensorDict } from "@tdrl/tensordict";

/**
 * What a policy returned, as the host record an env steps: tensors it wrote (actions, Q-values, recurrent
 * states) are downloaded and then freed, so acting leaks nothing and the env only sees host arrays. Throws,
 * freeing `input`'s tensors, when the output is not a TensorDict; `name` names the policy in the message.
 * `rollout` and the collectors both act through it.
 */
export function policyOutputToHost(out: unknown, input: TensorDict, name: string): TensorDict {
  if (!(out instanceof TensorDict)) {
    input.dispose();
    throw new Error(`${name} returned ${out === null ? "null" : typeof out}, not a TensorDict`);
  }
  if (!hasTensor(out)) return out;
  try {
    return out.toHost();
  } finally {
    out.dispose();
  }
}

/** Runs `policy` on `td` and returns `policyOutputToHost` of its output; if it throws, `td`'s tensors are freed first. */
export function runPolicyOnHost(policy: (td: TensorDict) => unknown, td: TensorDict, name: string): TensorDict {
  let out: unknown;
  try {
    out = policy(td);
  } catch (e) {
    td.dispose();
    throw e;
  }
  return policyOutputToHost(out, td, name);
}

function hasTensor(td: TensorDict): boolean {
  for (const [, leaf] of td.leaves()) if (isTensor(leaf)) return true;
  return false;
}
