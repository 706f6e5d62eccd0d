import type { Schema, UntypedSchema } from "@tdrl/tensordict";

type IsUntyped<S> = string extends keyof S ? true : false;
type Flat<T> = { [K in keyof T]: T[K] };
type AsSchema<T> = T extends Schema ? T : UntypedSchema;
/** `Record<never, never>`: the empty record type (no keys). */
type NoKeys = Record<never, never>;
type NextOf<S> = S extends { next: infer N } ? N : NoKeys;

/**
 * Type-level only: the keys a transform adds to (or retypes in) an env's records, at the root and under
 * `"next"`, read from its `addedKeys` declaration. `UntypedSchema` when unknown (the base `Transform`).
 */
export type AddedKeys<T> = T extends { readonly addedKeys?: infer X }
  ? X extends Schema
    ? X
    : UntypedSchema
  : UntypedSchema;

/** The record schema `S` of an env after a transform that adds the keys `X`; untyped when either is. */
export type WithAddedKeys<S extends Schema, X> =
  IsUntyped<S> extends true
    ? UntypedSchema
    : IsUntyped<X> extends true
      ? UntypedSchema
      : AsSchema<Flat<Omit<S, "next" | keyof X> & X & { next: AsSchema<Flat<Omit<NextOf<S>, keyof X> & X>> }>>;

/** The keys a chain of transforms adds, in order (untyped as soon as one is). */
export type ChainAddedKeys<Ts extends readonly unknown[]> = Ts extends readonly [infer H, ...infer R]
  ? IsUntyped<AddedKeys<H>> extends true
    ? UntypedSchema
    : IsUntyped<ChainAddedKeys<R>> extends true
      ? UntypedSchema
      : Flat<Omit<AddedKeys<H>, keyof ChainAddedKeys<R>> & ChainAddedKeys<R>>
  : Ts extends readonly []
    ? NoKeys
    : UntypedSchema;
