import type { TensorDict } from "@tdrl/tensordict";

/** A finished episode: its undiscounted return and length. */
export interface Episode {
  reward: number;
  length: number;
}

/** The episodes in progress, saved in a checkpoint so a resumed run books the same returns. */
export interface EpisodeStatsState {
  returns: number[];
  lengths: number[];
}

/**
 * Books episode returns and lengths from collected batches (`[numEnvs, T]`, time last, as
 * `SyncDataCollector` yields them) by reading each step's `next.reward` and `next.done`. The collector does
 * not count episodes; the sums of the episodes still running cross batch boundaries, so they are part of
 * the state (`state` / `loadState`).
 *
 * @example
 * import { HostArray, TensorDict } from "@tdrl/tensordict";
 * const stats = new EpisodeStats(2);
 * const next = { reward: HostArray.from("float32", [2, 3, 1], [1, 1, 1, 2, 2, 2]), done: HostArray.from("bool", [2, 3, 1], [0, 1, 0, 0, 0, 0]) };
 * stats.add(new TensorDict({ next }, [2, 3]));
 * stats.takeEpisodes(); // [{ reward: 2, length: 2 }]
 * stats.state(); // { returns: [1, 6], lengths: [1, 3] }
 */
export class EpisodeStats {
  readonly numEnvs: number;
  /** Multiplies the booked rewards, to report returns in the task's units behind a `RewardScaling`. */
  readonly returnScale: number;
  private returns: Float64Array;
  private lengths: Int32Array;
  private finished: Episode[] = [];

  constructor(numEnvs: number, options: { returnScale?: number } = {}) {
    if (!(Number.isInteger(numEnvs) && numEnvs >= 1))
      throw new Error(`EpisodeStats: numEnvs must be a positive integer, got ${String(numEnvs)}`);
    const scale = options.returnScale ?? 1;
    if (!Number.isFinite(scale))
      throw new Error(`EpisodeStats: returnScale must be a finite number, got ${String(scale)}`);
    this.numEnvs = numEnvs;
    this.returnScale = scale;
    this.returns = new Float64Array(numEnvs);
    this.lengths = new Int32Array(numEnvs);
  }

  /** Steps of the episodes in progress, per sub-env. */
  get episodeSteps(): Int32Array {
    return this.lengths.slice();
  }

  /** Books a `[numEnvs, T]` batch, step by step; episodes that end are queued in the order they ended (sub-env order within a step). */
  add(batch: TensorDict): void {
    const n = this.numEnvs;
    const [envs, steps] = batch.batchSize;
    if (batch.batchSize.length !== 2 || envs !== n) {
      throw new Error(`EpisodeStats.add: expected a batch of size [${n}, T], got [${batch.batchSize.join(", ")}]`);
    }
    const reward = batch.getHost("next.reward").data;
    const done = batch.getHost("next.done").data;
    const t = steps!;
    if (reward.length !== n * t || done.length !== n * t) {
      throw new Error(
        `EpisodeStats.add: "next.reward" and "next.done" must hold one value per step (${n * t}), got ${reward.length} and ${done.length}`,
      );
    }
    for (let s = 0; s < t; s++) {
      for (let i = 0; i < n; i++) {
        const k = i * t + s;
        this.returns[i]! += reward[k]! * this.returnScale;
        this.lengths[i]! += 1;
        if (done[k]) {
          this.finished.push({ reward: this.returns[i]!, length: this.lengths[i]! });
          this.returns[i] = 0;
          this.lengths[i] = 0;
        }
      }
    }
  }

  /** Episodes finished since the last call. */
  takeEpisodes(): Episode[] {
    const done = this.finished;
    this.finished = [];
    return done;
  }

  state(): EpisodeStatsState {
    return { returns: Array.from(this.returns), lengths: Array.from(this.lengths) };
  }

  /** Continues from `state()`; checked first, so a bad state throws and changes nothing. */
  loadState(s: EpisodeStatsState): void {
    const ok = (a: unknown, int: boolean) =>
      Array.isArray(a) &&
      a.length === this.numEnvs &&
      a.every((v) => typeof v === "number" && (int ? Number.isInteger(v) && v >= 0 : Number.isFinite(v)));
    if (typeof s !== "object" || s === null || !ok(s.returns, false) || !ok(s.lengths, true)) {
      throw new Error(
        `EpisodeStats.loadState: expected { returns, lengths } of ${this.numEnvs} numbers each, got ${JSON.stringify(s)?.slice(0, 120)}`,
      );
    }
    this.returns = Float64Array.from(s.returns);
    this.lengths = Int32Array.from(s.lengths);
    this.finished = [];
  }
}
