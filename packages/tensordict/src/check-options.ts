import { closestName } from "./closest-name";

/**
 * The option names an options type declares, as an object literal checked against the type:
 * `{ a: true, b: true } satisfies OptionKeys<Options>` fails to compile when a key is missing or extra,
 * so the list cannot drift from the interface.
 */
export type OptionKeys<T> = { readonly [K in keyof Required<T>]: true };

/**
 * Refuses an options object a JS caller wrote by hand with a key the owner does not know (a typo such as
 * `batch_size` would otherwise be ignored silently), and anything that is not a plain object. `undefined`
 * passes: every option then takes its default.
 *
 * @example
 * const KEYS = { batchSize: true, seed: true } satisfies OptionKeys<{ batchSize?: number[]; seed?: number }>;
 * checkOptions("CartPoleEnv", { batchSize: [4] }, KEYS); // fine
 * checkOptions("CartPoleEnv", { batch_size: [4] }, KEYS);
 * // throws: CartPoleEnv: unknown option "batch_size" (known: batchSize, seed; did you mean batchSize?)
 */
export function checkOptions(owner: string, options: unknown, known: Readonly<Record<string, true>>): void {
  if (options === undefined) return;
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw new Error(`${owner}: options must be an object, got ${describeOptions(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (Object.hasOwn(known, key)) continue;
    const names = Object.keys(known);
    const guess = closestName(key, names);
    const list = names.length === 0 ? "none" : names.join(", ");
    throw new Error(
      `${owner}: unknown option ${JSON.stringify(key)} (known: ${list}${guess === undefined ? "" : `; did you mean ${guess}?`})`,
    );
  }
}

function describeOptions(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "function") return "a function";
  return `${typeof value} ${String(value)}`;
}
