import type { HostArray, Shape, TensorSpec } from "@tdrl/tensordict";
import { LeafTransform } from "./leaf-transform";
import { reshapeSpec } from "./spec-edit";

/**
 * The base of transforms that only change the event shape of their leaves (Unsqueeze,
 * FlattenObservation): the data is shared, not copied, and the spec is rebuilt with `reshapeSpec`.
 * Subclasses give `eventShape`, the new shape of the dims after the batch dims.
 */
export abstract class ReshapeTransform extends LeafTransform {
  /** The new event shape for an `event` of `key`; `what` names the transform and key for errors. */
  protected abstract eventShape(event: Shape, what: string): number[];

  protected override transformLeaf(leaf: HostArray, key: string, batchDims: number): HostArray {
    return leaf.reshape(this.outShape(leaf.shape, key, batchDims));
  }

  protected override transformLeafSpec(spec: TensorSpec, key: string, batchDims: number): TensorSpec {
    return reshapeSpec(spec, this.outShape(spec.shape, key, batchDims), `${this.name}("${key}")`);
  }

  private outShape(shape: Shape, key: string, batchDims: number): number[] {
    return [...shape.slice(0, batchDims), ...this.eventShape(shape.slice(batchDims), `${this.name}("${key}")`)];
  }
}
