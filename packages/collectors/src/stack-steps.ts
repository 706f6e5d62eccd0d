import { HostArray, TensorDict, isHostArray, type Leaf } from "@tdrl/tensordict";

/**
 * Stacks per-step records along a new time dim `dim`. Keys that only some steps have (a recurrent state
 * that first appears after the policy's first call, action values missing from random-action steps) are
 * zero-filled in the others, as TorchRL's pre-allocated rollout buffer does, so the stack never fails on
 * a key that the policy writes only from some step on.
 */
export function stackSteps(steps: readonly TensorDict[], dim: number): TensorDict {
  // Steps almost always share their keys: try the plain stack first (it checks the keys as it goes) and
  // zero-fill only when it refuses.
  try {
    return TensorDict.stack(steps, dim);
  } catch (plainError) {
    const like = new Map<string, HostArray>();
    for (const step of steps) {
      for (const [path, leaf] of step.leaves()) if (!like.has(path)) like.set(path, asHost(leaf, path));
    }
    const filled = steps.map((step) => {
      const out = step.exclude();
      for (const [path, leaf] of like) if (!out.has(path)) out.set(path, HostArray.zeros(leaf.dtype, leaf.shape));
      return out;
    });
    if (filled.every((f, i) => f.leaves().length === steps[i]!.leaves().length)) throw plainError; // not a key mismatch
    return TensorDict.stack(filled, dim);
  }
}

function asHost(leaf: Leaf, path: string): HostArray {
  if (!isHostArray(leaf)) throw new Error(`stackSteps: "${path}" is a tensor; collector steps hold host arrays only`);
  return leaf;
}
