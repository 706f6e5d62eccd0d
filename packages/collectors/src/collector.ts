import type { EncodedTensorDict, EncodedTypedArray, TensorDict } from "@tdrl/tensordict";
import type { EnvState } from "@tdrl/envs";
import type { PolicyWeights } from "./collector-policy";
import type { TrajectoryIdsState } from "./trajectory-ids";

/** A collector's progress and counters, JSON-able, for checkpoints (`state()` / `loadState()`). */
export interface CollectorState {
  /** Frames collected so far (all batches, all workers). */
  framesCollected: number;
  /** Batches yielded so far. */
  iterations: number;
  /** Trajectory-id counters, one entry per env (one for a sync collector, one per worker for multi collectors). */
  trajectoryIds: TrajectoryIdsState[];
  /**
   * `SyncDataCollector` only: what an exact resume needs (the env's state and the record the next step starts
   * from). Without it, `loadState` restores the counters and the next batch starts with a full reset.
   */
  resume?: CollectorResumeState;
}

/** The part of a `SyncDataCollector` state that lets the next batch continue the same trajectories. */
export type CollectorResumeState = {
  /** `env.state()`. */
  env: EnvState;
  /** The pending root record (observations, done flags, the policy's recurrent state), or null before the first batch. */
  root: EncodedTensorDict | null;
  /** Steps each sub-env's current trajectory has taken (for `maxFramesPerTraj`). */
  trajSteps: EncodedTypedArray;
  /** True until the first reset (the initial trajectory ids are still unused). */
  idsFresh: boolean;
};

/**
 * What every tdrl collector is: an async iterable of batches (or, with a replay buffer, of the frame count
 * so far), with a policy-weights update, a checkpointable state and a shutdown. `SyncDataCollector`
 * implements it; the multi-worker collectors implement it over one `SyncDataCollector` per worker.
 */
export interface Collector<Out = TensorDict> extends AsyncIterable<Out> {
  /** Frames in each batch (over all sub-envs and workers). */
  readonly framesPerBatch: number;
  /** Frames after which iteration ends (-1: never). */
  readonly totalFrames: number;
  /** Frames collected so far. */
  readonly framesCollected: number;
  /** Copies `weights` into the collecting policy; without weights, re-syncs from the shared policy (a no-op in-process). */
  updatePolicyWeights(weights?: PolicyWeights): void | Promise<void>;
  state(): CollectorState;
  /**
   * Restores `state()`. `SyncDataCollector` resumes exactly (its state carries the env and the pending root);
   * the multi-worker collectors restore counters and ids, and their envs restart with a reset at the next batch.
   */
  loadState(state: CollectorState): void | Promise<void>;
  /** Closes the envs (and workers); the iterator ends. */
  shutdown(): Promise<void>;
}
