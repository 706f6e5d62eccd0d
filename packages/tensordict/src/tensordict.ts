import { brandClass } from "./brand";
import * as tf from "@tensorflow/tfjs-core";
import { indexLeaf, planIndex, type BatchIndex } from "./batch-index";
import { describeValue, leafHint } from "./describe-value";
import { isDType, tfDTypeOf, type DType } from "./dtype";
import { HostArray, resolveReshape } from "./host-array";
import type { EntryAt, KeyPath, LeafPath, Schema, UntypedSchema } from "./key-path";
import { joinPath, missingKeyError, toParts } from "./key-path";
import { isTensor, leafLocation, type Leaf } from "./leaf";
import { assertValidShape, formatShape, shapesEqual, sizeOf, startsWith, type Shape } from "./shape";
import { catLeaves, stackLeaves } from "./stack-leaves";

/** What `get` returns for a schema entry: the leaf itself, or a TensorDict for a nested schema. */
export type Materialize<E> = E extends Leaf ? E : E extends Schema ? TensorDict<E> : never;

/** What `set` accepts for a schema entry: a host array of the declared dtype or any tensor; a TensorDict for a nested schema. */
export type SetValue<E> =
  E extends HostArray<infer D>
    ? HostArray<D>
    : E extends tf.Tensor
      ? tf.Tensor
      : E extends Schema
        ? TensorDict<E> | Source<E>
        : never;

/** A plain nested object of leaves and TensorDicts, as accepted by the constructor. */
export type Source<S> = string extends keyof S ? SourceRecord : { [K in keyof S]: SetValue<S[K]> };
export type SourceRecord = { readonly [key: string]: Leaf | TensorDict<Schema> | SourceRecord };

/** The schema `TensorDict.from` infers from a source object. */
export type SchemaOfSource<T> = {
  [K in keyof T]: T[K] extends HostArray<infer D>
    ? Leaf<D>
    : T[K] extends tf.Tensor
      ? Leaf
      : T[K] extends TensorDict<infer S>
        ? S
        : SchemaOfSource<T[K]>;
};

export interface KeysOptions {
  /** Include keys of nested TensorDicts, as dotted paths. Default false. */
  nested?: boolean;
  /** Leave out keys that hold a nested TensorDict. Default false. */
  leavesOnly?: boolean;
}

type Entry = Leaf | TensorDict<Schema>;

/** Any key path, before it is checked against a schema. */
export type AnyPath = string | readonly string[];

/**
 * A record of leaves (host arrays or tfjs tensors) that share leading batch dims, with nested sub-records.
 * It is what flows between every part of tdrl; semantics follow TorchRL's `tensordict.TensorDict`.
 *
 * - Keys are paths: a dotted string (`"next.reward"`) or a tuple (`["next", "reward"]`).
 * - Every leaf's shape starts with `batchSize`; nested TensorDicts' batch sizes start with it too.
 * - Batch operations (`index`, `reshape`, `stack`, ...) act on the batch dims of every leaf at once.
 *   Integer and contiguous-range indexing of host leaves returns views over the same memory (as in TorchRL);
 *   index arrays and masks copy.
 * - Tensor leaves are owned by the TensorDict holding them: `dispose()` frees them, and a module that writes
 *   over or drops one frees it unless the record still holds it under another key (see the README).
 *
 * @example
 * import { HostArray, TensorDict, type Bool, type Float32 } from "@tdrl/tensordict";
 * type Step = { observation: Float32; next: { reward: Float32; done: Bool } };
 * const td = new TensorDict<Step>(
 *   {
 *     observation: HostArray.zeros("float32", [4, 3]),
 *     next: { reward: HostArray.zeros("float32", [4, 1]), done: HostArray.zeros("bool", [4, 1]) },
 *   },
 *   [4],
 * );
 * td.getHost("next.reward").data[0] = 1;
 * const firstTwo = td.index({ stop: 2 }); // batchSize [2], a view
 * console.log(String(firstTwo));
 */
export class TensorDict<S extends Schema = UntypedSchema> {
  static {
    brandClass(this, "TensorDict");
  }

  readonly batchSize: Shape;
  /** Type-level only: carries the schema so that `TensorDict<A>` is assignable to `TensorDict<B>` exactly when A is to B. */
  declare readonly schema?: S;
  private readonly entries = new Map<string, Entry>();

  constructor(source: Source<S> = {} as Source<S>, batchSize: Shape = []) {
    assertValidShape(batchSize, "TensorDict");
    this.batchSize = Object.isFrozen(batchSize) ? batchSize : Object.freeze([...batchSize]);
    // Validate everything before storing anything, so a bad source throws without a half-built record.
    const record = source as SourceRecord;
    const keys = Object.keys(record);
    const staged = new Array<Entry>(keys.length);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      if (key.length === 0 || key.includes("."))
        throw new Error(`TensorDict: invalid key ${JSON.stringify(key)}; keys are non-empty strings without "."`);
      staged[i] = this.checkEntry(key, record[key], "TensorDict");
    }
    for (let i = 0; i < keys.length; i++) this.entries.set(keys[i]!, staged[i]!);
  }

  /** Builds a TensorDict and infers its schema from the source. */
  static from<const T extends SourceRecord>(source: T, batchSize: Shape = []): TensorDict<SchemaOfSource<T>> {
    return new TensorDict<SchemaOfSource<T>>(source as unknown as Source<SchemaOfSource<T>>, batchSize);
  }

  get batchDims(): number {
    return this.batchSize.length;
  }

  /** Number of elements in the batch (product of `batchSize`). */
  get numel(): number {
    return sizeOf(this.batchSize);
  }

  // ---------------------------------------------------------------- keys and values

  // Methods that check paths take the schema from `this` (T) instead of the class parameter S: a class
  // parameter used in method parameters makes TypeScript treat S as invariant, and a typed record could
  // then not be passed where an untyped one is expected (see tensordict.test-d.ts).
  get<T extends Schema, const P extends AnyPath>(this: TensorDict<T>, path: P & KeyPath<T>): Materialize<EntryAt<T, P>>;
  get(path: AnyPath): unknown {
    // A stored key never holds ".", so a direct hit is the plain-key case without scanning the string.
    return (
      (typeof path === "string" && this.entries.get(path)) ||
      this.lookup(toParts(path, "TensorDict.get"), "TensorDict.get")
    );
  }

  /** The leaf at `path` as a host array; throws if it is a tensor or a nested TensorDict. */
  getHost<T extends Schema, const P extends AnyPath>(
    this: TensorDict<T>,
    path: P & LeafPath<T>,
  ): Extract<EntryAt<T, P>, HostArray>;
  getHost(path: AnyPath): HostArray {
    if (typeof path === "string") {
      const entry = this.entries.get(path);
      if (entry instanceof HostArray) return entry;
    }
    const parts = toParts(path, "TensorDict.getHost");
    const entry = this.lookup(parts, "TensorDict.getHost");
    if (!(entry instanceof HostArray)) {
      throw new Error(
        `TensorDict.getHost("${joinPath(parts)}"): the entry is ${describeValue(entry)}, not a host array${isTensor(entry) ? "; call toHost() first" : ""}`,
      );
    }
    return entry;
  }

  /** The leaf at `path` as a tfjs tensor; throws if it is a host array or a nested TensorDict. */
  getTensor<T extends Schema, const P extends AnyPath>(this: TensorDict<T>, path: P & LeafPath<T>): tf.Tensor;
  getTensor(path: AnyPath): tf.Tensor {
    const parts = toParts(path, "TensorDict.getTensor");
    const entry = this.lookup(parts, "TensorDict.getTensor");
    if (!isTensor(entry)) {
      throw new Error(
        `TensorDict.getTensor("${joinPath(parts)}"): the entry is ${describeValue(entry)}, not a tensor${entry instanceof HostArray ? "; call toTensors() first" : ""}`,
      );
    }
    return entry;
  }

  has<T extends Schema>(this: TensorDict<T>, path: KeyPath<T>): boolean;
  has(path: AnyPath): boolean {
    if (typeof path === "string" && this.entries.has(path)) return true;
    if (isPlainKey(path)) return false;
    const parts = toParts(path as string | readonly string[], "TensorDict.has");
    let node: TensorDict<Schema> = this as unknown as TensorDict<Schema>;
    for (let i = 0; i < parts.length; i++) {
      const entry = node.entries.get(parts[i]!);
      if (entry === undefined) return false;
      if (i === parts.length - 1) return true;
      if (!(entry instanceof TensorDict)) return false;
      node = entry;
    }
    return false;
  }

  /**
   * Sets a leaf or a nested TensorDict (a plain object is turned into one), creating missing parents.
   * Throws, and changes nothing, if the shape does not start with the batch size.
   */
  set<T extends Schema, const P extends AnyPath>(
    this: TensorDict<T>,
    path: P & KeyPath<T>,
    value: SetValue<EntryAt<T, P>>,
  ): TensorDict<T>;
  set(path: AnyPath, value: unknown): this {
    if (isPlainKey(path)) {
      this.entries.set(path, this.checkEntry(path, value, "TensorDict.set"));
      return this;
    }
    const parts = toParts(path, "TensorDict.set");
    let node: TensorDict<Schema> = this as unknown as TensorDict<Schema>;
    const missingParents: number[] = [];
    for (let i = 0; i < parts.length - 1; i++) {
      const entry = node.entries.get(parts[i]!);
      if (entry === undefined) {
        missingParents.push(i);
        continue;
      }
      if (missingParents.length > 0 || !(entry instanceof TensorDict)) {
        throw new Error(
          `TensorDict.set("${joinPath(parts)}"): "${joinPath(parts.slice(0, i + 1))}" is ${describeValue(entry)}, not a TensorDict`,
        );
      }
      node = entry;
    }
    const checked = node.checkEntry(parts, value as unknown, "TensorDict.set");
    for (const i of missingParents) {
      const child: TensorDict<Schema> = new TensorDict<Schema>({}, node.batchSize);
      node.entries.set(parts[i]!, child);
      node = child;
    }
    node.entries.set(parts[parts.length - 1]!, checked);
    return this;
  }

  /** Removes an entry; throws if it does not exist. */
  delete<T extends Schema>(this: TensorDict<T>, path: KeyPath<T>): TensorDict<T>;
  delete(path: AnyPath): this {
    if (isPlainKey(path) && this.entries.delete(path)) return this;
    const parts = toParts(path as string | readonly string[], "TensorDict.delete");
    const parent = this.parentOf(parts, "TensorDict.delete");
    parent.entries.delete(parts[parts.length - 1]!);
    return this;
  }

  /** Keys as dotted paths, in insertion order (depth first when `nested`). */
  keys(options: KeysOptions = {}): string[] {
    const out: string[] = [];
    TensorDict.collectKeys(
      this as unknown as TensorDict<Schema>,
      "",
      options.nested === true,
      options.leavesOnly === true,
      out,
    );
    return out;
  }

  /** Every leaf with its dotted path, depth first. */
  leaves(): [string, Leaf][] {
    const out: [string, Leaf][] = [];
    TensorDict.collectLeaves(this as unknown as TensorDict<Schema>, "", out);
    return out;
  }

  // ---------------------------------------------------------------- record operations

  /** A new TensorDict with only these keys (sharing their leaves). Throws on a missing key. */
  select<T extends Schema>(this: TensorDict<T>, ...paths: KeyPath<T>[]): TensorDict<T>;
  select(...paths: AnyPath[]): TensorDict<S> {
    const out = new TensorDict<Schema>({}, this.batchSize);
    for (const path of paths) {
      const parts = toParts(path as string | readonly string[], "TensorDict.select");
      const entry = this.lookup(parts, "TensorDict.select");
      let node = out;
      for (let i = 0; i < parts.length - 1; i++) {
        const source = this.lookup(parts.slice(0, i + 1), "TensorDict.select") as TensorDict<Schema>;
        let child = node.entries.get(parts[i]!);
        if (!(child instanceof TensorDict)) {
          child = new TensorDict<Schema>({}, source.batchSize);
          node.entries.set(parts[i]!, child);
        }
        node = child;
      }
      node.entries.set(parts[parts.length - 1]!, entry instanceof TensorDict ? entry.shallowCopy() : entry);
    }
    return out as unknown as TensorDict<S>;
  }

  /** A new TensorDict without these keys (sharing the other leaves). Missing keys are ignored. */
  exclude<T extends Schema>(this: TensorDict<T>, ...paths: KeyPath<T>[]): TensorDict<T>;
  exclude(...paths: AnyPath[]): TensorDict<S> {
    let plain = true;
    for (let i = 0; i < paths.length; i++) if (!isPlainKey(paths[i]!)) plain = false;
    if (plain) {
      // Top-level keys only (stepMdp's case, every env step): copy the other entries in one pass.
      const out = new TensorDict<Schema>({}, this.batchSize);
      for (const [key, entry] of this.entries) {
        if (paths.includes(key)) continue;
        out.entries.set(key, entry instanceof TensorDict ? entry.shallowCopy() : entry);
      }
      return out as unknown as TensorDict<S>;
    }
    const out = this.shallowCopy();
    for (const path of paths) {
      if (isPlainKey(path)) {
        out.entries.delete(path);
        continue;
      }
      const parts = toParts(path as string | readonly string[], "TensorDict.exclude");
      if (out.has(parts as KeyPath<S>)) out.delete(parts as KeyPath<S>);
    }
    return out;
  }

  /** Moves an entry to a new key, in place. Throws if `from` is missing or `to` exists. */
  rename<T extends Schema>(this: TensorDict<T>, from: KeyPath<T>, to: AnyPath): TensorDict<T>;
  rename(from: AnyPath, to: AnyPath): this {
    const fromParts = toParts(from as string | readonly string[], "TensorDict.rename");
    const toPartsList = toParts(to, "TensorDict.rename");
    const entry = this.lookup(fromParts, "TensorDict.rename");
    if (this.has(toPartsList as KeyPath<S>)) {
      throw new Error(
        `TensorDict.rename("${joinPath(fromParts)}", "${joinPath(toPartsList)}"): "${joinPath(toPartsList)}" already exists`,
      );
    }
    (this as unknown as TensorDict<Schema>).set(toPartsList, entry as SetValue<Leaf>);
    this.parentOf(fromParts, "TensorDict.rename").entries.delete(fromParts[fromParts.length - 1]!);
    return this;
  }

  /**
   * Writes every entry of `other` into this record, in place, merging nested TensorDicts key by key.
   * All of `other` is validated before anything is written.
   */
  update(other: TensorDict<Schema> | SourceRecord): this {
    const source =
      other instanceof TensorDict ? other : new TensorDict<Schema>(other as Source<Schema>, this.batchSize);
    if (source.isFlat()) {
      // Only leaves at the top (an env's reset output, every partial reset): no paths to build or split.
      for (const [key, entry] of source.entries) {
        const leaf = entry as Leaf;
        if (!startsWith(leaf.shape, this.batchSize)) {
          throw new Error(
            `TensorDict.update("${key}"): shape ${formatShape(leaf.shape)} does not start with batch size ${formatShape(this.batchSize)}`,
          );
        }
      }
      for (const [key, leaf] of source.entries)
        this.entries.set(key, leaf instanceof HostArray ? leaf : this.checkEntry(key, leaf, "TensorDict.set"));
      return this;
    }
    const writes: [readonly string[], Leaf][] = [];
    for (const [path, leaf] of source.leaves()) {
      const parts = toParts(path, "TensorDict.update");
      const target = this.nearestDictBatch(parts);
      if (!startsWith(leaf.shape, target)) {
        throw new Error(
          `TensorDict.update("${path}"): shape ${formatShape(leaf.shape)} does not start with batch size ${formatShape(target)}`,
        );
      }
      writes.push([parts, leaf]);
    }
    for (const [parts, leaf] of writes) (this as unknown as TensorDict<Schema>).set(parts, leaf as SetValue<Leaf>);
    return this;
  }

  /**
   * A new TensorDict with `fn` applied to every leaf. `batchSize` gives the result's batch size when `fn`
   * changes the leading dims.
   */
  apply(fn: (leaf: Leaf, path: string) => Leaf, options: { batchSize?: Shape } = {}): TensorDict<UntypedSchema> {
    const batchSize = options.batchSize ?? this.batchSize;
    const out = new TensorDict<UntypedSchema>({}, batchSize);
    for (const [path, leaf] of this.leaves()) out.set(path, fn(leaf, path));
    return out;
  }

  /** A deep copy: host data is copied, tensors are cloned (the copy owns its tensors). */
  clone(): TensorDict<S> {
    return this.mapLeaves((leaf) => (leaf instanceof HostArray ? leaf.clone() : tf.clone(leaf)), sameShape);
  }

  // ---------------------------------------------------------------- batch operations

  /**
   * Indexes the batch dims of every leaf: one `BatchIndex` per leading batch dim (fewer keeps the rest).
   * @example td.index(0); td.index({ start: 1, stop: 3 }); td.index([5, 2, 9]); td.index(HostArray.from("bool", [4], [1, 0, 1, 1]))
   */
  index(...indices: BatchIndex[]): TensorDict<S> {
    const plan = planIndex(this.batchSize, indices, "TensorDict.index");
    return this.mapLeaves(
      (leaf) => indexLeaf(leaf, plan),
      (b) => [...plan.outDims, ...b.slice(plan.consumedDims)],
    );
  }

  /** Stacks records with equal batch sizes and keys along a new batch dim. */
  static stack<S extends Schema>(tds: readonly TensorDict<S>[], dim = 0): TensorDict<S> {
    const first = firstOf(tds, "TensorDict.stack");
    const d = normaliseDim(dim, first.batchDims + 1, "TensorDict.stack");
    for (let i = 1; i < tds.length; i++) {
      if (!shapesEqual(tds[i]!.batchSize, first.batchSize)) {
        throw new Error(
          `TensorDict.stack: element ${i} has batch size ${formatShape(tds[i]!.batchSize)}, element 0 has ${formatShape(first.batchSize)}`,
        );
      }
    }
    const insert = (b: Shape) => [...b.slice(0, d), tds.length, ...b.slice(d)];
    return TensorDict.combine(
      tds as unknown as readonly TensorDict<Schema>[],
      insert,
      (leaves, path) => stackLeaves(leaves, d, `TensorDict.stack("${path}")`),
      "TensorDict.stack",
    ) as unknown as TensorDict<S>;
  }

  /** Concatenates records along an existing batch dim; the other batch dims must agree. */
  static cat<S extends Schema>(tds: readonly TensorDict<S>[], dim = 0): TensorDict<S> {
    const first = firstOf(tds, "TensorDict.cat");
    const d = normaliseDim(dim, first.batchDims, "TensorDict.cat");
    for (let i = 1; i < tds.length; i++) {
      const b = tds[i]!.batchSize;
      if (b.length !== first.batchDims || b.some((n, j) => j !== d && n !== first.batchSize[j])) {
        throw new Error(
          `TensorDict.cat: element ${i} has batch size ${formatShape(b)}, which differs from element 0's ${formatShape(first.batchSize)} outside dim ${d}`,
        );
      }
    }
    const total = tds.reduce((sum, td) => sum + td.batchSize[d]!, 0);
    const grow = (b: Shape) => b.map((n, j) => (j === d ? total : n));
    return TensorDict.combine(
      tds as unknown as readonly TensorDict<Schema>[],
      grow,
      (leaves, path) => catLeaves(leaves, d, `TensorDict.cat("${path}")`),
      "TensorDict.cat",
    ) as unknown as TensorDict<S>;
  }

  /** Reshapes the batch dims (one entry may be -1). Host leaves are views over the same memory. */
  reshape(batchSize: Shape): TensorDict<S> {
    const next = resolveReshape(this.batchSize, batchSize, "TensorDict.reshape");
    return this.reshapeBatch(next);
  }

  /** Inserts a batch dim of size 1 at `dim` (negative counts from the end). */
  unsqueeze(dim: number): TensorDict<S> {
    const d = normaliseDim(dim, this.batchDims + 1, "TensorDict.unsqueeze");
    return this.reshapeBatch([...this.batchSize.slice(0, d), 1, ...this.batchSize.slice(d)]);
  }

  /** Removes batch dim `dim` (which must have size 1), or every batch dim of size 1 when omitted. */
  squeeze(dim?: number): TensorDict<S> {
    if (dim === undefined) return this.reshapeBatch(this.batchSize.filter((n) => n !== 1));
    const d = normaliseDim(dim, this.batchDims, "TensorDict.squeeze");
    if (this.batchSize[d] !== 1) {
      throw new Error(
        `TensorDict.squeeze(${dim}): batch dim ${d} has size ${this.batchSize[d]}, not 1 (batch size ${formatShape(this.batchSize)})`,
      );
    }
    return this.reshapeBatch(this.batchSize.filter((_, j) => j !== d));
  }

  /** Merges batch dims `startDim..endDim` (inclusive) into one. */
  flatten(startDim = 0, endDim = -1): TensorDict<S> {
    const s = normaliseDim(startDim, this.batchDims, "TensorDict.flatten");
    const e = normaliseDim(endDim, this.batchDims, "TensorDict.flatten");
    if (e < s) throw new Error(`TensorDict.flatten(${startDim}, ${endDim}): end dim ${e} comes before start dim ${s}`);
    const b = this.batchSize;
    return this.reshapeBatch([...b.slice(0, s), sizeOf(b.slice(s, e + 1)), ...b.slice(e + 1)]);
  }

  // ---------------------------------------------------------------- host <-> backend

  /**
   * A new TensorDict whose leaves are tfjs tensors (only `paths` when given). The result owns its tensors:
   * dispose it when done. uint8 leaves become int32 tensors (tfjs has no uint8).
   */
  toTensors<T extends Schema>(this: TensorDict<T>, paths?: readonly KeyPath<T>[]): TensorDict<T>;
  toTensors(paths?: readonly AnyPath[]): TensorDict<S> {
    const source = paths === undefined ? this : (this as TensorDict).select(...paths);
    return source.mapLeaves(leafToTensor, sameShape) as unknown as TensorDict<S>;
  }

  /** A new TensorDict whose leaves are host arrays. Host leaves are shared; tensors are read synchronously. */
  toHost(): TensorDict<S> {
    return this.mapLeaves(
      (leaf) =>
        leaf instanceof HostArray
          ? leaf
          : tensorToHost(leaf, leaf.dataSync() as Float32Array | Int32Array | Uint8Array),
      sameShape,
    );
  }

  /** `toHost` without blocking: tensors are downloaded with `data()`. */
  async toHostAsync(): Promise<TensorDict<S>> {
    const leaves = this.leaves();
    const values = await Promise.all(leaves.map(([, leaf]) => (leaf instanceof HostArray ? leaf : leaf.data())));
    const hosts = new Map<Leaf, HostArray>();
    leaves.forEach(([, leaf], i) => {
      if (!(leaf instanceof HostArray))
        hosts.set(leaf, tensorToHost(leaf, values[i] as Float32Array | Int32Array | Uint8Array));
    });
    return this.mapLeaves((leaf) => (leaf instanceof HostArray ? leaf : hosts.get(leaf)!), sameShape);
  }

  /** Frees every tensor leaf (host leaves are left to the garbage collector). */
  dispose(): void {
    for (const [, leaf] of this.leaves()) if (!(leaf instanceof HostArray)) leaf.dispose();
  }

  toString(): string {
    const lines: string[] = [];
    const walk = (node: TensorDict<Schema>, indent: string) => {
      lines.push(`TensorDict(batchSize=${formatShape(node.batchSize)}) {`);
      for (const [key, entry] of node.entries) {
        if (entry instanceof TensorDict) {
          lines.push(`${indent}  ${key}: `);
          const at = lines.length - 1;
          const before = lines.length;
          walk(entry, `${indent}  `);
          lines[at] += lines[before]!;
          lines.splice(before, 1);
        } else {
          const place = leafLocation(entry) === "host" ? "host" : `tensor(${tf.getBackend() ?? "?"})`;
          lines.push(`${indent}  ${key}: ${entry.dtype}${formatShape(entry.shape)} ${place}`);
        }
      }
      lines.push(`${indent}}`);
    };
    walk(this as unknown as TensorDict<Schema>, "");
    return lines.join("\n");
  }

  // ---------------------------------------------------------------- internals

  private lookup(parts: readonly string[], what: string): Entry {
    let node: TensorDict<Schema> = this as unknown as TensorDict<Schema>;
    for (let i = 0; i < parts.length; i++) {
      const entry = node.entries.get(parts[i]!);
      if (entry === undefined) throw missingKeyError(what, parts, i, node.entries.keys());
      if (i === parts.length - 1) return entry;
      if (!(entry instanceof TensorDict)) {
        throw new Error(
          `${what}("${joinPath(parts)}"): "${joinPath(parts.slice(0, i + 1))}" is ${describeValue(entry)}, not a TensorDict`,
        );
      }
      node = entry;
    }
    return node;
  }

  private parentOf(parts: readonly string[], what: string): TensorDict<Schema> {
    this.lookup(parts, what);
    return parts.length === 1
      ? (this as unknown as TensorDict<Schema>)
      : (this.lookup(parts.slice(0, -1), what) as TensorDict<Schema>);
  }

  /** Batch size of the deepest existing TensorDict on the path to `parts` (where a leaf there would land). */
  private nearestDictBatch(parts: readonly string[]): Shape {
    let node: TensorDict<Schema> = this as unknown as TensorDict<Schema>;
    for (let i = 0; i < parts.length - 1; i++) {
      const entry = node.entries.get(parts[i]!);
      if (!(entry instanceof TensorDict)) break;
      node = entry;
    }
    return node.batchSize;
  }

  /** Validates a value for the last key of `parts` (a plain key or a path) of this node and turns plain objects into TensorDicts. */
  private checkEntry(parts: string | readonly string[], value: unknown, method: string): Entry {
    // Messages are built only when throwing (entryError): this runs for every leaf of every record an env
    // makes, and a closure here would cost more than the string it saves under tsx's keepNames wrapping.
    if (value instanceof HostArray) {
      if (!startsWith(value.shape, this.batchSize))
        throw entryError(
          method,
          parts,
          `shape ${formatShape(value.shape)} does not start with batch size ${formatShape(this.batchSize)}`,
        );
      return value;
    }
    if (value instanceof TensorDict) {
      if (!startsWith(value.batchSize, this.batchSize)) {
        throw entryError(
          method,
          parts,
          `batch size ${formatShape(value.batchSize)} does not start with batch size ${formatShape(this.batchSize)}`,
        );
      }
      return value;
    }
    if (isTensor(value)) {
      if (!startsWith(value.shape, this.batchSize))
        throw entryError(
          method,
          parts,
          `shape ${formatShape(value.shape)} does not start with batch size ${formatShape(this.batchSize)}`,
        );
      if (!isDType(value.dtype))
        throw entryError(method, parts, `tensor dtype ${value.dtype} is not supported; use float32, int32 or bool`);
      return value;
    }
    if (typeof value === "object" && value !== null && !Array.isArray(value) && !ArrayBuffer.isView(value)) {
      return new TensorDict<Schema>(value as Source<Schema>, this.batchSize);
    }
    throw entryError(
      method,
      parts,
      `expected a HostArray, a tfjs tensor, a TensorDict or a plain object, got ${describeValue(value)}${leafHint(value)}`,
    );
  }

  // keys() and leaves() run on every env step (stepMdp, update): static walkers rather than per-call
  // closures, which tsx's keepNames wrapping makes cost more than the walk itself.
  private static collectKeys(
    node: TensorDict<Schema>,
    prefix: string,
    nested: boolean,
    leavesOnly: boolean,
    out: string[],
  ): void {
    for (const [key, entry] of node.entries) {
      const path = prefix.length === 0 ? key : prefix + key;
      const isDict = entry instanceof TensorDict;
      if (!(isDict && leavesOnly)) out.push(path);
      if (isDict && nested) TensorDict.collectKeys(entry, `${path}.`, nested, leavesOnly, out);
    }
  }

  private static collectLeaves(node: TensorDict<Schema>, prefix: string, out: [string, Leaf][]): void {
    for (const [key, entry] of node.entries) {
      if (entry instanceof TensorDict) TensorDict.collectLeaves(entry, `${prefix}${key}.`, out);
      else out.push([prefix.length === 0 ? key : prefix + key, entry]);
    }
  }

  /** Walks the first record's keys and combines the matching entries of all records, node by node. */
  private static combine(
    tds: readonly TensorDict<Schema>[],
    batch: (b: Shape) => Shape,
    leafFn: (leaves: Leaf[], path: string) => Leaf,
    what: string,
    prefix = "",
  ): TensorDict<Schema> {
    const first = tds[0]!;
    const keys = [...first.entries.keys()];
    const out = new TensorDict<Schema>({}, batch(first.batchSize));
    // Hot path (stacking rollout steps): one pass per key gathers, checks presence and kind together.
    for (let i = 1; i < tds.length; i++) {
      if (tds[i]!.entries.size !== keys.length) throw keyMismatch(tds, i, what, prefix);
    }
    // Gather column-wise by walking each record's Map once, in insertion order: records built by the same
    // code share key order, and one iteration per record is much cheaper than a hash lookup per key.
    const columns: Entry[][] = keys.map(() => new Array<Entry>(tds.length));
    for (let i = 0; i < tds.length; i++) {
      const entries = tds[i]!.entries;
      let j = 0;
      let ordered = true;
      for (const [key, entry] of entries) {
        if (key !== keys[j]) {
          ordered = false;
          break;
        }
        columns[j++]![i] = entry;
      }
      if (!ordered) {
        for (let k = 0; k < keys.length; k++) {
          const entry = entries.get(keys[k]!);
          if (entry === undefined) throw keyMismatch(tds, i, what, prefix);
          columns[k]![i] = entry;
        }
      }
    }
    keys.forEach((key, k) => {
      const items = columns[k]!;
      const head = items[0]!;
      const isDict = head instanceof TensorDict;
      for (let i = 1; i < items.length; i++) {
        if (items[i] instanceof TensorDict !== isDict) {
          throw new Error(
            `${what}: "${prefix + key}" is ${describeValue(head)} in element 0 but ${describeValue(items[i])} in element ${i}`,
          );
        }
      }
      out.entries.set(
        key,
        isDict
          ? TensorDict.combine(items as TensorDict<Schema>[], batch, leafFn, what, `${prefix}${key}.`)
          : leafFn(items as Leaf[], prefix + key),
      );
    });
    return out;
  }

  /** Whether every entry is a leaf (no nested TensorDict). */
  private isFlat(): boolean {
    for (const entry of this.entries.values()) if (entry instanceof TensorDict) return false;
    return true;
  }

  /** Shallow structural copy: new TensorDict nodes, same leaves. */
  private shallowCopy(): TensorDict<S> {
    return this.mapLeaves(sameLeaf, sameShape);
  }

  /** Rebuilds the tree with `fn` applied to each leaf and `batch` applied to each node's batch size. */
  private mapLeaves(fn: (leaf: Leaf) => Leaf, batch: (b: Shape) => Shape): TensorDict<S> {
    const out = new TensorDict<Schema>({}, batch(this.batchSize));
    for (const [key, entry] of this.entries) {
      out.entries.set(key, entry instanceof TensorDict ? entry.mapLeaves(fn, batch) : fn(entry));
    }
    return out as unknown as TensorDict<S>;
  }

  private reshapeBatch(next: Shape): TensorDict<S> {
    const nb = this.batchDims;
    return this.mapLeaves(
      (leaf) => {
        const shape = [...next, ...leaf.shape.slice(nb)];
        return leaf instanceof HostArray ? leaf.reshape(shape) : tf.reshape(leaf, shape);
      },
      (b) => [...next, ...b.slice(nb)],
    );
  }
}

const sameLeaf = (leaf: Leaf): Leaf => leaf;

/** A one-segment string key: the common case, looked up without parsing a path (env steps do this a lot). */
function isPlainKey(path: AnyPath): path is string {
  return typeof path === "string" && path.length > 0 && !path.includes(".");
}
const sameShape = (shape: Shape): Shape => shape;

function entryError(method: string, parts: string | readonly string[], detail: string): Error {
  return new Error(`${method}("${typeof parts === "string" ? parts : joinPath(parts)}"): ${detail}`);
}

function keyMismatch(tds: readonly TensorDict<Schema>[], i: number, what: string, prefix: string): Error {
  const keys = tds[0]!.keys();
  const other = tds[i]!.keys();
  const missing = keys.filter((k) => !other.includes(k)).map((k) => prefix + k);
  const extra = other.filter((k) => !keys.includes(k)).map((k) => prefix + k);
  return new Error(
    `${what}: element ${i} has different keys than element 0 (missing: ${missing.join(", ") || "none"}; extra: ${extra.join(", ") || "none"})`,
  );
}

function firstOf<T>(items: readonly T[], what: string): T {
  const first = items[0];
  if (first === undefined) throw new Error(`${what}: needs at least one TensorDict`);
  return first;
}

function normaliseDim(dim: number, n: number, what: string): number {
  const d = dim < 0 ? dim + n : dim;
  if (!Number.isInteger(dim) || d < 0 || d >= n)
    throw new Error(`${what}: dim ${dim} is out of range for ${n} positions`);
  return d;
}

// Some backends (cpu, tensorflow) keep a reference to the typed array a tensor is made from, and hand back
// their own storage from dataSync(). wasm copies both ways. Copy where needed so host and backend never alias.
function backendCopies(): boolean {
  return tf.getBackend() === "wasm";
}

function leafToTensor(leaf: Leaf): tf.Tensor {
  if (isTensor(leaf)) return tf.clone(leaf);
  const dtype = tfDTypeOf(leaf.dtype);
  const data = leaf.dtype === "uint8" ? Int32Array.from(leaf.data) : backendCopies() ? leaf.data : leaf.data.slice();
  return tf.tensor(data, [...leaf.shape], dtype);
}

function tensorToHost(tensor: tf.Tensor, values: Float32Array | Int32Array | Uint8Array): HostArray {
  const dtype = tensor.dtype as DType;
  const data = backendCopies() ? values : values.slice();
  if (dtype === "bool")
    return new HostArray("bool", tensor.shape, data instanceof Uint8Array ? data : Uint8Array.from(data));
  if (dtype === "int32")
    return new HostArray("int32", tensor.shape, data instanceof Int32Array ? data : Int32Array.from(data));
  return new HostArray("float32", tensor.shape, data instanceof Float32Array ? data : Float32Array.from(data));
}
