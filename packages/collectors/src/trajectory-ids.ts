import { HostArray, type Shape } from "@tdrl/tensordict";

/** What `TrajectoryIds.state()` returns: JSON-able. */
export interface TrajectoryIdsState {
  /** The id of the trajectory each sub-env is in, row-major over the env batch. */
  current: number[];
  /** The id the next new trajectory gets. */
  next: number;
}

/**
 * The trajectory id of every sub-env (TorchRL's `("collector", "traj_ids")`): sub-env `i` starts in
 * trajectory `i`; each reset gives the reset sub-envs fresh ids, in sub-env order, from one counter, so ids
 * are unique over the whole run and a trajectory keeps its id across batch boundaries.
 *
 * @example
 * import { HostArray } from "@tdrl/tensordict";
 * const ids = new TrajectoryIds([3]);
 * ids.renew(HostArray.from("bool", [3, 1], [0, 1, 1])); // sub-envs 1 and 2 start new trajectories
 * ids.snapshot().data; // Int32Array [0, 3, 4]
 */
export class TrajectoryIds {
  private readonly current: Int32Array;
  private nextId: number;

  constructor(readonly envBatch: Shape) {
    const n = envBatch.reduce((a, b) => a * b, 1);
    this.current = new Int32Array(n);
    for (let i = 0; i < n; i++) this.current[i] = i;
    this.nextId = n;
  }

  /** The ids now, as a new int32 host array of shape `envBatch`. */
  snapshot(): HostArray<"int32"> {
    return new HostArray("int32", this.envBatch, this.current.slice());
  }

  /** Gives every sub-env whose flag is set a new id (all of them when `mask` is omitted). */
  renew(mask?: HostArray): void {
    const flags = mask?.data;
    if (flags !== undefined && flags.length !== this.current.length) {
      throw new Error(
        `TrajectoryIds.renew: the mask has ${flags.length} flags, the env batch has ${this.current.length} sub-envs`,
      );
    }
    for (let i = 0; i < this.current.length; i++) {
      if (flags === undefined || flags[i] !== 0) this.current[i] = this.nextId++;
    }
  }

  state(): TrajectoryIdsState {
    return { current: Array.from(this.current), next: this.nextId };
  }

  /** Restores a `state()`; checked first, so a bad state changes nothing. */
  loadState(state: TrajectoryIdsState): void {
    const what = "TrajectoryIds.loadState";
    if (!Array.isArray(state?.current) || state.current.length !== this.current.length) {
      throw new Error(`${what}: "current" must list ${this.current.length} ids, got ${JSON.stringify(state?.current)}`);
    }
    const max = Math.max(-1, ...state.current);
    if (
      !Number.isSafeInteger(state.next) ||
      state.next <= max ||
      state.current.some((x) => !Number.isInteger(x) || x < 0)
    ) {
      throw new Error(`${what}: "next" must be an integer above every current id (${max}), got ${String(state.next)}`);
    }
    this.current.set(state.current);
    this.nextId = state.next;
  }
}
