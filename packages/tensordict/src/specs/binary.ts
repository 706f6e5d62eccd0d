import { brandClass } from "../brand";
import type { DType } from "../dtype";
import type { HostArray } from "../host-array";
import type { Rng } from "../rng/rng";
import { formatShape, type Shape } from "../shape";
import { buildHost, formatValue, TensorSpec, valueMismatch } from "./spec";
import type { SpecMismatch } from "./spec-mismatch";
import { checkOptions, type OptionKeys } from "../check-options";

const BINARY_OPTION_KEYS = { n: true, shape: true, dtype: true } satisfies OptionKeys<BinaryOptions<DType>>;

/** `n` bits (shape `[n]`), or a full `shape` whose last dim is the number of bits. */
export type BinaryOptions<D extends DType> = ({ n: number; shape?: Shape } | { n?: number; shape: Shape }) & {
  /** Default "bool". */
  dtype?: D;
};

/**
 * A vector of independent 0/1 flags (TorchRL's `Binary`), e.g. multi-label actions or done flags. `rand`
 * flips a fair coin per element; `project` maps values >= 0.5 to 1 and the rest to 0.
 *
 * @example
 * const flags = new Binary({ n: 3 }); // shape [3], dtype bool
 * flags.project(HostArray.from("float32", [3], [0.2, 0.5, 0.9])).data; // Uint8Array [0, 1, 1]
 */
export class Binary<D extends DType = "bool"> extends TensorSpec<D> {
  static {
    brandClass(this, "Binary");
  }

  /** Number of flags: the last dim of `shape`. */
  readonly n: number;

  constructor(options: BinaryOptions<D>) {
    checkOptions("Binary", options, BINARY_OPTION_KEYS);
    const { n, shape } = options;
    if (n !== undefined && !(Number.isSafeInteger(n) && n >= 1))
      throw new Error(`Binary: n must be a positive integer, got ${String(n)}`);
    if (n === undefined && shape === undefined) throw new Error("Binary: give n or shape");
    const resolved = shape ?? [n!];
    if (resolved.length === 0) throw new Error("Binary: shape must have at least one dim (the flags); got []");
    const last = resolved[resolved.length - 1]!;
    if (n !== undefined && last !== n)
      throw new Error(`Binary: the last dim of shape ${formatShape(resolved)} must be n (${n}), got ${last}`);
    super("Binary", resolved, options.dtype ?? ("bool" as D));
    this.n = last;
  }

  override rand(rng: Rng): HostArray<D> {
    return buildHost(this.dtype, this.shape, () => rng.int(0, 2));
  }

  override project(x: HostArray): HostArray<D> {
    const values = this.projectInput(x);
    return buildHost(this.dtype, this.shape, (i) => (values[i]! >= 0.5 ? 1 : 0));
  }

  override expand(shape: Shape): Binary<D> {
    return new Binary({ shape: this.expandedShape(shape, 1), dtype: this.dtype });
  }

  override clone(): Binary<D> {
    return new Binary({ shape: this.shape, dtype: this.dtype });
  }

  override toString(): string {
    return `Binary(n=${this.n}, shape=${formatShape(this.shape)}, dtype=${this.dtype})`;
  }

  protected override findViolation(values: ArrayLike<number>): SpecMismatch | null {
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (v !== 0 && v !== 1) return valueMismatch(this.shape, i, formatValue(v, this.dtype), "is not 0 or 1");
    }
    return null;
  }

  protected override sameParameters(): boolean {
    return true; // n is the last dim of the shape, already compared
  }
}
