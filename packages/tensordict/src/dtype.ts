/**
 * The element types a leaf can hold. `bool` is stored as one byte per element (0 or 1), like uint8.
 * tfjs has no uint8 tensors: a uint8 host leaf becomes an int32 tensor on the backend (see `tfDTypeOf`).
 */
export type DType = "float32" | "int32" | "uint8" | "bool";

/** The typed array that backs a host leaf of each dtype. */
export interface TypedArrayByDType {
  float32: Float32Array;
  int32: Int32Array;
  uint8: Uint8Array;
  bool: Uint8Array;
}

export type TypedArrayOf<D extends DType> = TypedArrayByDType[D];

/** The tfjs dtype a host dtype maps to on the backend. */
export type TfDTypeOf<D extends DType> = D extends "float32" ? "float32" : D extends "bool" ? "bool" : "int32";

export const DTYPES: readonly DType[] = ["float32", "int32", "uint8", "bool"];

export function isDType(value: unknown): value is DType {
  return value === "float32" || value === "int32" || value === "uint8" || value === "bool";
}

export function allocate<D extends DType>(dtype: D, size: number): TypedArrayOf<D> {
  switch (dtype) {
    case "float32":
      return new Float32Array(size) as TypedArrayOf<D>;
    case "int32":
      return new Int32Array(size) as TypedArrayOf<D>;
    default:
      return new Uint8Array(size) as TypedArrayOf<D>;
  }
}

export function tfDTypeOf<D extends DType>(dtype: D): TfDTypeOf<D> {
  return (dtype === "float32" ? "float32" : dtype === "bool" ? "bool" : "int32") as TfDTypeOf<D>;
}

/** Whether `data` is the typed array class that `dtype` is stored in. */
export function matchesDType(dtype: DType, data: ArrayBufferView): boolean {
  switch (dtype) {
    case "float32":
      return data instanceof Float32Array;
    case "int32":
      return data instanceof Int32Array;
    default:
      return data instanceof Uint8Array;
  }
}
