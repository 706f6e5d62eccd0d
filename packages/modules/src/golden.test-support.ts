import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

// The repo root is 3 levels above packages/modules/src; the reference data sits beside it in ../shared.
const GOLDEN = fileURLToPath(new URL("../../../../shared/reference/torch/golden.json", import.meta.url));

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

export interface Golden {
  lstm: LstmGolden;
  lstm_with_resets: { is_init: Nested; output: Nested };
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
