import { describeValue } from "./describe-value";
import { isDType, type DType } from "./dtype";
import { HostArray } from "./host-array";
import { formatShape, sizeOf } from "./shape";
import { TensorDict } from "./tensordict";

/** Plain JSON values: what a checkpoint may hold (it is written with `JSON.stringify`). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** The typed arrays `encodeTypedArray` stores, by the name written into the encoding. */
const TYPED_ARRAYS = {
  float64: Float64Array,
  float32: Float32Array,
  int32: Int32Array,
  uint32: Uint32Array,
  uint8: Uint8Array,
} as const;
type TypedArrayName = keyof typeof TYPED_ARRAYS;
export type CodecTypedArray = Float64Array | Float32Array | Int32Array | Uint32Array | Uint8Array;

/**
 * A typed array as JSON: its element type and its bytes in base64 (little-endian, as every platform tfjs
 * runs on). Bytes rather than JSON numbers: float32 and float64 values (NaN payloads and -0 included)
 * come back bit for bit, and a frame of pixels is 4/3 of its size instead of up to 4x.
 */
export type EncodedTypedArray = { type: TypedArrayName; length: number; base64: string };

/** A host array as JSON: dtype, shape and its bytes. */
export type EncodedHostArray = { dtype: DType; shape: number[]; base64: string };

/** A TensorDict of host leaves as JSON: the batch size and one entry per key (nested records nest). */
export type EncodedTensorDict = {
  batchSize: number[];
  entries: { [key: string]: EncodedHostArray | EncodedTensorDict };
};

/** Encodes a Float64Array, Float32Array, Int32Array, Uint32Array or Uint8Array losslessly. */
export function encodeTypedArray(array: CodecTypedArray): EncodedTypedArray {
  const type = typedArrayName(array);
  if (type === null) throw new Error(`encodeTypedArray: unsupported array ${describeValue(array)}`);
  return {
    type,
    length: array.length,
    base64: bytesToBase64(new Uint8Array(array.buffer, array.byteOffset, array.byteLength)),
  };
}

/**
 * Decodes `value` as a typed array of `type` and, when given, `length` elements. `what` names the field in
 * the error (e.g. `CartPoleEnv.loadState(): "physics"`).
 */
export function decodeTypedArray<T extends TypedArrayName>(
  value: unknown,
  type: T,
  what: string,
  length?: number,
): InstanceType<(typeof TYPED_ARRAYS)[T]> {
  if (
    !isRecord(value) ||
    typeof value.base64 !== "string" ||
    typeof value.type !== "string" ||
    typeof value.length !== "number"
  ) {
    throw new Error(`${what}: expected an encoded typed array { type, length, base64 }, got ${describeValue(value)}`);
  }
  if (value.type !== type) throw new Error(`${what}: expected a ${type} array, got ${JSON.stringify(value.type)}`);
  if (length !== undefined && value.length !== length)
    throw new Error(`${what}: expected ${length} elements, got ${value.length}`);
  const Ctor = TYPED_ARRAYS[type];
  const bytes = base64ToBytes(value.base64, what);
  if (bytes.length !== value.length * Ctor.BYTES_PER_ELEMENT) {
    throw new Error(`${what}: ${bytes.length} bytes do not hold ${value.length} ${type} elements`);
  }
  // A fresh buffer: the decoded bytes may not be aligned for the element size.
  const out = new Ctor(value.length) as InstanceType<(typeof TYPED_ARRAYS)[T]>;
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

/** Encodes a host array losslessly (dtype, shape, bytes). */
export function encodeHostArray(array: HostArray): EncodedHostArray {
  const data = array.data;
  return {
    dtype: array.dtype,
    shape: [...array.shape],
    base64: bytesToBase64(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)),
  };
}

/** Decodes an `encodeHostArray` value; checks dtype, shape, size and (for bool) that every byte is 0 or 1. */
export function decodeHostArray(value: unknown, what: string): HostArray {
  if (!isRecord(value) || !isDType(value.dtype) || !isShape(value.shape) || typeof value.base64 !== "string") {
    throw new Error(`${what}: expected an encoded host array { dtype, shape, base64 }, got ${describeValue(value)}`);
  }
  const size = sizeOf(value.shape);
  const bytes = base64ToBytes(value.base64, what);
  const width = value.dtype === "float32" || value.dtype === "int32" ? 4 : 1;
  if (bytes.length !== size * width)
    throw new Error(`${what}: ${bytes.length} bytes do not hold a ${value.dtype}${formatShape(value.shape)} array`);
  const array = HostArray.zeros(value.dtype, value.shape);
  new Uint8Array(array.data.buffer, array.data.byteOffset, array.data.byteLength).set(bytes);
  if (value.dtype === "bool") {
    const bad = bytes.findIndex((b) => b > 1);
    if (bad !== -1) throw new Error(`${what}: bool array holds ${bytes[bad]} at flat index ${bad}`);
  }
  return array;
}

/** Encodes a TensorDict whose leaves are all host arrays; a tensor leaf is refused, naming its key. */
export function encodeTensorDict(td: TensorDict): EncodedTensorDict {
  const entries: EncodedTensorDict["entries"] = {};
  for (const key of td.keys()) {
    const value = td.get(key) as unknown;
    if (value instanceof TensorDict) entries[key] = encodeTensorDict(value);
    else if (value instanceof HostArray) entries[key] = encodeHostArray(value);
    else
      throw new Error(`encodeTensorDict: "${key}" is ${describeValue(value)}, not a host array; call toHost() first`);
  }
  return { batchSize: [...td.batchSize], entries };
}

/** Decodes an `encodeTensorDict` value; `what` names the field in errors, which name the key too. */
export function decodeTensorDict(value: unknown, what: string): TensorDict {
  if (!isRecord(value) || !isShape(value.batchSize) || !isRecord(value.entries)) {
    throw new Error(`${what}: expected an encoded TensorDict { batchSize, entries }, got ${describeValue(value)}`);
  }
  const source: { [key: string]: HostArray | TensorDict } = {};
  for (const [key, entry] of Object.entries(value.entries)) {
    source[key] =
      isRecord(entry) && "entries" in entry
        ? decodeTensorDict(entry, `${what}."${key}"`)
        : decodeHostArray(entry, `${what}."${key}"`);
  }
  try {
    return new TensorDict(source, value.batchSize);
  } catch (error) {
    throw new Error(`${what}: ${(error as Error).message}`, { cause: error });
  }
}

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const LOOKUP = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) LOOKUP[ALPHABET.charCodeAt(i)] = i;

const STRICT_BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
/** Node's Buffer when running in Node (absent in browsers, where the loops below do the work). */
const NodeBuffer = (
  globalThis as {
    Buffer?: {
      from(a: ArrayBufferLike | string, b?: number | string, c?: number): Uint8Array & { toString(e: string): string };
    };
  }
).Buffer;

const ENCODE = new Uint8Array(64).map((_, i) => ALPHABET.charCodeAt(i));
const ASCII = new TextDecoder("latin1");

/** Base64 without Node's Buffer, so the codec runs in browsers too (ASCII bytes, then one decode: ~ms per MB). */
function bytesToBase64(bytes: Uint8Array): string {
  // Node's native base64 is ~50x faster (it matters for the @tdrl/distributed transport); same text.
  if (NodeBuffer !== undefined)
    return NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
  const n = bytes.length;
  const out = new Uint8Array(Math.ceil(n / 3) * 4);
  let o = 0;
  let i = 0;
  for (; i + 2 < n; i += 3) {
    const v = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out[o++] = ENCODE[v >> 18]!;
    out[o++] = ENCODE[(v >> 12) & 63]!;
    out[o++] = ENCODE[(v >> 6) & 63]!;
    out[o++] = ENCODE[v & 63]!;
  }
  if (i < n) {
    const two = i + 1 < n;
    const v = (bytes[i]! << 16) | (two ? bytes[i + 1]! << 8 : 0);
    out[o++] = ENCODE[v >> 18]!;
    out[o++] = ENCODE[(v >> 12) & 63]!;
    out[o++] = two ? ENCODE[(v >> 6) & 63]! : 61;
    out[o++] = 61;
  }
  return ASCII.decode(out);
}

function base64ToBytes(text: string, what: string): Uint8Array {
  if (text.length % 4 !== 0) throw new Error(`${what}: base64 text has length ${text.length}, not a multiple of 4`);
  // Node's decoder skips bad characters silently, so it only gets text the strict check passes; other text
  // goes through the loop below, which names the first bad character.
  if (NodeBuffer !== undefined && STRICT_BASE64.test(text)) return NodeBuffer.from(text, "base64");
  const pad = text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - pad);
  const body = text.length - pad;
  let acc = 0;
  let o = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const v = i < body && c < 128 ? LOOKUP[c]! : -1;
    if (v === -1 && i < body) throw new Error(`${what}: invalid base64 character ${JSON.stringify(text[i])} at ${i}`);
    acc = (acc << 6) | (v === -1 ? 0 : v);
    if ((i & 3) === 3) {
      if (o < out.length) out[o++] = (acc >> 16) & 255;
      if (o < out.length) out[o++] = (acc >> 8) & 255;
      if (o < out.length) out[o++] = acc & 255;
      acc = 0;
    }
  }
  return out;
}

function typedArrayName(array: unknown): TypedArrayName | null {
  for (const [name, Ctor] of Object.entries(TYPED_ARRAYS)) if (array instanceof Ctor) return name as TypedArrayName;
  return null;
}

function isRecord(value: unknown): value is { [key: string]: unknown } {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isShape(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((d) => Number.isInteger(d) && d >= 0);
}
