// @tdrl/tensordict: the record type that flows between every tdrl package, its specs and the seeded RNG.
// One entry for Node and browsers: nothing here needs Node. The tfjs compute-backend set-up (initBackend,
// kernels, gradients) is @tdrl/backend, which this package does not depend on.

export { type DType, type TypedArrayOf, type TfDTypeOf, DTYPES, isDType, tfDTypeOf } from "./dtype";
export { type Shape, sizeOf, formatShape, shapesEqual } from "./shape";
export { HostArray, type HostArrayFromOptions, type OutOfRange } from "./host-array";
export { checkOptions, type OptionKeys } from "./check-options";
export { closestName } from "./closest-name";
export { describeValue } from "./describe-value";
export { checkAllocation, MAX_ALLOCATION_BYTES } from "./allocation";
export { brandClass } from "./brand";
export { type Leaf, type Float32, type Int32, type UInt8, type Bool, isHostArray, isTensor, isLeaf } from "./leaf";
export type { Schema, UntypedSchema, KeyPath, LeafPath, PathString, PathTuple, EntryAt } from "./key-path";
export type { BatchIndex, Range } from "./batch-index";
export {
  TensorDict,
  type AnyPath,
  type KeysOptions,
  type Materialize,
  type SetValue,
  type Source,
  type SourceRecord,
  type SchemaOfSource,
} from "./tensordict";

export { Rng, type RngState, type MutableArrayLike, type IntegerArray, type FloatArray } from "./rng/rng";
export { TensorSpec } from "./specs/spec";
export type { SpecMismatch } from "./specs/spec-mismatch";
export { Unbounded, type UnboundedOptions } from "./specs/unbounded";
export { Bounded, type BoundedOptions } from "./specs/bounded";
export { Categorical, type CategoricalOptions } from "./specs/categorical";
export { OneHot, type OneHotOptions } from "./specs/one-hot";
export { Binary, type BinaryOptions } from "./specs/binary";
export {
  Composite,
  type AnySpec,
  type SpecRecord,
  type SchemaOf,
  type TensorDictOf,
  type CompositeCheckOptions,
} from "./specs/composite";
export type { ArrayInput, NestedNumbers } from "./specs/broadcast";

export {
  encodeTypedArray,
  decodeTypedArray,
  encodeHostArray,
  decodeHostArray,
  encodeTensorDict,
  decodeTensorDict,
  type JsonValue,
  type CodecTypedArray,
  type EncodedTypedArray,
  type EncodedHostArray,
  type EncodedTensorDict,
} from "./host-array-codec";
export type { ExplorationType } from "./exploration-type";
