import { HostArray, type DType, type TensorDict } from "@tdrl/tensordict";
import { policyName, runPolicy, type CollectorPolicy } from "./collector-policy";

/** A leaf the policy writes: where (relative to the root, or to `"next"`), its dtype and full shape. */
interface OutputLeaf {
  path: string;
  dtype: DType;
  shape: readonly number[];
}

/**
 * The leaves a policy writes beyond what the env gives it, at the root and under `"next"` (e.g. action
 * values, features, recurrent states). Random warm-up steps lack them; filling them with zeros gives every
 * step, and so every batch, the policy's layout (TorchRL's collector does the same from the policy's
 * output spec), and a replay buffer whose layout a random batch fixed still takes the policy's batches.
 */
export class PolicyOutputs {
  private constructor(
    private readonly root: readonly OutputLeaf[],
    private readonly next: readonly OutputLeaf[],
  ) {}

  /**
   * Learns the layout by running the policy once on a copy of `root` with exploration `"deterministic"`
   * (so an epsilon-greedy module draws nothing) and discarding the result. `root` is left unchanged.
   */
  static probe(policy: CollectorPolicy, root: TensorDict, what: string): PolicyOutputs {
    let out: TensorDict;
    try {
      out = runPolicy(policy, root.clone(), "deterministic");
    } catch (error) {
      throw new Error(
        `${what}: running ${policyName(policy)} once to learn the keys it writes, which random warm-up steps fill with zeros, failed: ${(error as Error).message}`,
        { cause: error },
      );
    }
    const given = new Set(root.leaves().map(([path]) => path));
    const atRoot: OutputLeaf[] = [];
    const atNext: OutputLeaf[] = [];
    for (const [path, leaf] of out.leaves()) {
      if (given.has(path)) continue;
      if (path.startsWith("next."))
        atNext.push({ path: path.slice("next.".length), dtype: leaf.dtype as DType, shape: [...leaf.shape] });
      else atRoot.push({ path, dtype: leaf.dtype as DType, shape: [...leaf.shape] });
    }
    return new PolicyOutputs(atRoot, atNext);
  }

  /** Sets zeros for the policy's root leaves that `td` lacks. */
  fillRoot(td: TensorDict): void {
    fill(td, this.root);
  }

  /** Sets zeros for the policy's `"next"` leaves that `next` (the stepped record's `"next"`) lacks. */
  fillNext(next: TensorDict): void {
    fill(next, this.next);
  }
}

function fill(td: TensorDict, leaves: readonly OutputLeaf[]): void {
  for (const { path, dtype, shape } of leaves) if (!td.has(path)) td.set(path, HostArray.zeros(dtype, shape));
}
