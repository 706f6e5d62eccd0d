import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { checkGradient, type GradientCase } from "../../test/numeric-gradient-check";
import { registerCoreGradients } from "./register-core-gradients";

// The checker must fail the kinds of mistakes a gradient function makes, or the passing tables prove nothing.
// Each test swaps in a deliberately broken gradient for one kernel and expects the check to report it.

const restore: Array<() => void> = [];

function replaceGradient(
  kernelName: string,
  gradFunc: tf.GradConfig["gradFunc"],
  extra: Partial<tf.GradConfig> = {},
): void {
  const original = tf.getGradient(kernelName);
  tf.unregisterGradient(kernelName);
  tf.registerGradient({ ...original, ...extra, kernelName, gradFunc });
  restore.push(() => {
    tf.unregisterGradient(kernelName);
    tf.registerGradient(original);
  });
}

function one(dy: tf.Tensor | tf.Tensor[]): tf.Tensor {
  if (Array.isArray(dy)) throw new Error("expected one dy");
  return dy;
}

function saved2(saved: tf.Tensor[]): [tf.Tensor, tf.Tensor] {
  const [a, b] = saved;
  if (a === undefined || b === undefined) throw new Error("expected two saved tensors");
  return [a, b];
}

describe("numeric gradient check", () => {
  beforeAll(async () => {
    await tf.setBackend("cpu");
    registerCoreGradients();
  });
  afterEach(() => {
    restore
      .splice(0)
      .reverse()
      .forEach((undo) => undo());
  });

  const subCase: GradientCase = {
    name: "sub",
    kernel: tf.Sub,
    inputs: [{ shape: [2, 3] }, { shape: [2, 3] }],
    f: (a, b) => tf.sub(a, b),
  };

  it("passes the registered gradients it is meant to check", () => {
    const report = checkGradient(subCase);
    expect(report.mismatches).toEqual([]);
    expect(report.gradientCalls).toBe(1);
    expect(report.leakedTensors).toBe(0);
  });

  it("catches a wrong sign", () => {
    replaceGradient(tf.Sub, (dy) => ({ a: () => tf.clone(one(dy)), b: () => tf.clone(one(dy)) }));
    expect(checkGradient(subCase).mismatches.length).toBeGreaterThan(0);
  });

  it("catches swapped operands", () => {
    replaceGradient(tf.Multiply, (dy, saved) => {
      const [a, b] = saved2(saved);
      return { a: () => tf.mul(one(dy), a), b: () => tf.mul(one(dy), b) };
    });
    const report = checkGradient({
      name: "mul",
      kernel: tf.Multiply,
      inputs: [{ shape: [2, 3] }, { shape: [2, 3] }],
      f: (a, b) => tf.mul(a, b),
    });
    expect(report.mismatches.length).toBeGreaterThan(0);
  });

  it("catches a transposed operand in a matrix product", () => {
    replaceGradient(tf.BatchMatMul, (dy, saved) => {
      const [a, b] = saved2(saved);
      return { a: () => tf.matMul(one(dy), b), b: () => tf.matMul(a, one(dy), true, false) };
    });
    const report = checkGradient({
      name: "matmul",
      kernel: tf.BatchMatMul,
      inputs: [{ shape: [3, 3] }, { shape: [3, 3] }],
      f: (a, b) => tf.matMul(a, b),
    });
    expect(report.mismatches.length).toBeGreaterThan(0);
  });

  it("catches a missing term", () => {
    replaceGradient(tf.Softmax, (dy, saved) => {
      const [y] = saved;
      if (y === undefined) throw new Error("expected the saved output");
      return { logits: () => tf.mul(one(dy), y) };
    });
    const report = checkGradient({
      name: "softmax",
      kernel: tf.Softmax,
      inputs: [{ shape: [2, 4] }],
      f: (x) => tf.softmax(x),
    });
    expect(report.mismatches.length).toBeGreaterThan(0);
  });

  it("catches a zero gradient where the function moves", () => {
    replaceGradient(tf.Exp, (dy) => ({ x: () => tf.zerosLike(one(dy)) }));
    const report = checkGradient({ name: "exp", kernel: tf.Exp, inputs: [{ shape: [3] }], f: (x) => tf.exp(x) });
    expect(report.mismatches.length).toBeGreaterThan(0);
  });

  it("fails a gradient that skips the broadcast reduction", () => {
    replaceGradient(tf.Add, (dy) => ({ a: () => tf.clone(one(dy)), b: () => tf.clone(one(dy)) }));
    const broadcast: GradientCase = {
      name: "add",
      kernel: tf.Add,
      inputs: [{ shape: [2, 3] }, { shape: [3] }],
      f: (a, b) => tf.add(a, b),
    };
    expect(() => checkGradient(broadcast)).toThrow(/shape/);
  });

  it("reports a leaking gradient", () => {
    replaceGradient(tf.Neg, (dy) => {
      tf.keep(tf.zeros([2]));
      return { x: () => tf.neg(one(dy)) };
    });
    expect(
      checkGradient({ name: "neg", kernel: tf.Neg, inputs: [{ shape: [3] }], f: (x) => tf.neg(x) }).leakedTensors,
    ).toBeGreaterThan(0);
  });

  it("reports a case that never reaches the kernel's gradient", () => {
    const report = checkGradient({ name: "unused", kernel: tf.Relu, inputs: [{ shape: [3] }], f: (x) => tf.exp(x) });
    expect(report.gradientCalls).toBe(0);
  });

  it("reports a case whose inputs give an identically zero gradient", () => {
    const report = checkGradient({
      name: "dead relu",
      kernel: tf.Relu,
      inputs: [{ shape: [3], lo: -3, hi: -1 }],
      f: (x) => tf.relu(x),
    });
    expect(report.mismatches.join("\n")).toMatch(/does not exercise/);
  });
});
