import { brandClass } from "../brand";
import type { DType } from "../dtype";
import { HostArray } from "../host-array";
import type { Rng } from "../rng/rng";
import type { Shape } from "../shape";
import { buildHost, castValue, TensorSpec } from "./spec";
import type { SpecMismatch } from "./spec-mismatch";
import { checkOptions, type OptionKeys } from "../check-options";

const UNBOUNDED_OPTION_KEYS = { shape: true, dtype: true } satisfies OptionKeys<UnboundedOptions<DType>>;

export interface UnboundedOptions<D extends DType> {
  shape: Shape;
  /** Default "float32". */
  dtype?: D;
}

/** Integer draws of `Unbounded.rand`: small values, so samples stay useful as test inputs and indices. */
const INT_RAND_RANGE = [-100, 100] as const;

/**
 * Any value of the dtype (TorchRL's `Unbounded`). `rand` draws standard normals for float32, integers in
 * [-100, 100] for int32, any byte for uint8 and fair coin flips for bool. `project` only converts: integers
 * are rounded half to even and clamped to the dtype, bools thresholded at 0.5.
 *
 * @example
 * const obs = new Unbounded({ shape: [4] });
 * const x = obs.rand(new Rng(0)); // HostArray<"float32"> of shape [4]
 * obs.expand([8, 4]).shape; // [8, 4] (the whole new shape, as TorchRL)
 */
export class Unbounded<D extends DType = "float32"> extends TensorSpec<D> {
  static {
    brandClass(this, "Unbounded");
  }

  constructor(options: UnboundedOptions<D>) {
    checkOptions("Unbounded", options, UNBOUNDED_OPTION_KEYS);
    super("Unbounded", options.shape, options.dtype ?? ("float32" as D));
  }

  override rand(rng: Rng): HostArray<D> {
    const out = HostArray.zeros(this.dtype, this.shape);
    const data = out.data;
    switch (this.dtype) {
      case "float32":
        rng.fillNormal(data as Float32Array);
        break;
      case "int32":
        rng.fillInt(data as Int32Array, INT_RAND_RANGE[0], INT_RAND_RANGE[1] + 1);
        break;
      case "uint8":
        rng.fillInt(data as Uint8Array, 0, 256);
        break;
      default:
        rng.fillInt(data as Uint8Array, 0, 2);
    }
    return out;
  }

  override project(x: HostArray): HostArray<D> {
    const values = this.projectInput(x);
    return buildHost(this.dtype, this.shape, (i) => castValue(values[i]!, this.dtype));
  }

  override expand(shape: Shape): Unbounded<D> {
    return new Unbounded({ shape: this.expandedShape(shape), dtype: this.dtype });
  }

  override clone(): Unbounded<D> {
    return new Unbounded({ shape: this.shape, dtype: this.dtype });
  }

  override toString(): string {
    return `Unbounded(shape=[${this.shape.join(", ")}], dtype=${this.dtype})`;
  }

  protected override findViolation(): SpecMismatch | null {
    return null;
  }

  protected override sameParameters(): boolean {
    return true;
  }
}
