import { describe, expect, it } from "vitest";
import { HostArray, TensorDict } from "@tdrl/tensordict";
import { CartPoleEnv } from "@tdrl/envs";
import { SyncDataCollector } from "@tdrl/collectors";
import { EpisodeStats } from "./episode-stats";

/** A `[n, t]` batch of rewards and done flags, given env-major. */
function batch(n: number, t: number, reward: number[], done: number[]): TensorDict {
  return new TensorDict(
    { next: { reward: HostArray.from("float32", [n, t, 1], reward), done: HostArray.from("bool", [n, t, 1], done) } },
    [n, t],
  );
}

describe("EpisodeStats", () => {
  it("books returns and lengths step by step across batches, scaled, in the order episodes end", () => {
    const stats = new EpisodeStats(2, { returnScale: 10 });
    // env 0 ends at its 2nd step; env 1 ends at its 1st and 3rd
    stats.add(batch(2, 3, [0.1, 0.2, 0.3, 1, 2, 3], [0, 1, 0, 1, 0, 1]));
    expect(stats.takeEpisodes().map((e) => [Math.round(e.reward * 1000) / 1000, e.length])).toEqual([
      [10, 1],
      [3, 2],
      [50, 2],
    ]);
    expect(stats.takeEpisodes()).toEqual([]);
    expect(Array.from(stats.episodeSteps)).toEqual([1, 0]);
    stats.add(batch(2, 2, [0.5, 0.5, 4, 4], [0, 1, 0, 0]));
    const [e] = stats.takeEpisodes();
    expect(e!.length).toBe(3);
    expect(e!.reward).toBeCloseTo(13, 5); // 3 + 5 + 5
    expect(stats.state().lengths).toEqual([0, 2]);
    expect(stats.state().returns[1]).toBeCloseTo(80, 5);
  });

  it("round-trips its state, and refuses a bad state or batch without changing anything", () => {
    const stats = new EpisodeStats(2);
    stats.add(batch(2, 1, [1, 2], [0, 0]));
    const saved = stats.state();
    const other = new EpisodeStats(2);
    other.loadState(saved);
    other.add(batch(2, 1, [1, 1], [1, 1]));
    expect(other.takeEpisodes()).toEqual([
      { reward: 2, length: 2 },
      { reward: 3, length: 2 },
    ]);
    expect(() => stats.loadState({ returns: [1], lengths: [1] })).toThrow(
      "EpisodeStats.loadState: expected { returns, lengths } of 2 numbers each",
    );
    expect(() => stats.loadState({ returns: [1, 2], lengths: [1, -1] })).toThrow(/EpisodeStats.loadState/);
    expect(() => stats.add(batch(3, 1, [0, 0, 0], [0, 0, 0]))).toThrow(
      "EpisodeStats.add: expected a batch of size [2, T], got [3, 1]",
    );
    expect(stats.state()).toEqual(saved);
    expect(() => new EpisodeStats(0)).toThrow("EpisodeStats: numEnvs must be a positive integer, got 0");
  });

  it("counts the same episodes as CartPole's own step counter, over a collector's batches", () => {
    const env = new CartPoleEnv({ batchSize: [3], seed: 4 });
    const collector = new SyncDataCollector(env, (td) => env.randAction(td), { framesPerBatch: 3 * 7 });
    const stats = new EpisodeStats(3);
    const lengths: number[] = [];
    let steps = 0;
    for (let k = 0; k < 20; k++) {
      const b = collector.rollout();
      stats.add(b);
      // CartPole's reward is 1 a step: an episode's return is its length.
      for (const e of stats.takeEpisodes()) {
        expect(e.reward).toBe(e.length);
        lengths.push(e.length);
      }
      steps += b.numel;
    }
    expect(lengths.length).toBeGreaterThan(5);
    const running = stats.state().lengths.reduce((a, b) => a + b, 0);
    expect(lengths.reduce((a, b) => a + b, 0) + running).toBe(steps);
  });
});
