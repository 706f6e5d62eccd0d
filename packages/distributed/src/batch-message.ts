import {
  decodeTensorDict,
  decodeTypedArray,
  encodeTensorDict,
  encodeTypedArray,
  formatShape,
  type EncodedTypedArray,
  type TensorDict,
} from "@tdrl/tensordict";

/**
 * The wire format's version, written in every message. A learner refuses any other: bump it whenever the
 * fields or their meaning change, so old actors and new learners never misread each other.
 */
export const BATCH_CODEC_VERSION = "tdrl-batch/1";

/** What an actor says about a batch, beside the data. */
export interface BatchMeta {
  /** The run the batch belongs to (a message of another run on the stream is foreign). */
  run: string;
  /** The actor's index (unique within the run) and its name (host and pid). */
  actor: number;
  actorName: string;
  /** The actor's batch number, from 0: gaps or repeats show lost or duplicated batches. */
  seq: number;
  /** The version of the weights that chose the batch's actions (0: the actor's initial weights). */
  weightsVersion: number;
  /** Frames in the batch (its batch numel). */
  frames: number;
  /** `Date.now()` on the actor when the batch was sent. */
  sentAt: number;
  /** Ape-X: the actor's initial priority of each frame (row-major over the batch size), or null. */
  priorities: Float32Array | null;
}

/** A decoded message: its batch (host arrays) and what the actor said about it. */
export interface BatchMessage {
  batch: TensorDict;
  meta: BatchMeta;
}

/** Why a message was refused: counted per reason by the learner. */
export type RejectReason = "version" | "foreign" | "schema" | "truncated" | "size" | "malformed" | "trimmed";

/** A message the learner refuses; `reason` classifies it, the message says what was wrong. */
export class BatchMessageError extends Error {
  constructor(
    readonly reason: RejectReason,
    message: string,
  ) {
    super(message);
    this.name = "BatchMessageError";
  }
}

/**
 * A batch's schema: each leaf's path, dtype and shape after the batch dimensions, sorted by path, e.g.
 * `action:int32[];next.observation:uint8[48,48,1];...`. Two batches of one run have the same schema.
 */
export function batchSchema(batch: TensorDict): string {
  const dims = batch.batchSize.length;
  return batch
    .leaves()
    .map(([path, leaf]) => `${path}:${leaf.dtype}${formatShape(leaf.shape.slice(dims))}`)
    .sort()
    .join(";");
}

/**
 * A batch as the field/value pairs of one stream entry (XADD): the codec version, the schema, the meta
 * (JSON) and the data (the host-array codec of @tdrl/tensordict: bytes kept in their dtype, so uint8
 * pixels stay one byte each before base64), with the data's length to catch truncation. Throws if the
 * message would exceed `maxBytes`.
 */
export function encodeBatchMessage(batch: TensorDict, meta: BatchMeta, maxBytes: number): string[] {
  const what = "encodeBatchMessage";
  const frames = batch.batchSize.reduce((a, b) => a * b, 1);
  if (meta.frames !== frames)
    throw new Error(`${what}: meta.frames is ${meta.frames}, the batch holds ${frames} frames`);
  if (meta.priorities !== null && meta.priorities.length !== frames)
    throw new Error(`${what}: ${meta.priorities.length} priorities for ${frames} frames`);
  const data = JSON.stringify(encodeTensorDict(batch));
  const { priorities, ...rest } = meta;
  const metaJson = JSON.stringify({
    ...rest,
    batchSize: [...batch.batchSize],
    priorities: priorities === null ? null : encodeTypedArray(priorities),
  });
  const schema = batchSchema(batch);
  const fields = [
    "v",
    BATCH_CODEC_VERSION,
    "schema",
    schema,
    "meta",
    metaJson,
    "size",
    String(data.length),
    "data",
    data,
  ];
  const bytes = messageBytes(fields);
  if (bytes > maxBytes)
    throw new Error(
      `${what}: a ${frames}-frame batch is ${bytes} bytes encoded, over the limit maxMessageBytes = ${maxBytes}; send smaller batches (framesPerBatch) or raise the limit on both ends`,
    );
  return fields;
}

/** What the learner checks a message against. */
export interface DecodeOptions {
  /** The run the learner serves: messages of other runs are foreign. */
  run: string;
  /** Messages over this many bytes are refused before they are parsed. */
  maxBytes: number;
  /** The schema every batch must have, or null to accept the first well-formed one's. */
  schema: string | null;
}

/**
 * Decodes one stream entry's fields (as XREADGROUP returns them; null when the entry was trimmed away
 * while pending). Every check runs before anything is returned, so a refused message leaves nothing
 * behind; throws `BatchMessageError` saying why.
 */
export function decodeBatchMessage(
  fields: readonly string[] | null,
  options: DecodeOptions,
): BatchMessage & { schema: string } {
  if (fields === null)
    throw new BatchMessageError("trimmed", "the entry was trimmed from the stream (MAXLEN) before it was read");
  const bytes = messageBytes(fields);
  if (bytes > options.maxBytes)
    throw new BatchMessageError("size", `the message is ${bytes} bytes, over maxMessageBytes = ${options.maxBytes}`);
  if (fields.length % 2 !== 0)
    throw new BatchMessageError("malformed", `the entry has ${fields.length} field strings, not field/value pairs`);
  const f = new Map<string, string>();
  for (let i = 0; i < fields.length; i += 2) f.set(fields[i]!, fields[i + 1]!);
  const version = f.get("v");
  if (version !== BATCH_CODEC_VERSION)
    throw new BatchMessageError(
      "version",
      `codec version ${JSON.stringify(version ?? null)}, this learner reads ${BATCH_CODEC_VERSION}`,
    );
  const schema = f.get("schema");
  const metaText = f.get("meta");
  const data = f.get("data");
  const size = Number(f.get("size"));
  if (schema === undefined || metaText === undefined || data === undefined || !Number.isSafeInteger(size)) {
    throw new BatchMessageError(
      "malformed",
      `the entry lacks ${["schema", "meta", "size", "data"].filter((k) => !f.has(k)).join(", ") || "a numeric size"}`,
    );
  }
  if (data.length !== size)
    throw new BatchMessageError("truncated", `the data is ${data.length} characters, the actor sent ${size}`);
  let meta: Record<string, unknown>;
  try {
    meta = JSON.parse(metaText) as Record<string, unknown>;
  } catch (e) {
    throw new BatchMessageError("malformed", `the meta is not JSON (${(e as Error).message})`);
  }
  if (meta === null || typeof meta !== "object")
    throw new BatchMessageError("malformed", "the meta is not a JSON object");
  if (meta.run !== options.run)
    throw new BatchMessageError(
      "foreign",
      `the message belongs to run ${JSON.stringify(meta.run)}, this learner serves ${JSON.stringify(options.run)}`,
    );
  if (options.schema !== null && schema !== options.schema)
    throw new BatchMessageError("schema", `schema ${schema} differs from the run's ${options.schema}`);
  for (const key of ["actor", "seq", "weightsVersion", "frames", "sentAt"] as const) {
    if (!(typeof meta[key] === "number" && Number.isSafeInteger(meta[key]) && (meta[key] as number) >= 0))
      throw new BatchMessageError(
        "malformed",
        `meta.${key} must be a non-negative integer, got ${JSON.stringify(meta[key])}`,
      );
  }
  let batch: TensorDict;
  try {
    batch = decodeTensorDict(JSON.parse(data), "data");
  } catch (e) {
    throw new BatchMessageError("malformed", `the data does not decode: ${(e as Error).message}`);
  }
  const actual = batchSchema(batch);
  if (actual !== schema)
    throw new BatchMessageError("schema", `the data has schema ${actual}, its header says ${schema}`);
  const frames = batch.batchSize.reduce((a, b) => a * b, 1);
  if (meta.frames !== frames)
    throw new BatchMessageError("malformed", `meta.frames is ${String(meta.frames)}, the data holds ${frames} frames`);
  let priorities: Float32Array | null = null;
  if (meta.priorities !== null && meta.priorities !== undefined) {
    try {
      priorities = decodeTypedArray(meta.priorities as EncodedTypedArray, "float32", "meta.priorities", frames);
    } catch (e) {
      throw new BatchMessageError("malformed", (e as Error).message);
    }
    const bad = priorities.findIndex((p) => !(Number.isFinite(p) && p >= 0));
    if (bad !== -1)
      throw new BatchMessageError(
        "malformed",
        `meta.priorities[${bad}] is ${priorities[bad]}, not a finite non-negative priority`,
      );
  }
  const m: BatchMeta = {
    run: options.run,
    actor: meta.actor as number,
    actorName: typeof meta.actorName === "string" ? meta.actorName : `actor-${String(meta.actor)}`,
    seq: meta.seq as number,
    weightsVersion: meta.weightsVersion as number,
    frames,
    sentAt: meta.sentAt as number,
    priorities,
  };
  return { batch, meta: m, schema };
}

/** The message's size: the length of its strings (ASCII, so bytes). */
export function messageBytes(fields: readonly string[]): number {
  let n = 0;
  for (const s of fields) n += s.length;
  return n;
}
