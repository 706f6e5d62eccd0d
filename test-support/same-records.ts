import type { TensorDict } from "@tdrl/tensordict";
import { expect } from "vitest";

/**
 * Asserts two host records hold the same leaves: the same nested keys, and per key the same dtype, shape
 * and numbers (compared element by element, so a failure names the key). Keys in `skip` are left out on both sides
 * (e.g. ids that are expected to differ by a known mapping, checked separately).
 */
export function expectSameRecords(a: TensorDict, b: TensorDict, skip: readonly string[] = []): void {
  const keys = (td: TensorDict) =>
    td
      .keys({ nested: true, leavesOnly: true })
      .filter((k) => !skip.includes(k))
      .sort();
  expect(keys(a)).toEqual(keys(b));
  for (const key of keys(a)) {
    const [x, y] = [a.getHost(key), b.getHost(key)];
    expect(x.dtype, key).toBe(y.dtype);
    expect(x.shape, key).toEqual(y.shape);
    expect(Array.from(x.data), key).toEqual(Array.from(y.data));
  }
}
