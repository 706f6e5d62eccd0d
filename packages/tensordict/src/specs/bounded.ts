import { brandClass } from "../brand";
import type { DType } from "../dtype";
import { HostArray } from "../host-array";
import type { Rng } from "../rng/rng";
import { formatShape, sizeOf, type Shape } from "../shape";
import { broadcastShapes, broadcastsTo, broadcastValues, readArrayInput, type ArrayInput } from "./broadcast";
import {
  buildHost,
  castValue,
  fitsDType,
  formatIndex,
  formatValue,
  formatValues,
  TensorSpec,
  valueMismatch,
} from "./spec";
import type { SpecMismatch } from "./spec-mismatch";
import { checkOptions, type OptionKeys } from "../check-options";

const BOUNDED_OPTION_KEYS = { low: true, high: true, shape: true, dtype: true } satisfies OptionKeys<
  BoundedOptions<DType>
>;

export interface BoundedOptions<D extends DType> {
  /** Lowest allowed value: a scalar, nested arrays or a HostArray broadcastable to `shape`. */
  low: ArrayInput;
  /** Highest allowed value (inclusive), same forms as `low`. */
  high: ArrayInput;
  /** Defaults to the shape `low` and `high` broadcast to. */
  shape?: Shape;
  /** Default "float32". */
  dtype?: D;
}

/**
 * Values in a closed box [low, high], element by element (TorchRL's `Bounded`). `low` and `high` are stored
 * expanded to the full shape, in the spec's dtype. `rand` is uniform in [low, high] (every integer in the
 * range equally likely for integer dtypes); `project` clamps, after rounding half to even for integer dtypes.
 *
 * @example
 * const action = new Bounded({ low: -2, high: 2, shape: [1] });
 * action.project(HostArray.from("float32", [1], [5])).data; // Float32Array [2]
 * const torque = new Bounded({ low: [-1, -2], high: [1, 2] }); // shape [2]
 * torque.rand(new Rng(0)); // each element within its own bounds
 */
export class Bounded<D extends DType = "float32"> extends TensorSpec<D> {
  static {
    brandClass(this, "Bounded");
  }

  /** Lower bounds, one per element of `shape`. Treat as read-only. */
  readonly low: HostArray<D>;
  /** Upper bounds (inclusive), one per element of `shape`. Treat as read-only. */
  readonly high: HostArray<D>;

  constructor(options: BoundedOptions<D>) {
    checkOptions("Bounded", options, BOUNDED_OPTION_KEYS);
    const dtype = options.dtype ?? ("float32" as D);
    const low = readArrayInput(options.low, "Bounded: low");
    const high = readArrayInput(options.high, "Bounded: high");
    const shape = options.shape ?? broadcastShapes(low.shape, high.shape, "Bounded: low and high");
    super("Bounded", shape, dtype);
    this.low = this.expandBound("low", low.shape, low.values);
    this.high = this.expandBound("high", high.shape, high.values);
    const lo = this.low.data;
    const hi = this.high.data;
    for (let i = 0; i < lo.length; i++) {
      if (lo[i]! > hi[i]!) {
        throw new Error(
          `Bounded: low ${formatValue(lo[i]!, dtype)} is greater than high ${formatValue(hi[i]!, dtype)} at index ${formatIndex(this.shape, i)}`,
        );
      }
    }
  }

  override rand(rng: Rng): HostArray<D> {
    const lo = this.low.data;
    const hi = this.high.data;
    if (this.dtype === "float32") return buildHost(this.dtype, this.shape, (i) => rng.uniform(lo[i]!, hi[i]!));
    return buildHost(this.dtype, this.shape, (i) => rng.int(lo[i]!, hi[i]! + 1));
  }

  override project(x: HostArray): HostArray<D> {
    const values = this.projectInput(x);
    const lo = this.low.data;
    const hi = this.high.data;
    return buildHost(this.dtype, this.shape, (i) =>
      Math.min(Math.max(castValue(values[i]!, this.dtype), lo[i]!), hi[i]!),
    );
  }

  override expand(shape: Shape): Bounded<D> {
    const to = this.expandedShape(shape);
    const repeat = (a: HostArray<D>) =>
      HostArray.from(this.dtype, to, broadcastValues(Array.from(a.data), a.shape, to));
    return new Bounded({ low: repeat(this.low), high: repeat(this.high), shape: to, dtype: this.dtype });
  }

  override clone(): Bounded<D> {
    return new Bounded({ low: this.low.clone(), high: this.high.clone(), shape: this.shape, dtype: this.dtype });
  }

  override toString(): string {
    const low = formatValues(this.low.data, this.dtype);
    const high = formatValues(this.high.data, this.dtype);
    return `Bounded(shape=${formatShape(this.shape)}, dtype=${this.dtype}, low=${low}, high=${high})`;
  }

  protected override findViolation(values: ArrayLike<number>): SpecMismatch | null {
    const lo = this.low.data;
    const hi = this.high.data;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (!(v >= lo[i]! && v <= hi[i]!)) {
        const d = this.dtype;
        const bounds = `[${formatValue(lo[i]!, d)}, ${formatValue(hi[i]!, d)}]`;
        return valueMismatch(this.shape, i, formatValue(v, d), `is out of bounds ${bounds}`);
      }
    }
    return null;
  }

  protected override sameParameters(other: Bounded<D>): boolean {
    const n = sizeOf(this.shape);
    for (let i = 0; i < n; i++) {
      if (other.low.data[i] !== this.low.data[i] || other.high.data[i] !== this.high.data[i]) return false;
    }
    return true;
  }

  private expandBound(name: "low" | "high", shape: Shape, values: readonly number[]): HostArray<D> {
    if (!broadcastsTo(shape, this.shape)) {
      throw new Error(
        `Bounded: ${name} of shape ${formatShape(shape)} does not broadcast to the spec's shape ${formatShape(this.shape)}`,
      );
    }
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (!Number.isFinite(v)) {
        throw new Error(
          `Bounded: ${name} ${v} at index ${formatIndex(shape, i)} is not finite; use Unbounded for an open range`,
        );
      }
      if (this.dtype !== "float32" && !fitsDType(v, this.dtype)) {
        throw new Error(`Bounded: ${name} ${v} at index ${formatIndex(shape, i)} is not a ${this.dtype} value`);
      }
    }
    return HostArray.from(this.dtype, this.shape, broadcastValues(values, shape, this.shape));
  }
}
