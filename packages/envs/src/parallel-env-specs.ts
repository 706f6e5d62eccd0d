import {
  Binary,
  Bounded,
  Categorical,
  Composite,
  HostArray,
  OneHot,
  Unbounded,
  type TensorSpec,
} from "@tdrl/tensordict";
import type { CompositeDescription, LeafSpecDescription } from "./parallel-env-protocol";

/**
 * Rebuilds, in the main thread, a Composite a worker described (spec objects do not survive
 * `postMessage`: their classes are lost). Knows the five leaf spec kinds of `@tdrl/tensordict`; an env
 * with a spec of its own kind cannot run in a ParallelEnv, and the error says which key holds it.
 */
export function compositeFromDescription(description: CompositeDescription, what: string): Composite {
  const out = new Composite({}, description.batchSize);
  for (const leaf of description.leaves) out.set(leaf.path, leafFromDescription(leaf, what));
  return out;
}

function leafFromDescription(leaf: LeafSpecDescription, what: string): TensorSpec {
  const { kind, shape, dtype, n, low, high } = leaf;
  switch (kind) {
    case "Unbounded":
      return new Unbounded({ shape, dtype });
    case "Bounded":
      if (low === undefined || high === undefined) break;
      return new Bounded({
        low: HostArray.from(dtype, shape, low),
        high: HostArray.from(dtype, shape, high),
        shape,
        dtype,
      });
    case "Categorical":
      if (n === undefined) break;
      return new Categorical({ n, shape, dtype });
    case "OneHot":
      if (n === undefined) break;
      return new OneHot({ n, shape, dtype });
    case "Binary":
      return new Binary({ shape, dtype });
  }
  throw new Error(
    `${what}: the sub-env's spec "${leaf.path}" is a ${kind}; a ParallelEnv can only pass Unbounded, Bounded, Categorical, OneHot and Binary specs between threads`,
  );
}
