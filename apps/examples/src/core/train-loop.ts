import type { Rng, RngState, TensorDict } from "@tdrl/tensordict";
import type { ReplayBuffer } from "@tdrl/buffers";
import type { CollectorState, SyncDataCollector } from "@tdrl/collectors";
import type { EGreedyModuleState } from "@tdrl/modules";
import type { QActor } from "./actor";
import type { EpisodeStats, EpisodeStatsState } from "./episode-stats";
import type { Evaluation } from "./evaluate";
import type { UpdateStats } from "./dqn-learner";

/** The schedule of an off-policy run, in frames (env steps summed over sub-envs). */
export interface LoopConfig {
  totalFrames: number;
  /** Env steps per sub-env between learning phases. */
  stepsPerBatch: number;
  /** Frames of uniformly random actions before learning starts (whole batches: a batch that starts before it is random). */
  initRandomFrames: number;
  /** Gradient steps per collected frame (the replay ratio), e.g. 0.5 or 1/50. */
  updatesPerFrame: number;
  /** Greedy evaluation every this many frames (0: never). */
  evalEvery: number;
  /** Checkpoint every this many frames (0: only at the end). */
  checkpointEvery: number;
}

/** One line of `metrics.jsonl`. */
export interface LoopRecord {
  frames: number;
  updates: number;
  episodes: number;
  seconds: number;
  framesPerSecond: number;
  eps: number;
  /** Mean return of the episodes that ended since the last record (NaN if none). */
  trainReward: number;
  loss: number;
  evalMean?: number;
  evalRewards?: number[];
}

/** The learner side of the loop: the DQN and recurrent-DQN learners both fit. */
export interface Learner {
  readonly updates: number;
  resumeAt(updates: number): void;
  update(): UpdateStats;
}

/** The loop's own state, saved in a checkpoint's `state.json` under `loop`. */
export interface LoopState {
  frames: number;
  updates: number;
  episodes: number;
  bestEval: number;
  solvedAtFrames: number | null;
  rngs: Record<string, RngState>;
  /** `collector.state()`: the env's state (transforms included), the pending root record, trajectory ids. */
  collector: CollectorState | null;
  /** Returns and lengths of the episodes in progress. */
  episodeStats: EpisodeStatsState;
  /** `actor.explore.state()`: the annealed eps (and its rng). */
  explore: EGreedyModuleState;
}

export interface LoopParts {
  /** Collects `stepsPerBatch` steps per sub-env a `rollout()`, random actions for its `initRandomFrames`. */
  collector: SyncDataCollector;
  /** Books the episodes of each batch (returns in the task's units). */
  stats: EpisodeStats;
  actor: QActor;
  buffer: ReplayBuffer;
  learner: Learner;
  /** Writes a collected `[numEnvs, T]` batch to the buffer. Default `buffer.extend(batch)`. */
  store?: (batch: TensorDict) => void;
  /** Called on episode counts changing (the classic recipe syncs its target every k episodes). */
  onEpisodes?: (before: number, after: number) => void;
  evaluate: () => Evaluation;
  /** Called after an evaluation that beats every earlier one of the run (e.g. to keep its weights). */
  onBestEval?: (frames: number, evaluation: Evaluation) => void;
  /** Every stateful RNG the run owns, by name, saved and restored with the run. */
  rngs: Record<string, Rng>;
  log: (record: LoopRecord) => void;
  /** Seconds between metrics rows (besides the rows of evaluations). Default 5. */
  logEverySeconds?: number;
  /** Writes a checkpoint with the loop state (the caller adds weights, optimizer and buffer). */
  checkpoint?: (loop: LoopState) => Promise<void>;
  /** Evaluation mean at which the run counts as solved (recorded, and the run stops when `stopWhenSolved`). */
  solvedAt?: number;
  stopWhenSolved?: boolean;
  /** Stop (after checkpointing) once this many frames are done: how tests stop a run mid-way. */
  stopAtFrames?: number;
}

export interface LoopResult {
  state: LoopState;
  lastEval: Evaluation | null;
  seconds: number;
}

/**
 * The off-policy training loop shared by every program: collect a batch of `stepsPerBatch` steps per
 * sub-env with the `SyncDataCollector` (random actions until `initRandomFrames`), extend the buffer, run
 * the gradient steps the replay ratio owes, anneal epsilon, evaluate, log, checkpoint. Updates owed are
 * `floor(frames * updatesPerFrame)` minus those done, so the schedule depends only on frame counts; a
 * checkpoint holds `collector.state()` (env, transforms and pending root record), so a resumed run goes on
 * with the very same episodes.
 *
 * @example
 * // every program runs it: see dqn-cartpole.ts (`trainDqnCartPole`) and its tests.
 * typeof trainLoop; // "function"
 */
export async function trainLoop(config: LoopConfig, parts: LoopParts, resume?: LoopState): Promise<LoopResult> {
  checkConfig(config);
  const { collector, stats, actor, buffer, learner, log } = parts;
  const framesPerBatch = collector.framesPerBatch;
  if (collector.stepsPerBatch !== config.stepsPerBatch) {
    throw new Error(`trainLoop: the collector steps ${collector.stepsPerBatch} steps per sub-env a batch, the config says stepsPerBatch ${config.stepsPerBatch}`);
  }
  const randomFrames = Math.ceil(config.initRandomFrames / framesPerBatch) * framesPerBatch;
  if (collector.initRandomFrames !== randomFrames) {
    throw new Error(`trainLoop: the collector's initRandomFrames must be ${randomFrames} (initRandomFrames ${config.initRandomFrames} rounded up to whole batches), got ${collector.initRandomFrames}`);
  }
  const state: LoopState = resume ?? {
    frames: 0,
    updates: 0,
    episodes: 0,
    bestEval: -Infinity,
    solvedAtFrames: null,
    rngs: {},
    collector: null,
    episodeStats: stats.state(),
    explore: actor.explore.state(),
  };
  if (resume !== undefined) {
    if (resume.collector === null) throw new Error("trainLoop: the checkpoint holds no collector state");
    if (resume.collector.framesCollected !== resume.frames) {
      throw new Error(`trainLoop: the checkpoint's collector has ${resume.collector.framesCollected} frames, its loop ${resume.frames}`);
    }
    for (const [name, rng] of Object.entries(parts.rngs)) {
      const saved = resume.rngs[name];
      if (saved === undefined) throw new Error(`trainLoop: the checkpoint has no state for RNG "${name}"`);
      rng.setState(saved);
    }
    collector.loadState(resume.collector);
    stats.loadState(resume.episodeStats);
    learner.resumeAt(resume.updates);
    actor.explore.loadState(resume.explore);
  }
  const started = performance.now();
  let windowStart = started;
  let windowFrames = 0;
  let lossSum = 0;
  let lossCount = 0;
  let rewards: number[] = [];
  let lastEval: Evaluation | null = null;
  let checkpointedAt = resume?.frames ?? -1;
  const checkpoint = async () => {
    if (parts.checkpoint === undefined) return;
    state.rngs = Object.fromEntries(Object.entries(parts.rngs).map(([k, r]) => [k, r.state()]));
    state.collector = collector.state();
    state.episodeStats = stats.state();
    state.explore = actor.explore.state();
    await parts.checkpoint(structuredClone(state));
    checkpointedAt = state.frames;
  };
  while (state.frames < config.totalFrames) {
    const random = state.frames < config.initRandomFrames;
    const batch = collector.rollout();
    if (parts.store !== undefined) parts.store(batch);
    else buffer.extend(batch);
    const before = state.frames;
    state.frames += framesPerBatch;
    windowFrames += framesPerBatch;
    if (!random) actor.explore.step(framesPerBatch);
    stats.add(batch);
    const ended = stats.takeEpisodes();
    for (const e of ended) rewards.push(e.reward);
    if (ended.length > 0) parts.onEpisodes?.(state.episodes, state.episodes + ended.length);
    state.episodes += ended.length;
    if (state.frames >= config.initRandomFrames) {
      const owed = Math.floor(state.frames * config.updatesPerFrame) - Math.floor(config.initRandomFrames * config.updatesPerFrame);
      while (learner.updates < owed) {
        const update = learner.update();
        lossSum += update.loss;
        lossCount += 1;
      }
    }
    state.updates = learner.updates;
    const crossed = (every: number) => every > 0 && Math.floor(state.frames / every) > Math.floor(before / every);
    const evalNow = crossed(config.evalEvery) || state.frames >= config.totalFrames;
    if (evalNow) {
      lastEval = parts.evaluate();
      if (lastEval.mean > state.bestEval) {
        state.bestEval = lastEval.mean;
        parts.onBestEval?.(state.frames, lastEval);
      }
      if (parts.solvedAt !== undefined && state.solvedAtFrames === null && lastEval.mean >= parts.solvedAt) state.solvedAtFrames = state.frames;
    }
    const now = performance.now();
    // A row per evaluation and at most one per logEverySeconds otherwise: enough for curves, not a flood.
    if (evalNow || (rewards.length > 0 && now - windowStart > (parts.logEverySeconds ?? 5) * 1000)) {
      log({
        frames: state.frames,
        updates: state.updates,
        episodes: state.episodes,
        seconds: (now - started) / 1000,
        framesPerSecond: (windowFrames * 1000) / Math.max(1, now - windowStart),
        eps: random ? 1 : actor.explore.eps,
        trainReward: rewards.length > 0 ? rewards.reduce((a, b) => a + b, 0) / rewards.length : NaN,
        loss: lossCount > 0 ? lossSum / lossCount : NaN,
        ...(evalNow && lastEval !== null ? { evalMean: lastEval.mean, evalRewards: lastEval.rewards } : {}),
      });
      windowStart = now;
      windowFrames = 0;
      lossSum = 0;
      lossCount = 0;
      rewards = [];
    }
    const stop = (parts.stopAtFrames !== undefined && state.frames >= parts.stopAtFrames) || (parts.stopWhenSolved === true && state.solvedAtFrames !== null);
    if (crossed(config.checkpointEvery)) await checkpoint();
    if (stop) break;
  }
  // The end of a run is a checkpoint too (for eval, and for a resume with more frames).
  if (checkpointedAt !== state.frames) await checkpoint();
  return { state, lastEval, seconds: (performance.now() - started) / 1000 };
}

function checkConfig(c: LoopConfig): void {
  const int = (name: keyof LoopConfig, min: number) => {
    const v = c[name];
    if (!(Number.isInteger(v) && v >= min)) throw new Error(`trainLoop: ${name} must be an integer >= ${min}, got ${String(v)}`);
  };
  int("totalFrames", 1);
  int("stepsPerBatch", 1);
  int("initRandomFrames", 0);
  int("evalEvery", 0);
  int("checkpointEvery", 0);
  if (!(Number.isFinite(c.updatesPerFrame) && c.updatesPerFrame >= 0)) throw new Error(`trainLoop: updatesPerFrame must be a number >= 0, got ${c.updatesPerFrame}`);
}

