import type { Tensor } from "@tensorflow/tfjs-core";
import type { DType } from "./dtype";
import { HostArray } from "./host-array";
import type { Shape } from "./shape";

/**
 * A TensorDict leaf: a host array (JS memory) or a tfjs tensor (backend memory).
 * The dtype parameter types host leaves; tfjs tensors carry their dtype at run time only.
 */
export type Leaf<D extends DType = DType> = HostArray<D> | Tensor;

/** Leaf types for typed records: `TensorDict<{ observation: Float32; next: { done: Bool } }>`. */
export type Float32 = Leaf<"float32">;
export type Int32 = Leaf<"int32">;
export type UInt8 = Leaf<"uint8">;
export type Bool = Leaf<"bool">;

export function isHostArray(value: unknown): value is HostArray {
  return value instanceof HostArray;
}

/**
 * tfjs tensors are recognised by shape rather than `instanceof`, because two copies of tfjs-core in one
 * process (an app's and a library's) make two Tensor classes that share one engine.
 */
export function isTensor(value: unknown): value is Tensor {
  return (
    typeof value === "object" &&
    value !== null &&
    !(value instanceof HostArray) &&
    typeof (value as Tensor).dataId === "object" &&
    Array.isArray((value as Tensor).shape) &&
    typeof (value as Tensor).dtype === "string" &&
    typeof (value as Tensor).dispose === "function"
  );
}

export function isLeaf(value: unknown): value is Leaf {
  return value instanceof HostArray || isTensor(value);
}

export function leafShape(leaf: Leaf): Shape {
  return leaf.shape;
}

/** Where a leaf lives, for messages and `toString()`. */
export function leafLocation(leaf: Leaf): string {
  return leaf instanceof HostArray ? "host" : "tensor";
}
