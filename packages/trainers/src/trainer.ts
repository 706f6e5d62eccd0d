import type { Rng, RngState, TensorDict } from "@tdrl/tensordict";
import type { ReplayBuffer } from "@tdrl/buffers";
import type { CollectorState, SyncDataCollector } from "@tdrl/collectors";
import type { Episode, EpisodeStats, EpisodeStatsState } from "./episode-stats";
import type { Evaluation } from "./evaluate";

/** The schedule of a run, in frames (env steps summed over sub-envs). */
export interface TrainerConfig {
  totalFrames: number;
  /** Env steps per sub-env between learning phases. */
  stepsPerBatch: number;
  /** Frames of uniformly random actions before learning starts (whole batches: a batch that starts before it is random). */
  initRandomFrames: number;
  /** Gradient steps per collected frame (the replay ratio), e.g. 0.5 or 1/50. */
  updatesPerFrame: number;
  /** Greedy evaluation every this many frames (0: only at the end). */
  evalEvery: number;
  /** Checkpoint every this many frames (0: only at the end). */
  checkpointEvery: number;
}

/** One logged row: what the trainer measured since the previous one. */
export interface TrainerRecord {
  frames: number;
  updates: number;
  episodes: number;
  /** Wall time of the whole run, resumed parts included. */
  seconds: number;
  framesPerSecond: number;
  eps: number;
  /** Mean return of the episodes that ended since the last record (NaN if none). */
  trainReward: number;
  loss: number;
  evalMean?: number;
  evalRewards?: number[];
}

/** What one gradient step measured. */
export interface UpdateStats {
  loss: number;
  gradNorm: number;
  meanTdError: number;
}

/** What a learner is handed for one gradient step. */
export interface UpdateContext {
  /** Runs the trainer's "processOptimBatch" hooks on a sampled batch (before the loss sees it). */
  processBatch(batch: TensorDict): void;
  /** The batch just collected: what an on-policy learner (no buffer) learns from. */
  collected: TensorDict;
}

/** The learner side of the loop: one gradient step per `update`. */
export interface Learner {
  readonly updates: number;
  resumeAt(updates: number): void;
  update(context: UpdateContext): UpdateStats;
}

/** Anything that anneals exploration by frames and checkpoints its schedule (an `EGreedyModule`). */
export interface Annealed {
  readonly eps: number;
  step(frames: number): void;
  /** The annealed value and its random stream, JSON-able (`EGreedyModule.state()`). */
  state(): unknown;
  loadState(state: never): void;
}

/** The trainer's own state, which a checkpoint holds for an exact resume. */
export interface TrainerState {
  frames: number;
  updates: number;
  episodes: number;
  bestEval: number;
  solvedAtFrames: number | null;
  /** Wall time of the run so far (seconds), summed over resumed parts. */
  seconds: number;
  /** The last evaluation, kept so a resumed run's report still has it. */
  lastEval: Evaluation | null;
  rngs: Record<string, RngState>;
  /** `collector.state()`: the env's state (transforms included), the pending root record, trajectory ids. */
  collector: CollectorState | null;
  /** Returns and lengths of the episodes in progress. */
  episodeStats: EpisodeStatsState;
  /** `explore.state()` (eps and its rng), or null when the run has no annealed exploration. */
  explore: unknown;
}

/**
 * The named points of the loop where hooks run, in the order they come in one iteration (TorchRL's
 * `register_op` stages). Hooks of one stage run in the order they were registered.
 */
export interface TrainerHooks {
  /** A collected `[numEnvs, T]` batch before it is stored; return a replacement (e.g. only the keys the loss reads). */
  batchProcess:
    | ((batch: TensorDict, state: Readonly<TrainerState>) => TensorDict)
    | ((batch: TensorDict, state: Readonly<TrainerState>) => void);
  /** Episodes that ended in the batch (the classic DQN recipe syncs its target every k episodes here). */
  postEpisodes: (episodes: readonly Episode[], state: Readonly<TrainerState>) => void;
  /** Before the gradient steps the replay ratio owes (called only when some are owed). */
  preOptimSteps: (state: Readonly<TrainerState>) => void;
  /** On each sampled batch, before the loss (e.g. n-step targets, reward clipping). */
  processOptimBatch: (batch: TensorDict) => void;
  /** After each gradient step, with what it measured. */
  postLoss: (stats: UpdateStats, state: Readonly<TrainerState>) => void;
  postOptimSteps: (state: Readonly<TrainerState>) => void;
  /** After each evaluation; `best` when it beat every earlier one of the run. */
  postEval: (evaluation: Evaluation, state: Readonly<TrainerState>, best: boolean) => void;
  /** A metrics row (one per evaluation, and at most one per `logEverySeconds` otherwise). */
  log: (record: TrainerRecord) => void;
  /** End of an iteration. */
  postSteps: (state: Readonly<TrainerState>) => void;
  /** A checkpoint is due: the state is complete (RNGs, collector, episode stats) and a copy. */
  checkpoint: (state: TrainerState) => void | Promise<void>;
}

export type TrainerStage = keyof TrainerHooks;

export interface TrainerParts {
  /** Collects `stepsPerBatch` steps per sub-env a `rollout()`, random actions for its `initRandomFrames`. */
  collector: SyncDataCollector;
  /** Books the episodes of each batch (returns in the task's units). */
  stats: EpisodeStats;
  /** Where batches go; none for on-policy learning (the learner gets `UpdateContext.collected`). */
  buffer?: ReplayBuffer;
  learner: Learner;
  /** Annealed by the frames collected after the random ones. */
  explore?: Annealed;
  /** A greedy evaluation (on envs of its own); none: no evaluation. */
  evaluate?: () => Evaluation;
  /** Every stateful RNG the run owns, by name, saved and restored with the run. */
  rngs?: Record<string, Rng>;
  /** Seconds between metrics rows (besides the rows of evaluations). Default 5. */
  logEverySeconds?: number;
  /** Evaluation mean at which the run counts as solved (recorded, and the run stops when `stopWhenSolved`). */
  solvedAt?: number;
  stopWhenSolved?: boolean;
  /** Stop (after checkpointing) once this many frames are done: how tests stop a run mid-way. */
  stopAtFrames?: number;
}

export interface TrainerResult {
  state: TrainerState;
  lastEval: Evaluation | null;
  /** Wall time of the whole run, resumed parts included. */
  seconds: number;
}

/**
 * The training loop: collect a batch of `stepsPerBatch` steps per sub-env with the `SyncDataCollector`
 * (random actions until `initRandomFrames`), store it, run the gradient steps the replay ratio owes,
 * anneal exploration, evaluate, log, checkpoint, with hooks at each named stage (`register`). Updates owed
 * are `floor(frames * updatesPerFrame)` minus those done, so the schedule depends only on frame counts; a
 * checkpoint holds `collector.state()` (env, transforms and pending root record), so a resumed run goes on
 * with the very same episodes. `config.totalFrames` may grow on resume: the run is extended.
 *
 * @example
 * import type { TensorDict } from "@tdrl/tensordict";
 * import { CartPoleEnv } from "@tdrl/envs";
 * import { SyncDataCollector } from "@tdrl/collectors";
 * // A learner that only counts: the loop calls it as often as the replay ratio owes.
 * let seen = 0;
 * const learner = { updates: 0, resumeAt(n: number) { this.updates = n; }, update(c: { collected: TensorDict }) { this.updates++; seen += c.collected.batchSize[1]!; return { loss: 0, gradNorm: 0, meanTdError: 0 }; } };
 * const env = new CartPoleEnv({ batchSize: [2], seed: 0 });
 * const collector = new SyncDataCollector(env, (td: TensorDict) => env.randAction(td), { framesPerBatch: 8 });
 * const trainer = new Trainer({ totalFrames: 64, stepsPerBatch: 4, initRandomFrames: 0, updatesPerFrame: 1 / 8, evalEvery: 0, checkpointEvery: 0 },
 *   { collector, stats: new EpisodeStats(2), learner });
 * const rows: number[] = [];
 * trainer.register("log", (r) => { rows.push(r.frames); });
 * const result = await trainer.train();
 * result.state.updates; // 8
 */
export class Trainer {
  readonly config: TrainerConfig;
  readonly parts: TrainerParts;
  private readonly hooks: { [S in TrainerStage]: TrainerHooks[S][] } = {
    batchProcess: [],
    postEpisodes: [],
    preOptimSteps: [],
    processOptimBatch: [],
    postLoss: [],
    postOptimSteps: [],
    postEval: [],
    log: [],
    postSteps: [],
    checkpoint: [],
  };

  constructor(config: TrainerConfig, parts: TrainerParts) {
    checkConfig(config);
    const { collector } = parts;
    if (collector.stepsPerBatch !== config.stepsPerBatch) {
      throw new Error(
        `Trainer: the collector steps ${collector.stepsPerBatch} steps per sub-env a batch, the config says stepsPerBatch ${config.stepsPerBatch}`,
      );
    }
    const randomFrames = roundUp(config.initRandomFrames, collector.framesPerBatch);
    if (collector.initRandomFrames !== randomFrames) {
      throw new Error(
        `Trainer: the collector's initRandomFrames must be ${randomFrames} (initRandomFrames ${config.initRandomFrames} rounded up to whole batches), got ${collector.initRandomFrames}`,
      );
    }
    this.config = config;
    this.parts = parts;
  }

  /** Adds a hook at `stage`; returns a function that removes it. */
  register<S extends TrainerStage>(stage: S, hook: TrainerHooks[S]): () => void {
    const list = this.hooks[stage] as TrainerHooks[S][] | undefined;
    if (list === undefined)
      throw new Error(
        `Trainer.register: unknown stage ${JSON.stringify(stage)}; stages: ${Object.keys(this.hooks).join(", ")}`,
      );
    if (typeof hook !== "function")
      throw new Error(`Trainer.register: the hook for "${stage}" must be a function, got ${typeof hook}`);
    list.push(hook);
    return () => {
      const i = list.indexOf(hook);
      if (i >= 0) list.splice(i, 1);
    };
  }

  /** A fresh state (no frames yet). */
  initialState(): TrainerState {
    return {
      frames: 0,
      updates: 0,
      episodes: 0,
      bestEval: -Infinity,
      solvedAtFrames: null,
      seconds: 0,
      lastEval: null,
      rngs: {},
      collector: null,
      episodeStats: this.parts.stats.state(),
      explore: this.parts.explore?.state() ?? null,
    };
  }

  private restore(resume: TrainerState): TrainerState {
    const { collector, stats, learner, explore } = this.parts;
    if (resume.collector === null) throw new Error("Trainer: the checkpoint holds no collector state");
    if (resume.collector.framesCollected !== resume.frames) {
      throw new Error(
        `Trainer: the checkpoint's collector has ${resume.collector.framesCollected} frames, its trainer ${resume.frames}`,
      );
    }
    for (const name of Object.keys(this.parts.rngs ?? {})) {
      if (resume.rngs[name] === undefined) throw new Error(`Trainer: the checkpoint has no state for RNG "${name}"`);
    }
    for (const [name, rng] of Object.entries(this.parts.rngs ?? {})) rng.setState(resume.rngs[name]!);
    collector.loadState(resume.collector);
    stats.loadState(resume.episodeStats);
    learner.resumeAt(resume.updates);
    if (explore !== undefined) {
      if (resume.explore === null || resume.explore === undefined)
        throw new Error("Trainer: the checkpoint holds no exploration state (explore.state())");
      explore.loadState(resume.explore as never);
    }
    // Checkpoints written before totals were kept lack them.
    return { ...resume, seconds: resume.seconds ?? 0, lastEval: resume.lastEval ?? null };
  }

  /** Runs the loop to `totalFrames` (or a stop condition), from scratch or from a checkpoint's state. */
  async train(resume?: TrainerState): Promise<TrainerResult> {
    const { config, parts, hooks } = this;
    const { collector, stats, buffer, learner, explore } = parts;
    const framesPerBatch = collector.framesPerBatch;
    const state = resume === undefined ? this.initialState() : this.restore(resume);
    const started = performance.now();
    const secondsBefore = state.seconds;
    const now = () => secondsBefore + (performance.now() - started) / 1000;
    let windowStart = performance.now();
    let windowFrames = 0;
    let lossSum = 0;
    let lossCount = 0;
    let rewards: number[] = [];
    let checkpointedAt = resume?.frames ?? -1;
    const processBatch = (batch: TensorDict) => {
      for (const h of hooks.processOptimBatch) h(batch);
    };
    const checkpoint = async () => {
      if (hooks.checkpoint.length === 0) return;
      state.rngs = Object.fromEntries(Object.entries(parts.rngs ?? {}).map(([k, r]) => [k, r.state()]));
      state.collector = collector.state();
      state.episodeStats = stats.state();
      state.explore = explore?.state() ?? null;
      state.seconds = now();
      for (const h of hooks.checkpoint) await h(structuredClone(state));
      checkpointedAt = state.frames;
    };
    while (state.frames < config.totalFrames) {
      const random = state.frames < config.initRandomFrames;
      let batch = collector.rollout();
      const collected = batch;
      for (const h of hooks.batchProcess) batch = h(batch, state) ?? batch;
      buffer?.extend(batch);
      const before = state.frames;
      state.frames += framesPerBatch;
      windowFrames += framesPerBatch;
      if (!random) explore?.step(framesPerBatch);
      stats.add(collected);
      const ended = stats.takeEpisodes();
      for (const e of ended) rewards.push(e.reward);
      state.episodes += ended.length;
      if (ended.length > 0) for (const h of hooks.postEpisodes) h(ended, state);
      if (state.frames >= config.initRandomFrames) {
        const owed =
          Math.floor(state.frames * config.updatesPerFrame) -
          Math.floor(config.initRandomFrames * config.updatesPerFrame);
        if (learner.updates < owed) {
          for (const h of hooks.preOptimSteps) h(state);
          while (learner.updates < owed) {
            const update = learner.update({ processBatch, collected });
            state.updates = learner.updates;
            lossSum += update.loss;
            lossCount += 1;
            for (const h of hooks.postLoss) h(update, state);
          }
          for (const h of hooks.postOptimSteps) h(state);
        }
      }
      state.updates = learner.updates;
      const crossed = (every: number) => every > 0 && Math.floor(state.frames / every) > Math.floor(before / every);
      const evalNow = parts.evaluate !== undefined && (crossed(config.evalEvery) || state.frames >= config.totalFrames);
      if (evalNow) {
        const evaluation = parts.evaluate!();
        state.lastEval = evaluation;
        const best = evaluation.mean > state.bestEval;
        if (best) state.bestEval = evaluation.mean;
        if (parts.solvedAt !== undefined && state.solvedAtFrames === null && evaluation.mean >= parts.solvedAt)
          state.solvedAtFrames = state.frames;
        for (const h of hooks.postEval) h(evaluation, state, best);
      }
      const t = performance.now();
      // A row per evaluation and at most one per logEverySeconds otherwise: enough for curves, not a flood.
      if (evalNow || (rewards.length > 0 && t - windowStart > (parts.logEverySeconds ?? 5) * 1000)) {
        const record: TrainerRecord = {
          frames: state.frames,
          updates: state.updates,
          episodes: state.episodes,
          seconds: now(),
          framesPerSecond: (windowFrames * 1000) / Math.max(1, t - windowStart),
          eps: random || explore === undefined ? 1 : explore.eps,
          trainReward: rewards.length > 0 ? rewards.reduce((a, b) => a + b, 0) / rewards.length : NaN,
          loss: lossCount > 0 ? lossSum / lossCount : NaN,
          ...(evalNow && state.lastEval !== null
            ? { evalMean: state.lastEval.mean, evalRewards: state.lastEval.rewards }
            : {}),
        };
        for (const h of hooks.log) h(record);
        windowStart = t;
        windowFrames = 0;
        lossSum = 0;
        lossCount = 0;
        rewards = [];
      }
      for (const h of hooks.postSteps) h(state);
      const stop =
        (parts.stopAtFrames !== undefined && state.frames >= parts.stopAtFrames) ||
        (parts.stopWhenSolved === true && state.solvedAtFrames !== null);
      if (crossed(config.checkpointEvery)) await checkpoint();
      if (stop) break;
    }
    // The end of a run is a checkpoint too (for eval, and for a resume with more frames).
    if (checkpointedAt !== state.frames) await checkpoint();
    // A run that ends at a checkpoint reports the wall time that checkpoint holds (taken before it was
    // written), so resuming the finished run reports the same total rather than one a checkpoint's write shorter.
    if (hooks.checkpoint.length === 0) state.seconds = now();
    return { state, lastEval: state.lastEval, seconds: state.seconds };
  }
}

function roundUp(frames: number, framesPerBatch: number): number {
  return Math.ceil(frames / framesPerBatch) * framesPerBatch;
}

function checkConfig(c: TrainerConfig): void {
  const int = (name: keyof TrainerConfig, min: number) => {
    const v = c[name];
    if (!(Number.isInteger(v) && v >= min))
      throw new Error(`Trainer: ${name} must be an integer >= ${min}, got ${String(v)}`);
  };
  int("totalFrames", 1);
  int("stepsPerBatch", 1);
  int("initRandomFrames", 0);
  int("evalEvery", 0);
  int("checkpointEvery", 0);
  if (!(Number.isFinite(c.updatesPerFrame) && c.updatesPerFrame >= 0))
    throw new Error(`Trainer: updatesPerFrame must be a number >= 0, got ${c.updatesPerFrame}`);
}
