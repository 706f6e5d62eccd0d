import type { Leaf } from "./leaf";

/**
 * The shape of a typed record: keys map to leaf types or to nested schemas. Use `type` aliases, not
 * interfaces, for schemas (interfaces have no implicit index signature and do not satisfy this constraint).
 */
export type Schema = { readonly [key: string]: Leaf | Schema };

/** The schema of a record whose keys are not known at compile time. */
export type UntypedSchema = { [key: string]: Leaf | UntypedSchema };

type IsUntyped<S> = string extends keyof S ? true : false;

/** Every path of a schema as a tuple: `["observation"] | ["next"] | ["next", "reward"] | ...`. */
export type PathTuple<S> =
  IsUntyped<S> extends true
    ? readonly string[]
    : {
        [K in keyof S & string]: S[K] extends Leaf ? readonly [K] : readonly [K] | readonly [K, ...PathTuple<S[K]>];
      }[keyof S & string];

/** Every path of a schema as a dotted string: `"observation" | "next" | "next.reward" | ...`. */
export type PathString<S> =
  IsUntyped<S> extends true
    ? string
    : { [K in keyof S & string]: S[K] extends Leaf ? K : K | `${K}.${PathString<S[K]>}` }[keyof S & string];

/** A key path: a dotted string (`"next.reward"`) or a tuple (`["next", "reward"]`). */
export type KeyPath<S = UntypedSchema> = PathString<S> | PathTuple<S>;

/** Paths that end at a leaf (for `getHost` / `getTensor`), as dotted strings or tuples. */
export type LeafPath<S> = LeafPathString<S> | LeafPathTuple<S>;

type LeafPathString<S> =
  IsUntyped<S> extends true
    ? string
    : { [K in keyof S & string]: S[K] extends Leaf ? K : `${K}.${LeafPathString<S[K]>}` }[keyof S & string];

type LeafPathTuple<S> =
  IsUntyped<S> extends true
    ? readonly string[]
    : { [K in keyof S & string]: S[K] extends Leaf ? readonly [K] : readonly [K, ...LeafPathTuple<S[K]>] }[keyof S &
        string];

/** What the schema holds at a path: a leaf type or a nested schema. */
export type EntryAt<S, P> =
  IsUntyped<S> extends true
    ? Leaf | UntypedSchema
    : P extends readonly [infer H, ...infer R]
      ? H extends keyof S
        ? R extends readonly []
          ? S[H]
          : EntryAt<S[H], R>
        : never
      : P extends `${infer H}.${infer R}`
        ? H extends keyof S
          ? EntryAt<S[H], R>
          : never
        : P extends keyof S
          ? S[P]
          : never;

// Dotted strings are split once and cached: get/set on a hot path must not allocate a new array each call.
const splitCache = new Map<string, readonly string[]>();
const SPLIT_CACHE_LIMIT = 4096;

/** Normalises a key path to its parts; rejects empty parts so that "next..reward" is an error, not a lookup. */
export function toParts(path: string | readonly string[], what: string): readonly string[] {
  if (typeof path !== "string") {
    if (path.length === 0) throw new Error(`${what}: empty key path`);
    for (const part of path) {
      if (typeof part !== "string" || part.length === 0 || part.includes(".")) {
        throw new Error(
          `${what}: invalid key ${JSON.stringify(part)} in path ${JSON.stringify(path)}; keys are non-empty strings without "."`,
        );
      }
    }
    return path;
  }
  let parts = splitCache.get(path);
  if (parts === undefined) {
    if (path.length === 0) throw new Error(`${what}: invalid key path ""`);
    const split = path.split(".");
    if (split.some((p) => p.length === 0)) throw new Error(`${what}: invalid key path ${JSON.stringify(path)}`);
    parts = Object.freeze(split);
    if (splitCache.size >= SPLIT_CACHE_LIMIT) splitCache.clear();
    splitCache.set(path, parts);
  }
  return parts;
}

export function joinPath(parts: readonly string[]): string {
  return parts.join(".");
}

/** The error for a path whose part `i` is missing, listing the keys that do exist at that level. */
export function missingKeyError(what: string, parts: readonly string[], i: number, keys: Iterable<string>): Error {
  const where = i === 0 ? "" : ` in "${joinPath(parts.slice(0, i))}"`;
  const list = [...keys];
  return new Error(
    `${what}("${joinPath(parts)}"): no key "${parts[i]}"${where}; keys are: ${list.length ? list.join(", ") : "(none)"}`,
  );
}
