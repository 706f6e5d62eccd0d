import * as tf from "@tensorflow/tfjs-core";
import type { HasParameters } from "./parameters";
import { checkOptions, type OptionKeys } from "@tdrl/tensordict";

const SAVE_WEIGHTS_OPTION_KEYS = { metadata: true } satisfies OptionKeys<{ metadata?: Record<string, string> }>;

/** One entry of a safetensors header. */
export interface SafetensorsEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * The module's parameters in the safetensors format (what `safetensors.torch.save_file` writes): an 8-byte
 * little-endian header length, a JSON header `{ name: { dtype: "F32", shape, data_offsets } }` padded with
 * spaces to 8 bytes, then the raw little-endian float32 data. Write the bytes with `fs.writeFileSync`.
 *
 * @example
 * import { writeFileSync } from "node:fs";
 * import { Rng } from "@tdrl/tensordict";
 * const mlp = new MLP({ inFeatures: 4, outFeatures: 2, numCells: [8], rng: new Rng(0) });
 * writeFileSync("/tmp/qnet.safetensors", saveWeights(mlp, { metadata: { step: "1000" } }));
 */
export function saveWeights(module: HasParameters, options: { metadata?: Record<string, string> } = {}): Uint8Array {
  checkOptions("saveWeights", options, SAVE_WEIGHTS_OPTION_KEYS);
  const params = [...module.parameters()];
  const header: Record<string, SafetensorsEntry | Record<string, string>> = {};
  if (options.metadata !== undefined) header.__metadata__ = { ...options.metadata };
  let offset = 0;
  const values: Float32Array[] = [];
  for (const [name, v] of params) {
    if (v.dtype !== "float32")
      throw new Error(`saveWeights: parameter "${name}" has dtype ${v.dtype}; only float32 is written`);
    const data = v.dataSync() as Float32Array;
    header[name] = { dtype: "F32", shape: [...v.shape], data_offsets: [offset, offset + data.length * 4] };
    offset += data.length * 4;
    values.push(data);
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + json.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const data of values) {
    if (LITTLE_ENDIAN) out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), at);
    else for (let i = 0; i < data.length; i++) view.setFloat32(at + 4 * i, data[i]!, true);
    at += data.byteLength;
  }
  return out;
}

/** Parses a safetensors file's header, checking its framing. */
export function readSafetensorsHeader(bytes: Uint8Array): {
  entries: Map<string, SafetensorsEntry>;
  metadata: Record<string, string>;
  dataStart: number;
} {
  const what = "loadWeights";
  if (bytes.length < 8)
    throw new Error(`${what}: ${bytes.length} bytes is too short for a safetensors file (8-byte header length)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (8 + headerLength > bytes.length)
    throw new Error(`${what}: the header length ${headerLength} runs past the end of the ${bytes.length}-byte file`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  } catch (e) {
    throw new Error(`${what}: the header is not valid JSON (${(e as Error).message})`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new Error(`${what}: the header is not a JSON object`);
  const entries = new Map<string, SafetensorsEntry>();
  let metadata: Record<string, string> = {};
  const dataLength = bytes.length - 8 - headerLength;
  for (const [name, raw] of Object.entries(parsed as Record<string, unknown>)) {
    if (name === "__metadata__") {
      metadata = raw as Record<string, string>;
      continue;
    }
    const e = raw as SafetensorsEntry;
    if (
      typeof e !== "object" ||
      e === null ||
      typeof e.dtype !== "string" ||
      !Array.isArray(e.shape) ||
      !Array.isArray(e.data_offsets) ||
      e.data_offsets.length !== 2
    ) {
      throw new Error(`${what}: header entry "${name}" is not { dtype, shape, data_offsets }`);
    }
    const [b, end] = e.data_offsets;
    if (!(Number.isSafeInteger(b) && Number.isSafeInteger(end) && b >= 0 && end >= b && end <= dataLength)) {
      throw new Error(`${what}: tensor "${name}" has data_offsets [${b}, ${end}] outside the ${dataLength} data bytes`);
    }
    entries.set(name, e);
  }
  return { entries, metadata, dataStart: 8 + headerLength };
}

/**
 * Loads safetensors bytes into the module's parameters. The file must hold exactly the module's
 * parameter names, each float32 (F32) with the same shape; otherwise nothing is loaded and the error
 * names the first missing, extra or mismatched tensor.
 *
 * @example
 * import { Rng } from "@tdrl/tensordict";
 * const bytes = saveWeights(new MLP({ inFeatures: 4, outFeatures: 2, numCells: [8], rng: new Rng(0) })); // or readFileSync(path)
 * loadWeights(new MLP({ inFeatures: 4, outFeatures: 2, numCells: [8], rng: new Rng(1) }), bytes);
 */
export function loadWeights(module: HasParameters, bytes: Uint8Array): void {
  const what = "loadWeights";
  const { entries, dataStart } = readSafetensorsHeader(bytes);
  const params = module.parameters();
  const loads: [tf.Variable, Float32Array][] = [];
  for (const [name, v] of params) {
    const e = entries.get(name);
    if (e === undefined)
      throw new Error(
        `${what}: parameter "${name}" is missing from the file (it holds ${[...entries.keys()].join(", ") || "no tensors"})`,
      );
    if (e.dtype !== "F32")
      throw new Error(`${what}: tensor "${name}" has dtype ${e.dtype} in the file; the parameter is float32 (F32)`);
    if (e.shape.length !== v.shape.length || e.shape.some((d, i) => d !== v.shape[i])) {
      throw new Error(
        `${what}: tensor "${name}" has shape [${e.shape.join(", ")}] in the file and [${v.shape.join(", ")}] in the module`,
      );
    }
    const [b, end] = e.data_offsets;
    const count = v.shape.reduce((p, d) => p * d, 1);
    if (end - b !== count * 4)
      throw new Error(
        `${what}: tensor "${name}" has ${end - b} data bytes; shape [${e.shape.join(", ")}] needs ${count * 4}`,
      );
    const data = new Float32Array(count);
    const view = new DataView(bytes.buffer, bytes.byteOffset + dataStart + b, end - b);
    for (let i = 0; i < count; i++) data[i] = view.getFloat32(4 * i, true);
    loads.push([v, data]);
  }
  for (const name of entries.keys()) {
    if (!params.has(name))
      throw new Error(
        `${what}: the file has tensor "${name}", which the module does not (it has ${[...params.keys()].join(", ")})`,
      );
  }
  tf.tidy(() => {
    for (const [v, data] of loads) v.assign(tf.tensor(data, v.shape, "float32"));
  });
}
