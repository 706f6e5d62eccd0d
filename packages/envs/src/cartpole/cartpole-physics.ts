/**
 * Gymnasium's CartPole dynamics (classic_control/cartpole.py, after Barto, Sutton and Anderson 1983),
 * on float64 state `[x, x_dot, theta, theta_dot]` stored four numbers per sub-env in a Float64Array.
 * The arithmetic is written in Gymnasium's operation order, so states agree with it to the last bits.
 */

export const GRAVITY = 9.8;
export const MASS_CART = 1.0;
export const MASS_POLE = 0.1;
export const TOTAL_MASS = MASS_POLE + MASS_CART;
/** Half the pole's length (Gymnasium's `length`). */
export const LENGTH = 0.5;
export const POLE_MASS_LENGTH = MASS_POLE * LENGTH;
export const FORCE_MAG = 10.0;
/** Seconds between state updates. */
export const TAU = 0.02;
/** The episode terminates when |theta| exceeds 12 degrees. */
export const THETA_THRESHOLD_RADIANS = (12 * 2 * Math.PI) / 360;
/** The episode terminates when the cart's centre leaves [-2.4, 2.4]. */
export const X_THRESHOLD = 2.4;

/**
 * `"euler"` (Gymnasium's default) updates positions with the old velocities; `"semi-implicit-euler"`
 * updates the velocities first and the positions with the new ones.
 */
export type KinematicsIntegrator = "euler" | "semi-implicit-euler";

/**
 * Advances the state at `state[offset .. offset + 4)` by one step of `TAU` under `action` (0 pushes left,
 * 1 pushes right) and returns whether the new state is terminal.
 */
export function cartPoleStep(
  state: Float64Array,
  offset: number,
  action: number,
  integrator: KinematicsIntegrator = "euler",
): boolean {
  // One cart through the batched kernel, so the physics is written once (scratch is safe: this is synchronous).
  oneAction[0] = action;
  stepCartPoles(
    1,
    offset === 0 ? state : state.subarray(offset, offset + 4),
    oneAction,
    1,
    0,
    integrator,
    null,
    oneTerminated,
    0,
  );
  return oneTerminated[0] === 1;
}

const oneAction = new Int32Array(1);
const oneTerminated = new Uint8Array(1);

/**
 * The per-step episode bookkeeping `stepCartPoles` can do in its loop: cart i's step count `elapsed[i]`
 * grows by one, `truncated[i]` is whether it reached `limit`, `done[i]` is terminated or truncated, and
 * `reward[i]` is `terminalReward` on a terminating step, else `stepReward`.
 */
export interface CartPoleEpisodeOutputs {
  elapsed: Int32Array;
  limit: number;
  stepReward: number;
  terminalReward: number;
  reward: Float32Array;
  done: Uint8Array;
  truncated: Uint8Array;
}

/**
 * Steps `n` carts at once, the hot loop of the batched env: the same arithmetic as `cartPoleStep`, fused
 * with writing the float32 observation, the termination flag and (with `episode`) the step count,
 * truncation, done and reward, so each cart is visited once per step by JS: every JS pass over the batch
 * costs more than the arithmetic in it (the episode arrays are first set to their common values by native
 * `fill`s, far cheaper than a store per cart).
 * The action of cart i is `action[i * actionStride + actionOffset] === 1` (stride 1 for indices; stride 2,
 * offset 1 for one-hot rows, whose second element means "push right").
 */
export function stepCartPoles(
  n: number,
  state: Float64Array,
  action: ArrayLike<number>,
  actionStride: number,
  actionOffset: number,
  integrator: KinematicsIntegrator,
  obs: Float32Array | null,
  terminated: Uint8Array,
  terminatedOffset: number,
  episode: CartPoleEpisodeOutputs | null = null,
): void {
  const euler = integrator === "euler";
  const elapsed = episode?.elapsed;
  const limit = episode?.limit ?? 0;
  const stepReward = episode?.stepReward ?? 0;
  const terminalReward = episode?.terminalReward ?? 0;
  const reward = episode?.reward;
  const done = episode?.done;
  const truncated = episode?.truncated;
  if (episode !== null) {
    // Most carts neither terminate nor truncate: native fills set the common values, and the loop
    // writes only the exceptions (a store per cart per array costs more than the rare branch).
    reward!.fill(stepReward, 0, n);
    done!.fill(0, 0, n);
    truncated!.fill(0, 0, n);
  }
  for (let i = 0; i < n; i++) {
    const o = 4 * i;
    let x = state[o]!;
    let xDot = state[o + 1]!;
    let theta = state[o + 2]!;
    let thetaDot = state[o + 3]!;
    const force = action[i * actionStride + actionOffset] === 1 ? FORCE_MAG : -FORCE_MAG;
    const cosTheta = Math.cos(theta);
    const sinTheta = Math.sin(theta);
    const temp = (force + POLE_MASS_LENGTH * (thetaDot * thetaDot) * sinTheta) / TOTAL_MASS;
    const thetaAcc =
      (GRAVITY * sinTheta - cosTheta * temp) /
      (LENGTH * (4.0 / 3.0 - (MASS_POLE * (cosTheta * cosTheta)) / TOTAL_MASS));
    const xAcc = temp - (POLE_MASS_LENGTH * thetaAcc * cosTheta) / TOTAL_MASS;
    if (euler) {
      x = x + TAU * xDot;
      xDot = xDot + TAU * xAcc;
      theta = theta + TAU * thetaDot;
      thetaDot = thetaDot + TAU * thetaAcc;
    } else {
      xDot = xDot + TAU * xAcc;
      x = x + TAU * xDot;
      thetaDot = thetaDot + TAU * thetaAcc;
      theta = theta + TAU * thetaDot;
    }
    state[o] = x;
    state[o + 1] = xDot;
    state[o + 2] = theta;
    state[o + 3] = thetaDot;
    if (obs !== null) {
      obs[o] = x;
      obs[o + 1] = xDot;
      obs[o + 2] = theta;
      obs[o + 3] = thetaDot;
    }
    const term = isTerminal(x, theta) ? 1 : 0;
    terminated[terminatedOffset + i] = term;
    if (episode !== null) {
      const steps = elapsed![i]! + 1;
      elapsed![i] = steps;
      if (steps >= limit) {
        truncated![i] = 1;
        done![i] = 1;
      }
      if (term === 1) {
        done![i] = 1;
        reward![i] = terminalReward;
      }
    }
  }
}

/** Gymnasium's termination test: the cart off the track or the pole past 12 degrees (NaN counts as neither). */
export function isTerminal(x: number, theta: number): boolean {
  return x < -X_THRESHOLD || x > X_THRESHOLD || theta < -THETA_THRESHOLD_RADIANS || theta > THETA_THRESHOLD_RADIANS;
}

/**
 * The observation bound (symmetric, `[-high, high]`), Gymnasium's: twice the termination thresholds for
 * x and theta, so that a terminal observation is still inside the space, and float32's largest value for
 * the velocities.
 */
export const OBSERVATION_HIGH: readonly number[] = [
  X_THRESHOLD * 2,
  3.4028234663852886e38,
  THETA_THRESHOLD_RADIANS * 2,
  3.4028234663852886e38,
];
