import type { JsonValue } from "@tdrl/tensordict";
import type { Transform } from "./transform";

/** The per-transform states of a `Compose.state()`, checked against the chain (count and names, by position). */
export function composeParts(state: unknown, chain: readonly Transform[], what: string): JsonValue[] {
  const list =
    typeof state === "object" && state !== null && !Array.isArray(state)
      ? (state as { transforms?: unknown }).transforms
      : undefined;
  if (!Array.isArray(list))
    throw new Error(`${what}: expected { transforms: [...] }, got ${JSON.stringify(state)?.slice(0, 80)}`);
  const names = chain.map((t) => t.name);
  if (list.length !== chain.length) {
    throw new Error(
      `${what}: "transforms" has ${list.length} entries, the chain has ${chain.length} (${names.join(", ") || "none"})`,
    );
  }
  return list.map((entry: unknown, i) => {
    const e = typeof entry === "object" && entry !== null ? (entry as { name?: unknown; state?: unknown }) : {};
    if (e.name !== names[i])
      throw new Error(`${what}: "transforms[${i}].name" is ${JSON.stringify(e.name)}, the chain has ${names[i]} there`);
    if (!("state" in e)) throw new Error(`${what}: "transforms[${i}]" has no "state"`);
    return e.state as JsonValue;
  });
}
