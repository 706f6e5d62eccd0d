import type { Redis } from "ioredis";
import { BatchMessageError, decodeBatchMessage, type BatchMessage, type RejectReason } from "./batch-message";

/** One accepted entry: its stream id and its decoded batch. */
export interface StreamEntry extends BatchMessage {
  id: string;
  /** The message's size in bytes. */
  bytes: number;
}

/** A refused entry, as logged and moved to the run's `rejected` stream. */
export interface RejectedEntry {
  id: string;
  reason: RejectReason;
  message: string;
}

export interface ExperienceReaderOptions {
  stream: string;
  /** Where refused entries are recorded (id, reason, error; not their data), capped near 1000 entries. */
  rejectedStream: string;
  run: string;
  group: string;
  consumer: string;
  maxMessageBytes: number;
  /** The schema batches must have, or null to take the first accepted one's. */
  schema: string | null;
  /** Entries per read. */
  count: number;
  /** How long a read waits for new entries. */
  blockMs: number;
  onReject: (entry: RejectedEntry) => void;
}

type RawEntry = [id: string, fields: string[] | null];
type ReadReply = [stream: string, entries: RawEntry[]][] | null;

/**
 * The learner's end of the experience stream, through a consumer group: entries read are pending until
 * `ack`ed, so a learner that dies between reading a batch and storing it finds the batch again. On start it
 * re-reads its own pending entries (from id 0) before it asks for new ones (`>`). Refused messages (wrong
 * codec version, other run, other schema, truncated, too big, trimmed while pending) are acknowledged at
 * once and recorded aside, so they are never retried nor stored.
 */
export class ExperienceReader {
  private pendingCursor: string | null = "0";
  private schemaValue: string | null;

  constructor(
    private readonly redis: Redis,
    private readonly o: ExperienceReaderOptions,
  ) {
    this.schemaValue = o.schema;
  }

  /** The schema every batch is checked against (null until the first accepted batch, unless given). */
  get schema(): string | null {
    return this.schemaValue;
  }

  /** Sets the schema to check against (from a checkpoint); refused once a different one is in force. */
  adoptSchema(schema: string): void {
    if (this.schemaValue !== null && this.schemaValue !== schema)
      throw new Error(`ExperienceReader: the schema is already ${this.schemaValue}, cannot switch to ${schema}`);
    this.schemaValue = schema;
  }

  /** True while the entries delivered before a restart are being re-read. */
  get recovering(): boolean {
    return this.pendingCursor !== null;
  }

  /** Creates the consumer group (from the stream's start, creating the stream) unless it exists. */
  async init(): Promise<void> {
    try {
      await this.redis.xgroup("CREATE", this.o.stream, this.o.group, "0", "MKSTREAM");
    } catch (e) {
      if (!String((e as Error).message).includes("BUSYGROUP")) throw e;
    }
  }

  /** The next accepted entries (possibly none, after `blockMs`); refused ones are acknowledged and reported. */
  async read(): Promise<StreamEntry[]> {
    const recovering = this.pendingCursor !== null;
    const args: (string | number)[] = ["GROUP", this.o.group, this.o.consumer, "COUNT", this.o.count];
    if (!recovering) args.push("BLOCK", this.o.blockMs);
    args.push("STREAMS", this.o.stream, recovering ? this.pendingCursor! : ">");
    const reply =
      (await (this.redis as unknown as { xreadgroup(...a: (string | number)[]): Promise<ReadReply> }).xreadgroup(
        ...args,
      )) ?? [];
    const raw = reply[0]?.[1] ?? [];
    if (recovering) {
      this.pendingCursor = raw.length === 0 ? null : raw[raw.length - 1]![0];
      // Nothing (more) pending: go on to new entries in the same call.
      if (raw.length === 0) return this.read();
    }
    const out: StreamEntry[] = [];
    for (const [id, fields] of raw) {
      try {
        const decoded = decodeBatchMessage(fields, {
          run: this.o.run,
          maxBytes: this.o.maxMessageBytes,
          schema: this.schemaValue,
        });
        this.schemaValue ??= decoded.schema;
        out.push({
          id,
          batch: decoded.batch,
          meta: decoded.meta,
          bytes: fields === null ? 0 : fields.reduce((n, s) => n + s.length, 0),
        });
      } catch (e) {
        if (!(e instanceof BatchMessageError)) throw e;
        await this.reject({ id, reason: e.reason, message: e.message });
      }
    }
    return out;
  }

  /** Acknowledges entries: they leave the group's pending list and are never delivered again. */
  async ack(ids: readonly string[]): Promise<void> {
    if (ids.length > 0) await this.redis.xack(this.o.stream, this.o.group, ...ids);
  }

  /** Entries delivered to this group and not acknowledged yet (all consumers). */
  async pendingCount(): Promise<number> {
    const summary = (await this.redis.xpending(this.o.stream, this.o.group)) as [number, ...unknown[]];
    return Number(summary[0]);
  }

  private async reject(entry: RejectedEntry): Promise<void> {
    this.o.onReject(entry);
    await this.redis
      .multi()
      .xadd(
        this.o.rejectedStream,
        "MAXLEN",
        "~",
        1000,
        "*",
        "id",
        entry.id,
        "reason",
        entry.reason,
        "error",
        entry.message.slice(0, 2000),
      )
      .xack(this.o.stream, this.o.group, entry.id)
      .exec();
  }
}
