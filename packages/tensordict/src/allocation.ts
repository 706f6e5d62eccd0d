/** The largest array a tdrl component allocates from a size option: beyond it, the option is surely a mistake (and V8 may refuse it). */
export const MAX_ALLOCATION_BYTES = 2 ** 31;

/**
 * Refuses a size option whose arrays would need more than `MAX_ALLOCATION_BYTES`, naming the option and the
 * bytes, before anything is allocated (instead of a bare `RangeError: Invalid typed array length` later).
 *
 * @example
 * checkAllocation("CartPoleEnv", "renderSize [100000, 100000]", 100000 * 100000 * 3);
 * // throws: CartPoleEnv: renderSize [100000, 100000] would need 30000000000 bytes (27.9 GiB); the limit is 2 GiB
 */
export function checkAllocation(owner: string, option: string, bytes: number): void {
  if (bytes <= MAX_ALLOCATION_BYTES) return;
  const gib = bytes / 2 ** 30;
  const shown = Number.isFinite(bytes)
    ? `${bytes} bytes (${gib >= 1000 ? gib.toExponential(2) : gib.toFixed(1)} GiB)`
    : `${bytes} bytes`;
  throw new Error(`${owner}: ${option} would need ${shown}; the limit is ${MAX_ALLOCATION_BYTES / 2 ** 30} GiB`);
}
