import { Rng } from "@tdrl/tensordict";

/**
 * Independent random streams of one run, all from its seed: stream `name` is `new Rng(seed).spawn(index)`,
 * so adding a stream at a new index leaves the others' numbers as they were. Give the ones the run keeps
 * drawing from (exploration, sampling) to `Trainer`'s `rngs`, so checkpoints hold them.
 *
 * @example
 * const streams = seedStreams(0, { net: 0, explore: 1, sampler: 2 });
 * streams.explore.uniform() === seedStreams(0, { explore: 1 }).explore.uniform(); // true
 */
export function seedStreams<const K extends string>(seed: number, indices: Record<K, number>): Record<K, Rng> {
  if (!(Number.isInteger(seed) && seed >= 0))
    throw new Error(`seedStreams: seed must be an integer >= 0, got ${String(seed)}`);
  const used = new Set<number>();
  for (const [name, i] of Object.entries<number>(indices)) {
    if (!(Number.isInteger(i) && i >= 0))
      throw new Error(`seedStreams: stream "${name}" has index ${String(i)}; use integers >= 0`);
    if (used.has(i)) throw new Error(`seedStreams: index ${i} is given to two streams; each stream needs its own`);
    used.add(i);
  }
  const root = new Rng(seed);
  return Object.fromEntries(Object.entries<number>(indices).map(([name, i]) => [name, root.spawn(i)])) as Record<
    K,
    Rng
  >;
}
