import { formatShape, type Shape } from "@tdrl/tensordict";

/** `[i, j]`: the multi-index of flat (row-major) position `flat` in `batchSize`, for error messages. */
export function formatBatchIndex(batchSize: Shape, flat: number): string {
  const index = new Array<number>(batchSize.length);
  let rest = flat;
  for (let d = batchSize.length - 1; d >= 0; d--) {
    const n = batchSize[d]!;
    index[d] = rest % n;
    rest = Math.floor(rest / n);
  }
  return formatShape(index);
}

/** Throws unless `batchSize` is an array of positive integers; `what` names the caller. */
export function checkBatchSize(batchSize: unknown, what: string): readonly number[] {
  if (!Array.isArray(batchSize) || batchSize.some((d) => !Number.isInteger(d) || (d as number) < 1)) {
    throw new Error(`${what}: batchSize must be an array of positive integers, got ${JSON.stringify(batchSize)}`);
  }
  return Object.freeze([...(batchSize as number[])]);
}
