import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

// PyTorch golden values (../shared/reference/torch/golden.json beside the repo root), typed, for the tests of
// @tdrl/modules and @tdrl/losses.
const GOLDEN = fileURLToPath(new URL("../../shared/reference/torch/golden.json", import.meta.url));

export type Nested = number | boolean | Nested[];

export interface LstmGolden {
  input_size: number;
  hidden_size: number;
  batch: number;
  steps: number;
  weight_ih: Nested;
  weight_hh: Nested;
  bias_ih: Nested;
  bias_hh: Nested;
  x: Nested;
  h0: Nested;
  c0: Nested;
  output: Nested;
  h_n: Nested;
  c_n: Nested;
  output_weight: Nested;
  grad_weight_ih: Nested;
  grad_weight_hh: Nested;
  grad_bias_ih: Nested;
  grad_bias_hh: Nested;
}

export interface LinearGolden {
  weight: number[][];
  bias: number[];
}
export interface DqnCase {
  double_dqn: boolean;
  loss_function: "l2" | "smooth_l1";
  target: number[];
  td_error: number[];
  loss: number;
  grads: LinearGolden[];
}
export interface DqnGolden {
  gamma: number;
  qnet: LinearGolden[];
  target_net: LinearGolden[];
  obs: number[][];
  next_obs: number[][];
  action: number[];
  reward: number[];
  terminated: boolean[];
  truncated: boolean[];
  cases: DqnCase[];
}
export interface Golden {
  lstm: LstmGolden;
  lstm_with_resets: { is_init: Nested; output: Nested };
  dqn_loss: DqnGolden;
  soft_update: { eps: number; online: number[]; target: number[]; after_one_update: number[] };
}

export function loadGolden(): Golden {
  return JSON.parse(readFileSync(GOLDEN, "utf8")) as Golden;
}

export function flat(x: Nested): number[] {
  return Array.isArray(x) ? x.flatMap(flat) : [Number(x)];
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`maxAbsDiff: lengths ${a.length} and ${b.length} differ`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
