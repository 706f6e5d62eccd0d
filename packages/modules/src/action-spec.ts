import { Categorical, Composite, type DType, OneHot } from "@tdrl/tensordict";
import { keyName, type NestedKey } from "./keys";

/** A discrete action spec: the leaf itself, or a Composite holding it (`env.actionSpec`). */
export type DiscreteActionSpec = Categorical<DType> | OneHot<DType> | Composite;

/**
 * The `Categorical` / `OneHot` leaf of `spec` for `actionKey`: `spec` itself when it is a leaf, else its
 * entry at `actionKey` (TorchRL's modules index a Composite spec by their action key the same way).
 */
export function discreteActionSpec(
  spec: DiscreteActionSpec,
  actionKey: NestedKey,
  what: string,
): Categorical<DType> | OneHot<DType> {
  let leaf: unknown = spec;
  if (spec instanceof Composite) {
    const path = typeof actionKey === "string" ? actionKey : [...actionKey];
    if (!spec.has(path)) {
      throw new Error(
        `${what}: the Composite spec has no action key "${keyName(actionKey)}" (it has ${spec.keys({ leavesOnly: true, nested: true }).join(", ") || "no keys"}); give actionKey`,
      );
    }
    leaf = spec.get(path);
  }
  if (!(leaf instanceof Categorical || leaf instanceof OneHot)) {
    throw new Error(
      `${what}: the action spec must be a Categorical or OneHot spec (or a Composite holding one at the action key), got ${String(leaf)}`,
    );
  }
  return leaf;
}
