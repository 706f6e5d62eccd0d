import * as tf from "@tensorflow/tfjs-core";
import { asFloat32, reduceGradientToShape } from "./gradient-contract";
import { eluDerivativeFromOutput } from "./activation-gradients";

/*
 * _FusedMatMul, FusedConv2D and FusedDepthwiseConv2D compute act(op(x, w) + bias). tf.fused.* never takes these
 * gradients itself — in gradient mode it either wraps the kernel in customGrad (linear activation) or runs the
 * unfused ops — so they matter only to code that calls the kernels through engine().runKernel.
 */

/** The activations the fused kernels accept. */
export type FusedActivation = "linear" | "relu" | "relu6" | "elu" | "sigmoid" | "leakyrelu" | "prelu";

const FUSED_ACTIVATIONS: readonly string[] = ["linear", "relu", "relu6", "elu", "sigmoid", "leakyrelu", "prelu"];

export function fusedActivationAttr(attrs: tf.NamedAttrMap, kernelName: string): FusedActivation {
  const value = attrs.activation ?? "linear";
  if (typeof value === "string" && FUSED_ACTIVATIONS.includes(value)) return value as FusedActivation;
  throw new Error(
    `${kernelName} gradient: attr 'activation' must be one of ${FUSED_ACTIVATIONS.join(", ")}, got ${JSON.stringify(
      value,
    )}`,
  );
}

const OPTIONAL_INPUTS = ["bias", "preluActivationWeights"] as const;

/**
 * `inputsToSave` for a fused kernel: its two operands, then bias and PReLU weights when present.
 *
 * The engine saves `inputsToSave.map((name) => inputs[name])` and clones each entry, so naming an optional input that
 * was not passed would clone `undefined` and throw. The list therefore maps names to inputs and drops the absent
 * ones; {@link decodeFusedSaved} tells them apart again from how many are left and the activation.
 */
export function fusedInputsToSave(first: string, second: string): string[] {
  const names = [first, second, ...OPTIONAL_INPUTS];
  const list = [...names];
  Object.defineProperty(list, "map", {
    enumerable: false,
    value: <U>(fn: (name: string, index: number, all: string[]) => U): U[] =>
      names.map((name, i) => fn(name, i, list)).filter((v) => v !== undefined && v !== null),
  });
  return list;
}

export interface FusedSaved {
  readonly first: tf.Tensor;
  readonly second: tf.Tensor;
  readonly bias: tf.Tensor | undefined;
  readonly prelu: tf.Tensor | undefined;
  readonly y: tf.Tensor;
}

/**
 * Splits the saved tensors of a fused kernel registered with {@link fusedInputsToSave} and `outputsToSave: [true]`:
 * [first, second, ...present optional inputs, y]. One optional input is the PReLU weights when the activation is
 * prelu (the kernel needs them then) and the bias otherwise; PReLU weights passed alongside another activation are
 * unused by the forward pass and get no gradient.
 */
export function decodeFusedSaved(saved: tf.Tensor[], activation: FusedActivation, kernelName: string): FusedSaved {
  const [first, second] = saved;
  const y = saved[saved.length - 1];
  const optional = saved.slice(2, -1);
  if (first === undefined || second === undefined || y === undefined || saved.length < 3 || optional.length > 2) {
    throw new Error(`${kernelName} gradient: expected 3 to 5 saved tensors, got ${saved.length}`);
  }
  if (activation === "prelu") {
    if (optional.length === 0)
      throw new Error(`${kernelName} gradient: activation 'prelu' needs preluActivationWeights, none was saved`);
    return {
      first,
      second,
      y,
      bias: optional.length === 2 ? optional[0] : undefined,
      prelu: optional[optional.length - 1],
    };
  }
  return { first, second, y, bias: optional[0], prelu: undefined };
}

export interface FusedActivationGradient {
  /** Gradient with respect to the pre-activation z = op(x, w) + bias. */
  readonly dz: tf.Tensor;
  /** Gradient with respect to the PReLU weights, reduced to their shape (prelu only). */
  readonly dPrelu: (() => tf.Tensor) | undefined;
}

/**
 * Back-propagates `dy` through the fused activation. Relu, relu6, elu and sigmoid read their derivative off the saved
 * output. LeakyReLU with a negative slope and PReLU are not invertible from y alone, so `preActivation` recomputes z.
 */
export function fusedActivationGradient(
  dy: tf.Tensor,
  y: tf.Tensor,
  activation: FusedActivation,
  leakyreluAlpha: number,
  prelu: tf.Tensor | undefined,
  preActivation: () => tf.Tensor,
): FusedActivationGradient {
  const g = asFloat32(dy);
  switch (activation) {
    case "linear":
      return { dz: g, dPrelu: undefined };
    case "relu":
      return { dz: tf.mul(g, tf.cast(tf.greater(y, 0), "float32")), dPrelu: undefined };
    case "relu6":
      return { dz: tf.mul(g, tf.cast(tf.logicalAnd(tf.greater(y, 0), tf.less(y, 6)), "float32")), dPrelu: undefined };
    case "elu":
      return { dz: tf.mul(g, eluDerivativeFromOutput(y)), dPrelu: undefined };
    case "sigmoid":
      return { dz: tf.mul(g, tf.mul(y, tf.sub(1, y))), dPrelu: undefined };
    case "leakyrelu": {
      const positive = leakyreluAlpha >= 0 ? tf.greater(y, 0) : tf.greater(preActivation(), 0);
      return { dz: tf.where(positive, g, tf.mul(g, leakyreluAlpha)), dPrelu: undefined };
    }
    case "prelu": {
      if (prelu === undefined) throw new Error("prelu activation gradient: preluActivationWeights are missing");
      const z = preActivation();
      const positive = tf.greater(z, 0);
      return {
        dz: tf.where(positive, g, tf.mul(g, prelu)),
        dPrelu: () => reduceGradientToShape(tf.where(positive, tf.zerosLike(g), tf.mul(g, z)), prelu.shape),
      };
    }
  }
}
