import { checkOptions, type OptionKeys } from "@tdrl/tensordict";

const TD0_ESTIMATOR_OPTION_KEYS = { gamma: true } satisfies OptionKeys<{ gamma?: number }>;
const TD1_ESTIMATOR_OPTION_KEYS = { gamma: true } satisfies OptionKeys<{ gamma?: number }>;
const TD_LAMBDA_ESTIMATOR_OPTION_KEYS = { gamma: true, lambda: true } satisfies OptionKeys<{
  gamma?: number;
  lambda?: number;
}>;
const N_STEP_ESTIMATOR_OPTION_KEYS = { gamma: true, n: true } satisfies OptionKeys<{ gamma?: number; n: number }>;

/** Per-sample inputs of a return estimate, flat, with time as the last (fastest) dim of length `steps`. */
export interface ReturnInputs {
  /** `r_t`, length `batch * steps`. */
  reward: ArrayLike<number>;
  /** `V(s_{t+1})` from the target network, same length. */
  nextValue: ArrayLike<number>;
  /** 1 where the episode ended by termination: no bootstrap from `s_{t+1}`. */
  terminated: ArrayLike<number>;
  /** 1 where the trajectory ends (terminated or truncated): later steps belong to another episode. Default: `terminated`. */
  done?: ArrayLike<number>;
  /** Length of the time dim (the last batch dim). */
  steps: number;
}

/**
 * Turns rewards and next-state values into value targets (TorchRL's `ValueEstimatorBase`). Estimates are
 * computed on the host: targets are never differentiated, and the recursions are sequential in time.
 */
export interface ValueEstimator {
  readonly name: string;
  readonly gamma: number;
  /** The value target of every step, length `batch * steps`. */
  returns(inputs: ReturnInputs): Float32Array;
}

function checkGamma(gamma: number, what: string): number {
  if (!(Number.isFinite(gamma) && gamma >= 0 && gamma <= 1))
    throw new Error(`${what}: gamma must be in [0, 1], got ${gamma}`);
  return gamma;
}

function checkInputs(x: ReturnInputs, what: string): { n: number; done: ArrayLike<number> } {
  const n = x.reward.length;
  if (!(Number.isSafeInteger(x.steps) && x.steps >= 1 && n % x.steps === 0)) {
    throw new Error(`${what}: steps ${x.steps} must be a positive integer dividing the number of samples (${n})`);
  }
  const done = x.done ?? x.terminated;
  for (const [key, arr] of [
    ["nextValue", x.nextValue],
    ["terminated", x.terminated],
    ["done", done],
  ] as const) {
    if (arr.length !== n) throw new Error(`${what}: ${key} has ${arr.length} values; reward has ${n}`);
  }
  return { n, done };
}

/**
 * Weighted TD(lambda) recursion, shared by all estimators: `G_t = r_t + gamma (1 - terminated_t) ((1 - lambda) V_t' +
 * lambda G_{t+1})`, where `G_{t+1}` is replaced by `V_t'` at the last step and wherever the trajectory ends.
 */
function lambdaReturns(x: ReturnInputs, gamma: number, lambda: number, what: string): Float32Array {
  const { n, done } = checkInputs(x, what);
  const out = new Float32Array(n);
  const T = x.steps;
  for (let b = 0; b < n / T; b++) {
    let g = 0;
    for (let t = T - 1; t >= 0; t--) {
      const i = b * T + t;
      const v = x.nextValue[i]!;
      const follow = t === T - 1 || done[i] !== 0 ? v : (1 - lambda) * v + lambda * g;
      g = x.reward[i]! + (x.terminated[i] !== 0 ? 0 : gamma * follow);
      out[i] = g;
    }
  }
  return out;
}

/**
 * TD(0) (TorchRL's `TD0Estimator`): `r_t + gamma (1 - terminated_t) V(s_{t+1})`. Truncated steps bootstrap.
 *
 * @example
 * new TD0Estimator({ gamma: 0.5 }).returns({ reward: [1, 1], nextValue: [2, 2], terminated: [0, 1], steps: 2 }); // [2, 1]
 */
export class TD0Estimator implements ValueEstimator {
  readonly name = "TD0Estimator";
  readonly gamma: number;
  constructor(options: { gamma?: number } = {}) {
    checkOptions("TD0Estimator", options, TD0_ESTIMATOR_OPTION_KEYS);
    this.gamma = checkGamma(options.gamma ?? 0.99, this.name);
  }
  returns(inputs: ReturnInputs): Float32Array {
    return lambdaReturns(inputs, this.gamma, 0, this.name);
  }
}

/**
 * TD(1) (TorchRL's `TD1Estimator`): the discounted return to the end of the trajectory or of the sampled
 * segment, bootstrapped there with `V(s_{t+1})` unless the episode terminated.
 *
 * @example
 * new TD1Estimator({ gamma: 0.5 }).returns({ reward: [1, 1, 1], nextValue: [0, 0, 4], terminated: [0, 0, 0], steps: 3 }); // [2.25, 2.5, 3]
 */
export class TD1Estimator implements ValueEstimator {
  readonly name = "TD1Estimator";
  readonly gamma: number;
  constructor(options: { gamma?: number } = {}) {
    checkOptions("TD1Estimator", options, TD1_ESTIMATOR_OPTION_KEYS);
    this.gamma = checkGamma(options.gamma ?? 0.99, this.name);
  }
  returns(inputs: ReturnInputs): Float32Array {
    return lambdaReturns(inputs, this.gamma, 1, this.name);
  }
}

/**
 * TD(lambda) (TorchRL's `TDLambdaEstimator`): the lambda-weighted mix of n-step returns, by the backward
 * recursion. `lambda = 0` is TD(0), `lambda = 1` is TD(1).
 *
 * @example
 * new TDLambdaEstimator({ gamma: 1, lambda: 0.5 }).returns({ reward: [0, 1], nextValue: [2, 0], terminated: [0, 1], steps: 2 }); // [1.5, 1]
 */
export class TDLambdaEstimator implements ValueEstimator {
  readonly name = "TDLambdaEstimator";
  readonly gamma: number;
  readonly lambda: number;
  constructor(options: { gamma?: number; lambda?: number } = {}) {
    checkOptions("TDLambdaEstimator", options, TD_LAMBDA_ESTIMATOR_OPTION_KEYS);
    this.gamma = checkGamma(options.gamma ?? 0.99, this.name);
    this.lambda = options.lambda ?? 0.95;
    if (!(Number.isFinite(this.lambda) && this.lambda >= 0 && this.lambda <= 1))
      throw new Error(`${this.name}: lambda must be in [0, 1], got ${this.lambda}`);
  }
  returns(inputs: ReturnInputs): Float32Array {
    return lambdaReturns(inputs, this.gamma, this.lambda, this.name);
  }
}

/**
 * n-step returns: `sum_{k<m} gamma^k r_{t+k} + gamma^m (1 - terminated_{t+m-1}) V(s_{t+m})`, with `m = n`
 * or fewer where the trajectory or the sampled segment ends first.
 *
 * @example
 * new NStepEstimator({ gamma: 0.5, n: 2 }).returns({ reward: [1, 1, 1], nextValue: [8, 8, 8], terminated: [0, 0, 0], steps: 3 }); // [3.5, 3.5, 5]
 */
export class NStepEstimator implements ValueEstimator {
  readonly name = "NStepEstimator";
  readonly gamma: number;
  readonly n: number;
  constructor(options: { gamma?: number; n: number }) {
    checkOptions("NStepEstimator", options, N_STEP_ESTIMATOR_OPTION_KEYS);
    this.gamma = checkGamma(options.gamma ?? 0.99, this.name);
    if (!(Number.isSafeInteger(options.n) && options.n >= 1))
      throw new Error(`${this.name}: n must be a positive integer, got ${String(options.n)}`);
    this.n = options.n;
  }
  returns(inputs: ReturnInputs): Float32Array {
    const { n: total, done } = checkInputs(inputs, this.name);
    const out = new Float32Array(total);
    const T = inputs.steps;
    for (let b = 0; b < total / T; b++) {
      for (let t = 0; t < T; t++) {
        let g = 0;
        let discount = 1;
        for (let k = 0; k < this.n; k++) {
          const i = b * T + t + k;
          g += discount * inputs.reward[i]!;
          const last = k === this.n - 1 || t + k === T - 1 || done[i] !== 0;
          if (last) {
            if (inputs.terminated[i] === 0) g += discount * this.gamma * inputs.nextValue[i]!;
            break;
          }
          discount *= this.gamma;
        }
        out[b * T + t] = g;
      }
    }
    return out;
  }
}
