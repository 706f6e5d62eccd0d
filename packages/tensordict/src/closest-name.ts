/**
 * The name among `names` a mistyped `word` most likely meant, for "did you mean" messages: the one equal to
 * it ignoring case and `_` / `-`, else the nearest within an edit distance of a third of its length (at
 * most 2; swapping two neighbouring letters counts as one edit), else `undefined`.
 *
 * @example
 * ```ts
 * import { closestName } from "@tdrl/tensordict";
 *
 * closestName("batch_size", ["batchSize", "seed"]); // "batchSize"
 * closestName("trian", ["train", "eval"]); // "train"
 * closestName("xyz", ["train", "eval"]); // undefined
 * ```
 */
export function closestName(word: string, names: readonly string[]): string | undefined {
  const norm = (s: string) => s.toLowerCase().replace(/[_-]/g, "");
  const k = norm(word);
  const same = names.find((n) => norm(n) === k);
  if (same !== undefined) return same;
  let best: string | undefined;
  let bestDistance = Math.min(2, Math.floor(k.length / 3));
  for (const name of names) {
    const d = editDistance(k, norm(name));
    if (d <= bestDistance && (best === undefined || d < bestDistance)) {
      best = name;
      bestDistance = d;
    }
  }
  return best;
}

/** Levenshtein distance where a swap of two neighbours ("trian") is one edit, not two (optimal string alignment). */
function editDistance(a: string, b: string): number {
  let before: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        row[j] = Math.min(row[j]!, before[j - 2]! + 1);
    }
    before = prev;
    prev = row;
  }
  return prev[b.length]!;
}
