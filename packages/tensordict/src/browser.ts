// @tdrl/tensordict's browser-safe entry: the package's default export condition (browsers, bundlers). Node gets
// ./index.ts (the "node" condition and @tdrl/tensordict/node), which re-exports all of this and adds the
// Node-only parts. Add new exports here unless they need Node (browser-entry.test.ts lists those).

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

export { registerCoreGradients, CORE_GRADIENT_KERNELS } from "./gradients/register-core-gradients";

export { initBackend } from "./backend/init-backend-browser";
export type { InitBackendOptions } from "./backend/init-backend";
export { setWasmPaths } from "./backend/set-wasm-paths";
export type { WasmPaths } from "./backend/backend-setup";
export { requireBackend } from "./backend/require-backend";
export { formatBackendReport, type BackendReport, type SkippedBackend, type WasmFacts } from "./backend/backend-report";
export {
  BACKEND_PREFERENCES,
  BACKEND_ENV_VAR,
  WASM_THREADS_ENV_VAR,
  type BackendChoice,
  type BackendPreference,
  type PreferenceSource,
} from "./backend/backend-preference";
export {
  registerWasmKernels,
  unregisterWasmKernels,
  wasmKernelsRegistered,
  WASM_KERNEL_NAMES,
} from "./backend/wasm/register-wasm-kernels";
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
