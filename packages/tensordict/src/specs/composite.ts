import { brandClass } from "../brand";
import { HostArray } from "../host-array";
import { joinPath, missingKeyError, toParts, type Schema, type UntypedSchema } from "../key-path";
import type { Leaf } from "../leaf";
import type { Rng } from "../rng/rng";
import { assertValidShape, formatShape, shapesEqual, startsWith, type Shape } from "../shape";
import { TensorDict, type KeysOptions } from "../tensordict";
import { describeValue } from "../describe-value";
import { TensorSpec } from "./spec";

/**
 * Any leaf spec or Composite, whatever its type parameters. Records are typed with this rather than with
 * `TensorSpec | Composite` for two reasons: a `Composite<S>` is not assignable to `Composite` (the compiler
 * treats TensorDict, and so Composite, as invariant in its schema), and a contextual `TensorSpec<DType>` would make
 * `new Unbounded({ shape })` inside a record infer dtype `DType` instead of its default "float32".
 */
export interface AnySpec {
  readonly kind: string;
  equals(other: unknown): boolean;
  toString(): string;
}

/** What a Composite holds under each key: leaf specs, Composites, or nested plain records of them. */
export type SpecRecord = { readonly [key: string]: AnySpec | SpecRecord };

/**
 * The TensorDict schema a Composite's values have: each leaf spec becomes the leaf type of its dtype
 * (`Bounded<"float32">` becomes `Float32`), Composites and nested records become nested schemas.
 */
export type SchemaOf<S> = string extends keyof S
  ? UntypedSchema
  : {
      [K in keyof S]: S[K] extends TensorSpec<infer D>
        ? Leaf<D>
        : S[K] extends Composite<infer T>
          ? SchemaOf<T>
          : SchemaOf<S[K]>;
    };

/** The TensorDict type a `Composite<S>` builds: `TensorDict<SchemaOf<S>>` (the conditional lets the compiler see that it is a Schema). */
export type TensorDictOf<S> = TensorDict<SchemaOf<S> extends Schema ? SchemaOf<S> : never>;

export interface CompositeCheckOptions {
  /** Reject keys of the TensorDict that the spec does not have (default false: extra keys are allowed, as in TorchRL). */
  strict?: boolean;
}

type Entry = TensorSpec | Composite;

/**
 * Specs for a whole TensorDict (TorchRL's `Composite`): a nested record of leaf specs with a batch size
 * that every leaf spec's shape starts with. `zero` and `rand` build TensorDicts; `assert` checks one,
 * naming the full dotted key of the first problem.
 *
 * @example
 * const spec = new Composite(
 *   {
 *     observation: new Unbounded({ shape: [2, 4] }),
 *     action: new Categorical({ n: 3, shape: [2] }),
 *     next: { reward: new Unbounded({ shape: [2, 1] }), done: new Binary({ shape: [2, 1] }) },
 *   },
 *   [2],
 * );
 * const td = spec.rand(new Rng(0)); // TensorDict<{ observation: Float32; action: Int32; next: { reward: Float32; done: Bool } }>
 * spec.assert(td); // passes
 * spec.keys({ nested: true, leavesOnly: true }); // ["observation", "action", "next.reward", "next.done"]
 */
export class Composite<S extends SpecRecord = SpecRecord> {
  static {
    brandClass(this, "Composite");
  }

  readonly kind = "Composite";
  readonly batchSize: Shape;
  private readonly entries = new Map<string, Entry>();

  constructor(specs: S = {} as S, batchSize: Shape = []) {
    if (!Array.isArray(batchSize))
      throw new Error(`Composite: batchSize must be an array of dims, got ${String(batchSize)}`);
    assertValidShape(batchSize, "Composite");
    this.batchSize = Object.freeze([...batchSize]);
    this.fill(specs, "", "Composite");
  }

  // ---------------------------------------------------------------- keys and entries

  /** The leaf spec or nested Composite at `path`; throws, listing the keys there, if it is missing. */
  get(path: string | readonly string[]): TensorSpec | Composite {
    return this.lookup(toParts(path, "Composite.get"), "Composite.get");
  }

  has(path: string | readonly string[]): boolean {
    const parts = toParts(path, "Composite.has");
    let node: Composite = this.asUntyped();
    for (let i = 0; i < parts.length; i++) {
      const entry = node.entries.get(parts[i]!);
      if (entry === undefined) return false;
      if (i === parts.length - 1) return true;
      if (!(entry instanceof Composite)) return false;
      node = entry;
    }
    return false;
  }

  /**
   * Sets a leaf spec, a Composite, or a plain record (turned into a Composite) at `path`, creating missing
   * parents. The shape must start with the batch size of the Composite it lands in. The static type `S`
   * does not follow run-time edits; build a new Composite when the typed schema should change.
   */
  set(path: string | readonly string[], spec: AnySpec | SpecRecord): this {
    const parts = toParts(path, "Composite.set");
    const what = `Composite.set("${joinPath(parts)}")`;
    let node: Composite = this.asUntyped();
    let missingFrom = -1;
    for (let i = 0; i < parts.length - 1; i++) {
      const entry = node.entries.get(parts[i]!);
      if (entry === undefined) {
        missingFrom = i;
        break;
      }
      if (!(entry instanceof Composite))
        throw new Error(`${what}: "${joinPath(parts.slice(0, i + 1))}" is a leaf spec (${entry}), not a Composite`);
      node = entry;
    }
    const key = parts[parts.length - 1]!;
    const checked = node.checkEntry(spec, joinPath(parts), what);
    if (missingFrom >= 0) {
      for (let i = missingFrom; i < parts.length - 1; i++) {
        const child: Composite = new Composite({}, node.batchSize);
        node.entries.set(parts[i]!, child);
        node = child;
      }
    }
    node.entries.set(key, checked);
    return this;
  }

  /** Removes an entry; throws if it does not exist. */
  delete(path: string | readonly string[]): this {
    const parts = toParts(path, "Composite.delete");
    this.lookup(parts, "Composite.delete");
    const parent =
      parts.length === 1 ? this.asUntyped() : (this.lookup(parts.slice(0, -1), "Composite.delete") as Composite);
    parent.entries.delete(parts[parts.length - 1]!);
    return this;
  }

  /** Keys as dotted paths in insertion order (depth first when `nested`), as `TensorDict.keys`. */
  keys(options: KeysOptions = {}): string[] {
    const out: string[] = [];
    const walk = (node: Composite, prefix: string) => {
      for (const [key, entry] of node.entries) {
        const path = prefix + key;
        const isNode = entry instanceof Composite;
        if (!(isNode && options.leavesOnly)) out.push(path);
        if (isNode && options.nested) walk(entry, `${path}.`);
      }
    };
    walk(this.asUntyped(), "");
    return out;
  }

  /** Every leaf spec with its dotted path, depth first. */
  leaves(): [string, TensorSpec][] {
    const out: [string, TensorSpec][] = [];
    const walk = (node: Composite, prefix: string) => {
      for (const [key, entry] of node.entries) {
        if (entry instanceof Composite) walk(entry, `${prefix}${key}.`);
        else out.push([prefix + key, entry]);
      }
    };
    walk(this.asUntyped(), "");
    return out;
  }

  // ---------------------------------------------------------------- values

  /** A TensorDict of all-zero leaves (zero need not be in range, as in TorchRL). */
  // Typed through `this` (T) rather than the class parameter S: a conditional return type in S would make
  // S invariant, and a typed Composite could then not be passed where a plain Composite is expected.
  zero<T extends SpecRecord>(this: Composite<T>): TensorDictOf<T> {
    return this.build((spec) => spec.zero()) as unknown as TensorDictOf<T>;
  }

  /** A TensorDict of random in-range leaves; leaves are drawn in key order, so a seeded `rng` reproduces it. */
  rand<T extends SpecRecord>(this: Composite<T>, rng: Rng): TensorDictOf<T> {
    return this.build((spec) => spec.rand(rng)) as unknown as TensorDictOf<T>;
  }

  /**
   * The first problem with `td` as a full message, or null: a missing key (listing the keys found), a leaf
   * where a nested TensorDict belongs or the reverse, a leaf's shape, dtype or value, or (with `strict`) a
   * key the spec does not have.
   */
  mismatch<T extends Schema>(td: TensorDict<T>, options: CompositeCheckOptions = {}): string | null {
    if (!(td instanceof TensorDict)) return `Composite.assert: expected a TensorDict, got ${describeValue(td)}`;
    const untyped = td as unknown as TensorDict;
    return this.checkNode(untyped, untyped, "", options.strict === true);
  }

  /** Throws the message of `mismatch` if `td` does not fit the spec. */
  assert<T extends Schema>(td: TensorDict<T>, options: CompositeCheckOptions = {}): void {
    const problem = this.mismatch(td, options);
    if (problem !== null) throw new Error(problem);
  }

  isInRange<T extends Schema>(td: TensorDict<T>, options: CompositeCheckOptions = {}): boolean {
    return this.mismatch(td, options) === null;
  }

  /**
   * A new TensorDict with every leaf the spec covers projected into its domain; other keys are carried
   * over as they are (shared, not copied). The covered leaves must be host arrays.
   */
  project<T extends SpecRecord, U extends Schema>(this: Composite<T>, typed: TensorDict<U>): TensorDictOf<T> {
    if (!(typed instanceof TensorDict))
      throw new Error(`Composite.project: expected a TensorDict, got ${describeValue(typed)}`);
    const td = typed as unknown as TensorDict;
    const out = td.exclude();
    for (const [path, spec] of this.leaves()) {
      const leaf = td.has(path) ? td.get(path) : undefined;
      if (!(leaf instanceof HostArray)) {
        const found = leaf === undefined ? "it is missing" : `found ${describeValue(leaf)}`;
        throw new Error(`Composite.project: "${path}" must be a host array (${found})`);
      }
      out.set(path, spec.project(leaf));
    }
    return out as unknown as TensorDictOf<T>;
  }

  // ---------------------------------------------------------------- whole-spec operations

  /**
   * The same specs with the whole new batch size `shape`, as TorchRL's `Composite.expand(*shape)`: its
   * trailing dims must equal this batch size, and every leaf and child gets the new leading dims.
   */
  expand(shape: Shape): Composite<S> {
    if (!Array.isArray(shape))
      throw new Error(`Composite.expand: shape must be an array of dims, got ${String(shape)}`);
    assertValidShape(shape, "Composite.expand");
    const own = this.batchSize;
    const lead = shape.length - own.length;
    if (lead < 0 || !own.every((d, i) => shape[lead + i] === d)) {
      throw new Error(
        `Composite.expand: the new shape ${formatShape(shape)} must end with the batch size ${formatShape(own)} (the whole new batch size, as TorchRL's expand: to add batch dims ${formatShape(shape)}, give ${formatShape([...shape, ...own])})`,
      );
    }
    const added = shape.slice(0, lead);
    return this.map(
      (spec) => spec.expand([...added, ...spec.shape]),
      (b) => [...added, ...b],
    ) as unknown as Composite<S>;
  }

  /** A deep copy: a change to the copy (`set`, `delete`) leaves this one alone. */
  clone(): Composite<S> {
    return this.map(
      (spec) => spec.clone(),
      (b) => b,
    ) as unknown as Composite<S>;
  }

  /** Same batch size, same keys (in any order) and equal specs under each. */
  equals(other: unknown): boolean {
    if (
      !(other instanceof Composite) ||
      !shapesEqual(other.batchSize, this.batchSize) ||
      other.entries.size !== this.entries.size
    )
      return false;
    for (const [key, entry] of this.entries) {
      const theirs = other.entries.get(key);
      if (theirs === undefined || !entry.equals(theirs)) return false;
    }
    return true;
  }

  toString(): string {
    const lines: string[] = [];
    const walk = (node: Composite, indent: string, head: string) => {
      lines.push(`${head}Composite(batchSize=${formatShape(node.batchSize)}) {`);
      for (const [key, entry] of node.entries) {
        if (entry instanceof Composite) walk(entry, `${indent}  `, `${indent}  ${key}: `);
        else lines.push(`${indent}  ${key}: ${entry.toString()}`);
      }
      lines.push(`${indent}}`);
    };
    walk(this.asUntyped(), "", "");
    return lines.join("\n");
  }

  // ---------------------------------------------------------------- internals

  private asUntyped(): Composite {
    return this as unknown as Composite;
  }

  /** Adds the entries of a record; `prefix` is this node's dotted path, for messages. */
  private fill(record: SpecRecord, prefix: string, what: string): void {
    if (typeof record !== "object" || record === null || Array.isArray(record)) {
      throw new Error(`${what}: expected a record of specs, got ${describeValue(record)}`);
    }
    const staged: [string, Entry][] = [];
    for (const [key, value] of Object.entries(record)) {
      toParts([key], what);
      staged.push([key, this.checkEntry(value, prefix + key, what)]);
    }
    for (const [key, entry] of staged) this.entries.set(key, entry);
  }

  /** Validates an entry for this node and turns a plain record into a Composite with this batch size. */
  private checkEntry(value: unknown, path: string, what: string): Entry {
    if (value instanceof TensorSpec) {
      if (!startsWith(value.shape, this.batchSize)) {
        throw new Error(
          `${what}: the spec at "${path}" has shape ${formatShape(value.shape)}, which does not start with the batch size ${formatShape(this.batchSize)}`,
        );
      }
      return value;
    }
    if (value instanceof Composite) {
      if (!startsWith(value.batchSize, this.batchSize)) {
        throw new Error(
          `${what}: the Composite at "${path}" has batch size ${formatShape(value.batchSize)}, which does not start with the batch size ${formatShape(this.batchSize)}`,
        );
      }
      return value;
    }
    if (
      typeof value === "object" &&
      value !== null &&
      !Array.isArray(value) &&
      !ArrayBuffer.isView(value) &&
      !(value instanceof HostArray)
    ) {
      const child: Composite = new Composite({}, this.batchSize);
      child.fill(value as SpecRecord, `${path}.`, what);
      return child;
    }
    throw new Error(
      `${what}: the entry at "${path}" must be a spec, a Composite or a plain record of them, got ${describeValue(value)}`,
    );
  }

  private lookup(parts: readonly string[], what: string): Entry {
    let node: Composite = this.asUntyped();
    for (let i = 0; i < parts.length; i++) {
      const entry = node.entries.get(parts[i]!);
      if (entry === undefined) throw missingKeyError(what, parts, i, node.entries.keys());
      if (i === parts.length - 1) return entry;
      if (!(entry instanceof Composite)) {
        throw new Error(
          `${what}("${joinPath(parts)}"): "${joinPath(parts.slice(0, i + 1))}" is a leaf spec (${entry}), not a Composite`,
        );
      }
      node = entry;
    }
    return node;
  }

  private build(fn: (spec: TensorSpec) => HostArray): TensorDict {
    const source: Record<string, HostArray | TensorDict> = {};
    for (const [key, entry] of this.entries) source[key] = entry instanceof Composite ? entry.build(fn) : fn(entry);
    return new TensorDict<UntypedSchema>(source, this.batchSize);
  }

  private map(fn: (spec: TensorSpec) => TensorSpec, batch: (b: Shape) => Shape): Composite {
    const out: Composite = new Composite({}, batch(this.batchSize));
    for (const [key, entry] of this.entries)
      out.entries.set(key, entry instanceof Composite ? entry.map(fn, batch) : fn(entry));
    return out;
  }

  private checkNode(node: TensorDict, root: TensorDict, prefix: string, strict: boolean): string | null {
    for (const [key, entry] of this.entries) {
      const path = prefix + key;
      if (!node.has([key])) {
        const found = root.keys({ nested: true });
        return `Composite.assert: missing key "${path}"; the TensorDict has keys: ${found.length ? found.join(", ") : "(none)"}`;
      }
      const value = node.get([key]);
      if (entry instanceof Composite) {
        if (!(value instanceof TensorDict))
          return `Composite.assert: "${path}" is ${describeValue(value)}, but the spec has a Composite there`;
        const problem = entry.checkNode(value, root, `${path}.`, strict);
        if (problem !== null) return problem;
      } else {
        if (value instanceof TensorDict)
          return `Composite.assert: "${path}" is a nested TensorDict, but the spec has a leaf there: ${entry}`;
        const problem = entry.mismatch(value);
        if (problem !== null) return `${entry.kind}.assert(${JSON.stringify(path)}): ${problem}`;
      }
    }
    if (strict) {
      for (const key of node.keys()) {
        if (!this.entries.has(key)) {
          return `Composite.assert: unexpected key "${prefix + key}" (strict); the spec has keys: ${[...this.entries.keys()].map((k) => prefix + k).join(", ") || "(none)"}`;
        }
      }
    }
    return null;
  }
}
