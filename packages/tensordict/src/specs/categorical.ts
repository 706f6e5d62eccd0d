import { brandClass } from "../brand";
import type { DType } from "../dtype";
import type { HostArray } from "../host-array";
import type { Rng } from "../rng/rng";
import { formatShape, type Shape } from "../shape";
import { buildHost, dtypeRange, formatValue, roundHalfEven, TensorSpec, valueMismatch } from "./spec";
import type { SpecMismatch } from "./spec-mismatch";
import { checkOptions, type OptionKeys } from "../check-options";

const CATEGORICAL_OPTION_KEYS = { n: true, shape: true, dtype: true } satisfies OptionKeys<CategoricalOptions<DType>>;

export interface CategoricalOptions<D extends DType> {
  /** Number of categories; values are integers in [0, n). */
  n: number;
  /** Default [] (one category index). */
  shape?: Shape;
  /** Default "int32". */
  dtype?: D;
}

/**
 * Integer category indices in [0, n) (TorchRL's `Categorical`), e.g. a discrete action. `rand` is uniform
 * over the n categories; `project` rounds half to even and clamps into [0, n - 1].
 *
 * @example
 * const action = new Categorical({ n: 4 });
 * action.rand(new Rng(0)).data[0]; // one of 0, 1, 2, 3
 * action.assert(HostArray.from("int32", [], [4]), "action"); // throws: value 4 at index [] is out of range [0, 4)
 */
export class Categorical<D extends DType = "int32"> extends TensorSpec<D> {
  static {
    brandClass(this, "Categorical");
  }

  readonly n: number;

  constructor(options: CategoricalOptions<D>) {
    checkOptions("Categorical", options, CATEGORICAL_OPTION_KEYS);
    super("Categorical", options.shape ?? [], options.dtype ?? ("int32" as D));
    const { n } = options;
    if (!(Number.isSafeInteger(n) && n >= 1))
      throw new Error(`Categorical: n must be a positive integer, got ${String(n)}`);
    const largest = this.dtype === "float32" ? 2 ** 24 : dtypeRange(this.dtype)[1];
    if (n - 1 > largest)
      throw new Error(
        `Categorical: n ${n} has categories up to ${n - 1}, which dtype ${this.dtype} cannot hold exactly`,
      );
    this.n = n;
  }

  override rand(rng: Rng): HostArray<D> {
    return buildHost(this.dtype, this.shape, () => rng.int(0, this.n));
  }

  override project(x: HostArray): HostArray<D> {
    const values = this.projectInput(x);
    return buildHost(this.dtype, this.shape, (i) => Math.min(Math.max(roundHalfEven(values[i]!), 0), this.n - 1));
  }

  override expand(shape: Shape): Categorical<D> {
    return new Categorical({ n: this.n, shape: this.expandedShape(shape), dtype: this.dtype });
  }

  override clone(): Categorical<D> {
    return new Categorical({ n: this.n, shape: this.shape, dtype: this.dtype });
  }

  override toString(): string {
    return `Categorical(n=${this.n}, shape=${formatShape(this.shape)}, dtype=${this.dtype})`;
  }

  protected override findViolation(values: ArrayLike<number>): SpecMismatch | null {
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (!Number.isInteger(v)) {
        return valueMismatch(this.shape, i, formatValue(v, this.dtype), `is not an integer category in [0, ${this.n})`);
      }
      if (v < 0 || v >= this.n) return valueMismatch(this.shape, i, String(v), `is out of range [0, ${this.n})`);
    }
    return null;
  }

  protected override sameParameters(other: Categorical<D>): boolean {
    return other.n === this.n;
  }
}
