import { HostArray, TensorDict, sizeOf, type Shape } from "@tdrl/tensordict";
import type { ComponentState } from "../src/component-state";
import type { Storage } from "../src/storage";

/**
 * A bare in-memory `Storage` for the sampler tests: columns are whole host arrays (one row per flat
 * element) that a test fills directly, so episode layouts (including a wrapped ring) are written by hand.
 */
export class SamplerTestStorage implements Storage {
  readonly maxSize: number;
  readonly ndim: 1 | 2;
  readonly shape: Shape;
  length: number;
  /** Set it by hand to place the ring's seam (the flat index after the newest element). */
  writeCursor: number;
  readonly columns = new Map<string, HostArray>();

  constructor(shape: Shape, length: number) {
    this.shape = shape;
    this.ndim = shape.length === 2 ? 2 : 1;
    this.maxSize = sizeOf(shape);
    this.length = length;
    this.writeCursor = length % this.maxSize;
  }

  /** Adds a column of `maxSize` rows of shape `trailing`, filled from `values` (flat). */
  column(path: string, dtype: "float32" | "int32" | "bool", values: ArrayLike<number>, trailing: Shape = [1]): this {
    this.columns.set(path, HostArray.from(dtype, [this.maxSize, ...trailing], values));
    return this;
  }

  set(index: Int32Array, data: TensorDict): void {
    for (const [path, col] of this.columns) {
      const src = data.getHost(path).data;
      const row = col.data.length / this.maxSize;
      for (let j = 0; j < index.length; j++)
        for (let r = 0; r < row; r++) col.data[index[j]! * row + r] = src[j * row + r]!;
    }
    for (const i of index) this.length = Math.max(this.length, i + 1);
    if (index.length > 0) this.writeCursor = (index[index.length - 1]! + 1) % this.maxSize;
  }

  get(index: Int32Array): TensorDict {
    const td = new TensorDict({}, [index.length]);
    for (const path of this.columns.keys()) td.set(path, this.getLeaf(path, index));
    return td;
  }

  getLeaf(path: string, index: Int32Array): HostArray {
    const col = this.columns.get(path);
    if (col === undefined) throw new Error(`SamplerTestStorage.getLeaf: no key "${path}"`);
    const row = col.data.length / this.maxSize;
    const out = new HostArray(col.dtype, [index.length, ...col.shape.slice(1)]);
    for (let j = 0; j < index.length; j++)
      for (let r = 0; r < row; r++) out.data[j * row + r] = col.data[index[j]! * row + r]!;
    return out;
  }

  keys(): string[] {
    return [...this.columns.keys()];
  }

  clear(): void {
    this.length = 0;
    this.writeCursor = 0;
  }

  state(): ComponentState {
    return { kind: "SamplerTestStorage", meta: {}, arrays: {} };
  }

  loadState(): void {}
}
