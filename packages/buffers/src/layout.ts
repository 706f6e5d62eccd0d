import {
  HostArray,
  TensorDict,
  formatShape,
  isDType,
  sizeOf,
  type DType,
  type Leaf,
  type Shape,
} from "@tdrl/tensordict";
import type { JsonValue } from "./component-state";

/** One stored leaf: its dotted path, dtype and the shape of one element (without the storage dims). */
export interface LeafLayout {
  readonly path: string;
  readonly dtype: DType;
  readonly shape: Shape;
  /** Numbers per element (product of `shape`). */
  readonly size: number;
}

/**
 * The keys, dtypes and per-element shapes of a typed storage, fixed by its first write. Checking data
 * against it is what makes a bad `extend` throw before anything is stored.
 */
export class Layout {
  readonly leaves: readonly LeafLayout[];
  private readonly byPath: Map<string, LeafLayout>;

  constructor(leaves: readonly LeafLayout[]) {
    this.leaves = leaves;
    this.byPath = new Map(leaves.map((l) => [l.path, l]));
  }

  /** The layout of `data` whose first `ndim` batch dims index elements. */
  static infer(data: TensorDict, ndim: number): Layout {
    return new Layout(
      data.leaves().map(([path, leaf]) => leafLayout(path, leaf.dtype as DType, leaf.shape.slice(ndim))),
    );
  }

  leaf(path: string): LeafLayout | undefined {
    return this.byPath.get(path);
  }

  /**
   * The host arrays of `data`, in layout order, after checking keys, dtypes and shapes. Tensor leaves are
   * read to the host; an int32 tensor is accepted for a uint8 key (tfjs has no uint8, so a uint8 leaf that
   * went to the backend comes back as int32) and narrowed.
   */
  check(data: TensorDict, ndim: number, what: string): HostArray[] {
    const given = new Map(data.leaves());
    const storeDims = data.batchSize.slice(0, ndim);
    const out: HostArray[] = [];
    for (const l of this.leaves) {
      const leaf = given.get(l.path);
      if (leaf === undefined) {
        throw new Error(
          `${what}: key "${l.path}" is missing from the data (the storage holds ${this.leaves.map((x) => `"${x.path}"`).join(", ")})`,
        );
      }
      const expected = [...storeDims, ...l.shape];
      if (leaf.shape.length !== expected.length || leaf.shape.some((d, i) => d !== expected[i])) {
        throw new Error(
          `${what}: key "${l.path}" has shape ${formatShape(leaf.shape)}, the storage expects ${formatShape(expected)} (element shape ${formatShape(l.shape)})`,
        );
      }
      out.push(toHostLeaf(leaf, l, what));
      given.delete(l.path);
    }
    if (given.size > 0) {
      const extra = [...given.keys()].map((k) => `"${k}"`).join(", ");
      throw new Error(
        `${what}: key ${extra} is not in the storage layout (the storage holds ${this.leaves.map((x) => `"${x.path}"`).join(", ")})`,
      );
    }
    return out;
  }

  toJSON(): JsonValue {
    return this.leaves.map((l) => ({ path: l.path, dtype: l.dtype, shape: [...l.shape] }));
  }

  /** Parses `toJSON()` output; `what` names the source (a file) in errors. */
  static fromJSON(value: unknown, what: string): Layout {
    if (!Array.isArray(value))
      throw new Error(`${what}: the layout should be a list of leaves, got ${JSON.stringify(value)}`);
    return new Layout(
      value.map((v: unknown, i) => {
        const entry = v as { path?: unknown; dtype?: unknown; shape?: unknown };
        if (
          typeof entry?.path !== "string" ||
          !isDType(entry.dtype) ||
          !Array.isArray(entry.shape) ||
          !entry.shape.every((d) => Number.isSafeInteger(d) && d >= 0)
        ) {
          throw new Error(`${what}: layout entry ${i} is not {path, dtype, shape}: ${JSON.stringify(v)}`);
        }
        return leafLayout(entry.path, entry.dtype, entry.shape as number[]);
      }),
    );
  }
}

function leafLayout(path: string, dtype: DType, shape: Shape): LeafLayout {
  return { path, dtype, shape: Object.freeze([...shape]), size: sizeOf(shape) };
}

function toHostLeaf(leaf: Leaf, l: LeafLayout, what: string): HostArray {
  if (leaf instanceof HostArray) {
    if (leaf.dtype !== l.dtype)
      throw new Error(`${what}: key "${l.path}" has dtype ${leaf.dtype}, the storage holds ${l.dtype}`);
    return leaf;
  }
  const dtype = leaf.dtype as string;
  if (dtype !== l.dtype && !(dtype === "int32" && l.dtype === "uint8")) {
    throw new Error(`${what}: key "${l.path}" is a ${dtype} tensor, the storage holds ${l.dtype}`);
  }
  const values = leaf.dataSync();
  const host = new HostArray(l.dtype, leaf.shape);
  host.data.set(values);
  return host;
}

/**
 * Builds a TensorDict with batch `batch` from dotted paths (or paths already split at the dots, which a hot
 * caller keeps) and host arrays (nested keys become sub-records).
 */
export function buildTensorDict(
  paths: readonly (string | readonly string[])[],
  arrays: readonly HostArray[],
  batch: Shape,
): TensorDict {
  const root: Record<string, unknown> = {};
  for (let i = 0; i < paths.length; i++) {
    const path = paths[i]!;
    const parts = typeof path === "string" ? path.split(".") : path;
    let node = root;
    for (let j = 0; j < parts.length - 1; j++) node = (node[parts[j]!] ??= {}) as Record<string, unknown>;
    node[parts[parts.length - 1]!] = arrays[i]!;
  }
  return new TensorDict(root as ConstructorParameters<typeof TensorDict>[0], batch);
}
