import * as tf from "@tensorflow/tfjs-core";
import type { Rng } from "@tdrl/tensordict";
import { matMulWT } from "./mat-mul-wt";
import { makeVariable } from "./parameters";

/** PyTorch's default init for Linear/Conv/LSTM: U(-bound, bound) with bound = 1/sqrt(fanIn). */
export function uniformInit(rng: Rng, size: number, fanIn: number): Float32Array {
  const bound = 1 / Math.sqrt(fanIn);
  return rng.fillUniform(new Float32Array(size), -bound, bound);
}

/** A dense layer's weight `[out, in]` (PyTorch layout) and bias `[out]`, initialised as PyTorch does. */
export interface LinearParams {
  weight: tf.Variable;
  bias: tf.Variable;
}

export function makeLinear(rng: Rng, inFeatures: number, outFeatures: number): LinearParams {
  const weight = makeVariable(uniformInit(rng, outFeatures * inFeatures, inFeatures), [outFeatures, inFeatures]);
  const bias = makeVariable(uniformInit(rng, outFeatures, inFeatures), [outFeatures]);
  return { weight, bias };
}

/** `x W^T + b` on a 2-D `x` (see `matMulWT` for how the product is taken on wasm). */
export function linear2d(x: tf.Tensor2D, p: LinearParams): tf.Tensor2D {
  const w = p.weight as tf.Tensor2D;
  return tf.add(matMulWT(x, w), p.bias);
}

export function checkPositiveInt(value: unknown, name: string, what: string): number {
  if (!(typeof value === "number" && Number.isSafeInteger(value) && value >= 1)) {
    throw new Error(`${what}: ${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}
