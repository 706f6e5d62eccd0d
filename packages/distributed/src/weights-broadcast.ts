import type { Redis } from "ioredis";
import type { RunKeys } from "./run-keys";

/** A control event on the run's channel. */
export type RunEvent = { kind: "weights"; version: number } | { kind: "stop" };

/**
 * The learner's side of the weight broadcast: stores the newest weights (safetensors bytes) and their
 * version in one hash, atomically, then announces the version on the run's channel. Only the newest
 * version is kept: an actor that missed some simply takes the latest.
 */
export async function publishWeights(redis: Redis, keys: RunKeys, version: number, bytes: Uint8Array): Promise<void> {
  if (!(Number.isSafeInteger(version) && version >= 1))
    throw new Error(`publishWeights: version must be a positive integer, got ${String(version)}`);
  const event: RunEvent = { kind: "weights", version };
  await redis
    .multi()
    .hset(
      keys.weights,
      "version",
      String(version),
      "data",
      Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    )
    .publish(keys.events, JSON.stringify(event))
    .exec();
}

/**
 * The actor's side: listens on the run's channel (a connection of its own, in subscriber mode) and fetches
 * a newer version in the background as soon as it is announced, so acting never waits for weights;
 * `take()` hands over the newest fetched weights once, between batches. It also polls the version every
 * `pollMs` (and after each reconnect), since pub/sub messages sent while an actor was disconnected are lost.
 */
export class WeightsSubscriber {
  private latest: { version: number; bytes: Uint8Array } | null = null;
  private fetching = false;
  private wanted = 0;
  private stopRequested = false;
  private readonly timer: NodeJS.Timeout;

  /** `version`: the version the actor starts with (0: none yet). */
  constructor(
    private readonly redis: Redis,
    private readonly subscriber: Redis,
    private readonly keys: RunKeys,
    private version: number,
    pollMs: number,
    private readonly onError: (error: Error) => void,
  ) {
    subscriber.on("message", (channel: string, text: string) => {
      if (channel !== keys.events) return;
      let event: RunEvent;
      try {
        event = JSON.parse(text) as RunEvent;
      } catch {
        return;
      }
      if (event.kind === "stop") this.stopRequested = true;
      else if (event.kind === "weights" && Number.isSafeInteger(event.version)) this.want(event.version);
    });
    subscriber.on("ready", () => this.poll());
    this.timer = setInterval(() => this.poll(), pollMs);
    this.timer.unref();
  }

  /** Subscribes, then fetches the current weights if any (resolves once they are fetched). */
  async start(): Promise<void> {
    await this.subscriber.subscribe(this.keys.events);
    await this.poll();
  }

  /** True once the learner announced the end of the run. */
  get stopped(): boolean {
    return this.stopRequested;
  }

  /** The version of the weights last handed out by `take()` (what the actor acts with). */
  get currentVersion(): number {
    return this.version;
  }

  /** The newest weights fetched since the last call, or null: load them before the next batch. */
  take(): { version: number; bytes: Uint8Array } | null {
    const out = this.latest;
    if (out === null || out.version <= this.version) return null;
    this.latest = null;
    this.version = out.version;
    return out;
  }

  close(): void {
    clearInterval(this.timer);
  }

  private async poll(): Promise<void> {
    try {
      const [v, stopped] = await Promise.all([
        this.redis.hget(this.keys.weights, "version"),
        this.redis.get(this.keys.stopped),
      ]);
      if (stopped === "1") this.stopRequested = true;
      if (v !== null) await this.want(Number(v));
    } catch (e) {
      this.onError(e as Error);
    }
  }

  private async want(version: number): Promise<void> {
    this.wanted = Math.max(this.wanted, version);
    if (this.fetching || this.wanted <= Math.max(this.version, this.latest?.version ?? 0)) return;
    this.fetching = true;
    const asked = this.wanted;
    try {
      const [v, data] = await this.redis.hmgetBuffer(this.keys.weights, "version", "data");
      if (v != null && data != null) {
        const version = Number(v.toString());
        if (version > Math.max(this.version, this.latest?.version ?? 0))
          this.latest = { version, bytes: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
      }
    } catch (e) {
      this.onError(e as Error);
    } finally {
      this.fetching = false;
    }
    // A newer version announced during the fetch: fetch again (an older stored one waits for the next poll).
    if (this.wanted > asked) await this.want(this.wanted);
  }
}
