import type { Bool, Float32, Schema, UntypedSchema } from "@tdrl/tensordict";

/** The done keys every env writes (EnvBase's default done spec). */
export type DoneSchema = { done: Bool; terminated: Bool; truncated: Bool };

/** The reward key every env writes under `"next"` (EnvBase's default reward spec). */
export type RewardSchema = { reward: Float32 };

type IsUntyped<S> = string extends keyof S ? true : false;
type Flat<T> = { [K in keyof T]: T[K] };
/** Lets the compiler see a computed record type as a Schema. */
type AsSchema<T> = T extends Schema ? T : UntypedSchema;

/**
 * The keys of an env's records with observation keys `O` and action keys `A`, as one step holds them: the
 * root (observation, done and action keys) and `"next"` (observation, reward, done). Untyped when `O` or
 * `A` is.
 */
export type StepSchema<O extends Schema, A extends Schema> =
  IsUntyped<O> extends true
    ? UntypedSchema
    : IsUntyped<A> extends true
      ? UntypedSchema
      : AsSchema<Flat<O & DoneSchema & A & { next: AsSchema<Flat<O & RewardSchema & DoneSchema>> }>>;
