import {
  checkOptions,
  type OptionKeys,
  HostArray,
  type TensorDict,
  formatShape,
  isHostArray,
  sizeOf,
  type AnyPath,
  type Leaf,
} from "@tdrl/tensordict";

const SPLIT_TRAJECTORIES_OPTION_KEYS = {
  trajectoryKey: true,
  maskKey: true,
} satisfies OptionKeys<SplitTrajectoriesOptions>;

export interface SplitTrajectoriesOptions {
  /** Default `["collector", "traj_ids"]`. */
  trajectoryKey?: AnyPath;
  /** Where the validity mask goes. Default `["collector", "mask"]` (TorchRL's key). */
  maskKey?: AnyPath;
}

/**
 * Cuts a collector batch `[...envBatch, T]` into its trajectories (TorchRL's `split_trajectories`): the
 * result has batch `[numTrajs, maxLen]`, one row per trajectory id in increasing id order, each padded at
 * the end with zeros; the bool mask (`["collector", "mask"]`) is true on the real steps. A trajectory lives
 * in one env row, so each row of the result is one contiguous run of one sub-env's steps.
 *
 * @example
 * import { HostArray, TensorDict } from "@tdrl/tensordict";
 * const batch = TensorDict.from({ x: HostArray.from("float32", [4], [1, 2, 3, 4]), collector: { traj_ids: HostArray.from("int32", [4], [0, 0, 0, 1]) } }, [4]);
 * const split = splitTrajectories(batch); // batch size [2, 3]
 * split.getHost("x").data; // Float32Array [1, 2, 3, 4, 0, 0]
 */
export function splitTrajectories(batch: TensorDict, options: SplitTrajectoriesOptions = {}): TensorDict {
  checkOptions("splitTrajectories", options, SPLIT_TRAJECTORIES_OPTION_KEYS);
  const what = "splitTrajectories";
  const trajKey = options.trajectoryKey ?? ["collector", "traj_ids"];
  const maskKey = options.maskKey ?? ["collector", "mask"];
  const keyName = typeof trajKey === "string" ? trajKey : trajKey.join(".");
  if (batch.batchDims < 1)
    throw new Error(`${what}: the batch needs a time dim, got batch size ${formatShape(batch.batchSize)}`);
  if (!batch.has(trajKey))
    throw new Error(
      `${what}: the batch has no "${keyName}" entry (keys: ${batch.keys({ nested: true, leavesOnly: true }).join(", ")})`,
    );
  const ids = batch.get(trajKey) as unknown;
  if (!isHostArray(ids) || formatShape(ids.shape) !== formatShape(batch.batchSize)) {
    throw new Error(
      `${what}: "${keyName}" must be a host array of shape ${formatShape(batch.batchSize)} (the batch size)`,
    );
  }
  const T = batch.batchSize[batch.batchDims - 1]!;
  const rows = sizeOf(batch.batchSize) / T;
  // Runs of equal ids within one env row: [id, start offset in the flat [rows*T] order, length].
  const runs: [number, number, number][] = [];
  for (let r = 0; r < rows; r++) {
    let start = r * T;
    for (let t = 1; t <= T; t++) {
      const i = r * T + t;
      if (t === T || ids.data[i] !== ids.data[start]) {
        runs.push([ids.data[start]!, start, i - start]);
        start = i;
      }
    }
  }
  runs.sort((a, b) => a[0] - b[0]);
  for (let k = 1; k < runs.length; k++) {
    if (runs[k]![0] === runs[k - 1]![0])
      throw new Error(
        `${what}: trajectory id ${runs[k]![0]} appears in two separate runs; ids must be contiguous in time within one env row`,
      );
  }
  const maxLen = runs.reduce((m, run) => Math.max(m, run[2]), 0);
  const K = runs.length;
  const out = batch.apply(
    (leaf: Leaf, path: string) => {
      if (!isHostArray(leaf))
        throw new Error(`${what}: "${path}" is a tensor; split host records (call toHost() first)`);
      const event = leaf.shape.slice(batch.batchDims);
      const e = sizeOf(event);
      const dst = HostArray.zeros(leaf.dtype, [K, maxLen, ...event]);
      runs.forEach(([, start, len], k) =>
        dst.data.set(leaf.data.subarray(start * e, (start + len) * e), k * maxLen * e),
      );
      return dst;
    },
    { batchSize: [K, maxLen] },
  );
  const mask = HostArray.zeros("bool", [K, maxLen]);
  runs.forEach(([, , len], k) => mask.data.fill(1, k * maxLen, k * maxLen + len));
  out.set(maskKey, mask);
  return out;
}
