import { brandClass } from "../brand";
import type { DType } from "../dtype";
import { HostArray } from "../host-array";
import type { Rng } from "../rng/rng";
import { formatShape, type Shape } from "../shape";
import { describeValue } from "../describe-value";
import { formatIndex, formatValue, TensorSpec, valueMismatch } from "./spec";
import { specMismatch, unravelIndex, type SpecMismatch } from "./spec-mismatch";
import { checkOptions, type OptionKeys } from "../check-options";

const ONE_HOT_OPTION_KEYS = { n: true, shape: true, dtype: true } satisfies OptionKeys<OneHotOptions<DType>>;

export interface OneHotOptions<D extends DType> {
  /** Number of categories: the size of the last dim. */
  n: number;
  /** Default [n]; the last dim must be n. */
  shape?: Shape;
  /** Default "bool". */
  dtype?: D;
}

/**
 * Categories encoded one-hot along the last dim (TorchRL's `OneHot`): every row of n values holds exactly
 * one 1. `rand` picks a uniform category per row; `project` replaces each row by the one-hot of its argmax
 * (the first maximum on ties). `toCategorical` / `fromCategorical` convert to and from indices.
 *
 * @example
 * const action = new OneHot({ n: 3 });
 * const a = action.fromCategorical(HostArray.from("int32", [], [2])); // bool [0, 0, 1]
 * action.toCategorical(a).data[0]; // 2
 * action.project(HostArray.from("float32", [3], [0.1, 0.7, 0.2])).data; // Uint8Array [0, 1, 0]
 */
export class OneHot<D extends DType = "bool"> extends TensorSpec<D> {
  static {
    brandClass(this, "OneHot");
  }

  readonly n: number;

  constructor(options: OneHotOptions<D>) {
    checkOptions("OneHot", options, ONE_HOT_OPTION_KEYS);
    const { n } = options;
    if (!(Number.isSafeInteger(n) && n >= 1)) throw new Error(`OneHot: n must be a positive integer, got ${String(n)}`);
    const shape = options.shape ?? [n];
    if (shape.length === 0 || shape[shape.length - 1] !== n) {
      throw new Error(`OneHot: the last dim of shape ${formatShape(shape)} must be n (${n})`);
    }
    super("OneHot", shape, options.dtype ?? ("bool" as D));
    this.n = n;
  }

  override rand(rng: Rng): HostArray<D> {
    const out = HostArray.zeros(this.dtype, this.shape);
    for (let row = 0; row < out.size; row += this.n) out.data[row + rng.int(0, this.n)] = 1;
    return out;
  }

  override project(x: HostArray): HostArray<D> {
    const values = this.projectInput(x);
    const out = HostArray.zeros(this.dtype, this.shape);
    for (let row = 0; row < out.size; row += this.n) out.data[row + argmax(values, row, this.n)] = 1;
    return out;
  }

  /** The category index of each row of `x` (any leading shape, last dim n): shape `x.shape` without the last dim. */
  toCategorical(x: HostArray): HostArray<"int32"> {
    if (!(x instanceof HostArray))
      throw new Error(`OneHot.toCategorical: expected a HostArray, got ${describeValue(x)}`);
    if (x.rank === 0 || x.shape[x.rank - 1] !== this.n) {
      throw new Error(`OneHot.toCategorical: the last dim of shape ${formatShape(x.shape)} must be n (${this.n})`);
    }
    const problem = this.rowViolation(x.data, x.shape);
    if (problem !== null) throw new Error(`OneHot.toCategorical: ${problem.message}`);
    const out = HostArray.zeros("int32", x.shape.slice(0, -1));
    for (let row = 0; row < out.size; row++) out.data[row] = argmax(x.data, row * this.n, this.n);
    return out;
  }

  /** The one-hot rows for category indices `index` (any shape): shape `[...index.shape, n]`, the spec's dtype. */
  fromCategorical(index: HostArray): HostArray<D> {
    if (!(index instanceof HostArray))
      throw new Error(`OneHot.fromCategorical: expected a HostArray, got ${describeValue(index)}`);
    const out = HostArray.zeros(this.dtype, [...index.shape, this.n]);
    for (let i = 0; i < index.size; i++) {
      const k = index.data[i]!;
      if (!(Number.isInteger(k) && k >= 0 && k < this.n)) {
        throw new Error(
          `OneHot.fromCategorical: index ${formatValue(k, index.dtype)} at ${formatIndex(index.shape, i)} is out of range [0, ${this.n})`,
        );
      }
      out.data[i * this.n + k] = 1;
    }
    return out;
  }

  override expand(shape: Shape): OneHot<D> {
    return new OneHot({ n: this.n, shape: this.expandedShape(shape, 1), dtype: this.dtype });
  }

  override clone(): OneHot<D> {
    return new OneHot({ n: this.n, shape: this.shape, dtype: this.dtype });
  }

  override toString(): string {
    return `OneHot(n=${this.n}, shape=${formatShape(this.shape)}, dtype=${this.dtype})`;
  }

  protected override findViolation(values: ArrayLike<number>): SpecMismatch | null {
    return this.rowViolation(values, this.shape);
  }

  protected override sameParameters(): boolean {
    return true; // n is the last dim of the shape, already compared
  }

  private rowViolation(values: ArrayLike<number>, shape: Shape): SpecMismatch | null {
    const n = this.n;
    for (let row = 0; row < values.length; row += n) {
      let ones = 0;
      for (let j = row; j < row + n; j++) {
        const v = values[j]!;
        if (v !== 0 && v !== 1) return valueMismatch(shape, j, formatValue(v, this.dtype), "is not 0 or 1");
        ones += v;
      }
      if (ones !== 1) {
        const index = unravelIndex(shape.slice(0, -1), row / n);
        const shown = Array.prototype.slice.call(values, row, row + Math.min(n, 8)).join(", ") + (n > 8 ? ", ..." : "");
        return specMismatch({ kind: "row", index, problem: `has ${ones} ones, expected exactly one: [${shown}]` });
      }
    }
    return null;
  }
}

/** Position of the first largest value among `values[start .. start + n)`, relative to `start`. */
function argmax(values: ArrayLike<number>, start: number, n: number): number {
  let best = 0;
  for (let j = 1; j < n; j++) if (values[start + j]! > values[start + best]!) best = j;
  return best;
}
