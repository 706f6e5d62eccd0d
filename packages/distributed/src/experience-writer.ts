import type { Redis } from "ioredis";
import type { TensorDict } from "@tdrl/tensordict";
import { encodeBatchMessage, type BatchMeta } from "./batch-message";

/**
 * The actor's end of the experience stream: each batch becomes one stream entry (XADD), and the stream is
 * capped near `maxLength` entries (`MAXLEN ~`, which trims whole macro-nodes, so cheaply): when actors
 * outrun the learner, the oldest unread batches are dropped (Ape-X keeps the freshest data), and Redis'
 * memory stays bounded.
 */
export class ExperienceWriter {
  constructor(
    private readonly redis: Redis,
    readonly key: string,
    readonly maxLength: number,
    readonly maxMessageBytes: number,
  ) {
    if (!(Number.isSafeInteger(maxLength) && maxLength >= 1))
      throw new Error(`ExperienceWriter: maxLength must be a positive integer, got ${String(maxLength)}`);
    if (!(Number.isSafeInteger(maxMessageBytes) && maxMessageBytes >= 1))
      throw new Error(`ExperienceWriter: maxMessageBytes must be a positive integer, got ${String(maxMessageBytes)}`);
  }

  /** Appends `batch`; resolves with the entry id and the message's size in bytes. */
  async append(batch: TensorDict, meta: BatchMeta): Promise<{ id: string; bytes: number }> {
    const fields = encodeBatchMessage(batch, meta, this.maxMessageBytes);
    const id = await this.redis.xadd(this.key, "MAXLEN", "~", this.maxLength, "*", ...fields);
    if (id === null) throw new Error(`ExperienceWriter: XADD to ${this.key} returned no id`);
    return { id, bytes: fields.reduce((n, s) => n + s.length, 0) };
  }
}
